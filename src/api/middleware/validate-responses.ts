import { Readable } from 'node:stream';
import type { Context, Next } from 'koa';
import type { ZodType } from 'zod';
import type { Logger } from '../../logging/logger.js';
import { ErrorBody } from '../responses.js';
import type { RouteDoc } from '../route-docs.js';

/**
 * Test mode (TRAINER_VALIDATE_RESPONSES=1, set for the whole suite): every JSON answer is checked
 * against what its route declares — errors against `{detail, code}`, successes against the route's
 * response schema for that status. A mismatch becomes a 500 naming the difference, so the test that
 * caused it fails. Runs outside the error handler, so it sees the final answer.
 */
export function validateResponses(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    await next();
    const body: unknown = ctx.body;
    if (body === null || body === undefined || typeof body !== 'object' || Buffer.isBuffer(body) || body instanceof Readable) return;
    const route = ctx.state.route as { key: string; doc: RouteDoc } | undefined;
    const problem = mismatch(ctx.status, body, route?.doc);
    if (!problem) return;
    const where = `${ctx.method} ${ctx.path} (${route?.key ?? 'no route'}) answered ${ctx.status}`;
    logger.error('response does not match its contract', { where, problem });
    ctx.status = 500;
    ctx.body = { detail: `Response does not match its contract: ${where}: ${problem}`, code: 'internal' };
  };
}

function mismatch(status: number, body: unknown, doc: RouteDoc | undefined): string | null {
  let schema: ZodType | undefined;
  if (status >= 400) schema = ErrorBody;
  else if (doc?.responses) {
    schema = doc.responses[status as 200];
    if (!schema) return `status ${status} is not declared (declared: ${Object.keys(doc.responses).join(', ')})`;
  }
  if (!schema) return null;
  const result = schema.safeParse(body);
  return result.success
    ? null
    : result.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
        .join('; ');
}
