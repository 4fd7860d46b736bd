import type { Context, Next } from 'koa';
import { AppError, ErrorCode } from '../../errors.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * A body in any other type than JSON would be silently ignored by the parser: say so instead (415).
 * Not used on upload routes (declared `upload` in route-docs): they take multipart/form-data and check it themselves.
 */
export function requireJsonBodies() {
  return async (ctx: Context, next: Next) => {
    if (BODY_METHODS.has(ctx.method) && ctx.request.length && ctx.request.type && !ctx.is('application/json', '+json')) {
      throw new AppError(ErrorCode.Unsupported, `Unsupported content type '${ctx.request.type}': send JSON with Content-Type: application/json`);
    }
    return next();
  };
}
