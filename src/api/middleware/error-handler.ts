import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { AppError, diskFull, isDiskFull, type WireCode } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';

/**
 * Every failure leaves as `{"detail": "...", "code": "..."}` with a 4xx status (seed 000's `detail`,
 * plus the wire code clients decide on, src/errors.ts WIRE_CODES); a 500 is a bug, logged with its stack.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { detail: `Not Found: ${ctx.method} ${ctx.path}`, code: 'not_found' };
      }
    } catch (error) {
      const { status, body } = toResponse(error);
      if (status === 507) logger.warn('request refused: disk full', { method: ctx.method, path: ctx.path, error: (error as Error)?.message });
      else if (status >= 500) logger.error('request failed', { method: ctx.method, path: ctx.path, error: (error as Error)?.stack ?? String(error) });
      ctx.status = status;
      ctx.body = body;
    }
  };
}

function toResponse(error: unknown): { status: number; body: Record<string, unknown> } {
  // any write path (uploads, registries, stores) that runs out of space: the disk's fault, not the request's
  if (isDiskFull(error)) error = diskFull('save the request', error);
  if (error instanceof AppError) return { status: error.httpStatus, body: { detail: error.message, code: error.wireCode } };
  if (error instanceof ZodError)
    return {
      status: 422,
      body: { detail: describeZodError(error), code: 'validation_failed', errors: error.issues.map((issue) => ({ loc: issue.path, msg: issue.message })) },
    };
  const httpError = error as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = httpError.status ?? httpError.statusCode;
  // @koa/router's allowedMethods answers a method no route implements (PROPFIND, PURGE…) with 501: to a
  // client it is a method this path does not allow
  if (status === 501) return { status: 405, body: { detail: `Method not allowed: ${httpError.message ?? 'not implemented'}`, code: 'method_not_allowed' } };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { detail: clientErrorMessage(status, httpError), code: wireCodeForStatus(status) } };
  }
  return { status: 500, body: { detail: 'Internal server error', code: 'internal' } };
}

/** For errors thrown by Koa and its middleware (no AppError): their status says what they are. */
function wireCodeForStatus(status: number): WireCode {
  const byStatus: Record<number, WireCode> = {
    401: 'unauthenticated',
    403: 'scope_insufficient',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    422: 'validation_failed',
    429: 'rate_limited',
  };
  return byStatus[status] ?? 'bad_request';
}

function clientErrorMessage(status: number, error: { message?: string; type?: string }): string {
  if (status === 413) return 'Request body too large';
  if (status === 400 && error.type === 'entity.parse.failed') return 'Request body is not valid JSON';
  if (status === 415) return 'Unsupported content type: send JSON with Content-Type: application/json';
  return error.message ?? 'Bad request';
}

export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}
