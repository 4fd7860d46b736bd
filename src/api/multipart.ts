import busboy from 'busboy';
import type { Context } from 'koa';
import { AppError, ErrorCode, badRequest } from '../errors.js';
import type { IncomingFile } from '../services/file-registry.js';

/** Room for the multipart framing and small fields around the file, when judging Content-Length. */
const FRAMING_ALLOWANCE = 1024 * 1024;

export interface MultipartOptions {
  limitBytes: number;
  /** The form field that carries the file (seed 000: `file`). */
  fileField: string;
  /** Consumes the file part's stream entirely, or rejects; called at most once. */
  consume(file: IncomingFile): Promise<void>;
}

/**
 * Reads a multipart/form-data upload as a stream (busboy): the file part goes to `consume` as it
 * arrives, never held in memory whole. Resolves with the other fields once the whole body was read
 * and `consume` finished; rejects with 415 (not multipart), 413 (over the limit), 400 (no file part,
 * a malformed body, or the client went away) or whatever `consume` threw — always after `consume`
 * settled, so that its clean-up is done when the response goes out.
 */
export async function receiveMultipart(ctx: Context, options: MultipartOptions): Promise<Record<string, string>> {
  const { limitBytes, fileField } = options;
  checkUploadHeaders(ctx, limitBytes, fileField);

  let parser: busboy.Busboy;
  try {
    // fileSize + 1: busboy reports 'limit' when a file reaches the limit exactly
    parser = busboy({ headers: ctx.req.headers, limits: { fileSize: limitBytes + 1, files: 1, fields: 16, fieldSize: 16 * 1024, parts: 32, headerPairs: 32 } });
  } catch (error) {
    throw badRequest(`Malformed multipart request: ${(error as Error).message}`);
  }

  const request = ctx.req;
  const fields: Record<string, string> = Object.create(null) as Record<string, string>; // field names are the client's: __proto__ is just a name
  let consuming: Promise<void> | null = null;
  let failure: Error | null = null;

  return new Promise<Record<string, string>>((resolve, reject) => {
    let settled = false;
    const settle = async () => {
      if (settled) return;
      settled = true;
      request.off('aborted', onAborted);
      request.off('error', onRequestError);
      request.off('close', onClose);
      if (consuming) {
        try {
          await consuming;
        } catch (error) {
          failure ??= error as Error;
        }
      }
      if (failure) {
        reject(failure);
        return;
      }
      if (!consuming) {
        reject(badRequest(`The upload has no file: send it as the multipart field '${fileField}' (curl -F "${fileField}=@path")`));
        return;
      }
      resolve(fields);
    };
    const fail = (error: Error) => {
      failure ??= error;
      request.unpipe(parser);
      request.resume(); // the rest of the body is read and dropped: the client gets the answer, the connection stays usable
      parser.destroy(error); // ends the file part's stream with the error: consume cleans up
      void settle();
    };
    const onAborted = () => fail(badRequest('The client closed the connection before the upload was complete'));
    const onRequestError = (error: Error) => fail(badRequest(`The upload was interrupted: ${error.message}`));
    const onClose = () => {
      if (!request.complete) onAborted();
    };

    parser.on('file', (name, stream, info) => {
      // the stream may fail before the consumer has piped it anywhere (it opens a temp file first):
      // the failure is reported through `fail` and the consumer's pipeline, never as an uncaught error
      stream.on('error', () => {});
      if (name !== fileField || consuming || failure) {
        stream.resume(); // another field, or a second file: read past it
        return;
      }
      // deferred: busboy touches the file stream right after emitting 'limit', so no destroy in between
      stream.on('limit', () => process.nextTick(() => fail(tooLarge(limitBytes))));
      consuming = options.consume({ filename: info.filename ?? null, mimeType: info.mimeType ?? null, stream });
      consuming.catch((error: Error) => fail(error));
    });
    parser.on('field', (name, value) => {
      if (name !== fileField) fields[name] = value;
    });
    parser.on('filesLimit', () => {});
    parser.on('error', (error: Error) => fail(error instanceof AppError ? error : badRequest(`Malformed multipart body: ${error.message}`)));
    parser.on('finish', () => void settle());
    request.on('aborted', onAborted);
    request.on('error', onRequestError);
    request.on('close', onClose);
    request.pipe(parser);
  });
}

/** What can be refused from the headers alone, before any byte of the body is read: 415, 413. */
export function checkUploadHeaders(ctx: Context, limitBytes: number, fileField: string): void {
  if (!ctx.is('multipart/form-data')) {
    throw new AppError(
      ErrorCode.Unsupported,
      `Unsupported content type '${ctx.request.type || 'none'}': upload the file as multipart/form-data in the field '${fileField}' (curl -F "${fileField}=@path")`,
    );
  }
  const declared = Number(ctx.get('content-length'));
  if (ctx.get('content-length') !== '' && Number.isFinite(declared) && declared > limitBytes + FRAMING_ALLOWANCE) throw tooLarge(limitBytes);
}

function tooLarge(limitBytes: number): AppError {
  return new AppError(
    ErrorCode.PayloadTooLarge,
    `The upload is larger than the limit of ${formatMiB(limitBytes)} MiB (upload_limit_mb / TRAINER_UPLOAD_LIMIT_MB)`,
  );
}

function formatMiB(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 100) / 100);
}
