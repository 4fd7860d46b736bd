import type { Context } from 'koa';
import type { ZodType } from 'zod';
import { badRequest } from '../errors.js';
import type { BlobDownload } from '../services/file-registry.js';
import { describeZodError } from './middleware/error-handler.js';

/**
 * The query of an upload (`?model_name=`, `?dataset_name=`): a bad name is a 400 (seed 000's "Invalid
 * request parameters"), refused before a byte of the body is read.
 */
export function parseRegistryQuery<T>(ctx: Context, schema: ZodType<T>): T {
  const parsed = schema.safeParse(ctx.query);
  if (!parsed.success) throw badRequest(describeZodError(parsed.error));
  return parsed.data;
}

/** A file (or a bundle as tar) streamed with its length and an attachment file name. */
export function sendDownload(ctx: Context, download: BlobDownload): void {
  ctx.body = download.stream;
  ctx.type = download.contentType;
  ctx.length = download.size;
  ctx.set('Content-Disposition', `attachment; filename="${download.downloadName}"`);
}
