/** A refused or failed request: `code` is the agent's wire code (`run_not_found`, `rate_limited`…), null when there was no answer or none came with it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | null = null,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** Status 0: no HTTP answer at all (refused, unknown host, timed out), with how to point at an agent. */
export function unreachable(base: string, error: unknown): ApiError {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  const why = name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? message);
  return new ApiError(0, `Cannot reach the agent at ${base} (${why}). Is 'trainer agent' running there? Point at it with --url or TRAINER_URL.`);
}
