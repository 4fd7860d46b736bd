import type { ZodType } from 'zod';

/** Validates request input; a failure throws the ZodError that the error handler turns into a 422. */
export function parse<T>(schema: ZodType<T>, input: unknown): T {
  return schema.parse(input ?? {});
}
