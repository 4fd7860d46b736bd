/**
 * Every failure the agent reports to a person carries one of these codes. Each code maps once to an
 * HTTP status (here), a CLI exit code and a chat reply, so that all front ends agree.
 */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Unsupported: 'UNSUPPORTED_MEDIA_TYPE',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  Validation: 'VALIDATION',
  Unavailable: 'UNAVAILABLE',
  InsufficientStorage: 'INSUFFICIENT_STORAGE',
  Config: 'CONFIG',
  Plugin: 'PLUGIN',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusByCode: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  VALIDATION: 422,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  CONFIG: 500,
  PLUGIN: 500,
  INTERNAL: 500,
};

const exitCodeByCode: Record<ErrorCode, number> = {
  BAD_REQUEST: 2,
  UNAUTHORIZED: 3,
  FORBIDDEN: 3,
  NOT_FOUND: 4,
  CONFLICT: 5,
  PAYLOAD_TOO_LARGE: 2,
  UNSUPPORTED_MEDIA_TYPE: 2,
  TOO_MANY_REQUESTS: 7,
  VALIDATION: 2,
  UNAVAILABLE: 6,
  INSUFFICIENT_STORAGE: 8,
  CONFIG: 78,
  PLUGIN: 70,
  INTERNAL: 70,
};

/**
 * The `code` of an error body on the wire (`{"detail": …, "code": …}`): each names its class, some
 * more finely than the class does (`run_not_found` is a `not_found`). Clients decide on the code,
 * never on the HTTP status; the CLI's exit code is the class's (see EXIT_CODES).
 */
export const WIRE_CODES = {
  bad_request: ErrorCode.BadRequest,
  method_not_allowed: ErrorCode.BadRequest,
  validation_failed: ErrorCode.Validation,
  payload_too_large: ErrorCode.PayloadTooLarge,
  unsupported_media_type: ErrorCode.Unsupported,
  unauthenticated: ErrorCode.Unauthorized,
  scope_insufficient: ErrorCode.Forbidden,
  not_found: ErrorCode.NotFound,
  run_not_found: ErrorCode.NotFound,
  conflict: ErrorCode.Conflict,
  invalid_state: ErrorCode.Conflict,
  rate_limited: ErrorCode.TooManyRequests,
  unavailable: ErrorCode.Unavailable,
  insufficient_storage: ErrorCode.InsufficientStorage,
  internal: ErrorCode.Internal,
} as const satisfies Record<string, ErrorCode>;
export type WireCode = keyof typeof WIRE_CODES;

const wireCodeByCode: Record<ErrorCode, WireCode> = {
  BAD_REQUEST: 'bad_request',
  UNAUTHORIZED: 'unauthenticated',
  FORBIDDEN: 'scope_insufficient',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  TOO_MANY_REQUESTS: 'rate_limited',
  VALIDATION: 'validation_failed',
  UNAVAILABLE: 'unavailable',
  INSUFFICIENT_STORAGE: 'insufficient_storage',
  CONFIG: 'internal',
  PLUGIN: 'internal',
  INTERNAL: 'internal',
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  /** The code the API answers with: the class's own unless a finer one was given. */
  readonly wireCode: WireCode;

  constructor(code: ErrorCode, message: string, details?: unknown, wireCode?: WireCode) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.wireCode = wireCode ?? wireCodeByCode[code];
  }

  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }

  get exitCode(): number {
    return exitCodeByCode[this.code];
  }
}

export const notFound = (message: string, wireCode?: 'run_not_found') => new AppError(ErrorCode.NotFound, message, undefined, wireCode);
/** `invalid_state`: the thing exists but is in a state that does not allow the request (a run already stopped). */
export const conflict = (message: string, wireCode?: 'invalid_state') => new AppError(ErrorCode.Conflict, message, undefined, wireCode);
export const invalid = (message: string, details?: unknown) => new AppError(ErrorCode.Validation, message, details);
export const badRequest = (message: string) => new AppError(ErrorCode.BadRequest, message);

/** ENOSPC (no space left) or EDQUOT (quota exceeded): the disk, not the request, is at fault. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A write refused because the disk is full (HTTP 507, `insufficient_storage`). */
export function diskFull(what: string, error?: unknown): AppError {
  const reason = (error as NodeJS.ErrnoException | undefined)?.code === 'EDQUOT' ? 'the disk quota is exceeded (EDQUOT)' : 'the disk is full (ENOSPC)';
  return new AppError(ErrorCode.InsufficientStorage, `Cannot ${what}: ${reason}. Free space on the agent's data disk and retry.`);
}

export function httpStatusOf(code: ErrorCode): number {
  return httpStatusByCode[code];
}

export function exitCodeOf(code: ErrorCode): number {
  return exitCodeByCode[code];
}

/** What each exit code of the `trainer` CLI means, in order: the table in README and `trainer --help`. */
export const EXIT_CODES: readonly { exit: number; meaning: string; codes: readonly WireCode[] }[] = [
  { exit: 0, meaning: 'success', codes: [] },
  { exit: 1, meaning: 'the run (or sweep) waited for ended without success', codes: [] },
  {
    exit: 2,
    meaning: 'the request was refused as invalid (bad flags, body, file or size)',
    codes: ['bad_request', 'method_not_allowed', 'validation_failed', 'payload_too_large', 'unsupported_media_type'],
  },
  { exit: 3, meaning: 'no key, an invalid key, or a key whose scope does not allow it', codes: ['unauthenticated', 'scope_insufficient'] },
  { exit: 4, meaning: 'no such run, model, dataset, key…', codes: ['not_found', 'run_not_found'] },
  { exit: 5, meaning: 'it exists but its state does not allow that (already stopped, name taken, file exists)', codes: ['conflict', 'invalid_state'] },
  { exit: 6, meaning: 'the agent did not answer, or is unavailable', codes: ['unavailable'] },
  { exit: 7, meaning: "over the key's rate limit: retry later", codes: ['rate_limited'] },
  { exit: 8, meaning: "the agent's disk is full: free space there and retry", codes: ['insufficient_storage'] },
  { exit: 70, meaning: 'an internal error in the agent or a plugin', codes: ['internal'] },
  { exit: 78, meaning: 'configuration error (agent config, recipe, plugin)', codes: [] },
  { exit: 130, meaning: 'interrupted (Ctrl-C)', codes: [] },
];

/** The CLI's exit code for an API error: decided by its wire code; by its status only for an answer without one (a proxy's page). */
export function exitCodeForWire(code: string | null, status: number): number {
  const known = code !== null && Object.hasOwn(WIRE_CODES, code) ? WIRE_CODES[code as WireCode] : null;
  if (known) return exitCodeByCode[known];
  if (status === 0 || status === 502 || status === 503 || status === 504) return 6;
  if (status === 429) return 7;
  if (status === 401 || status === 403) return 3;
  if (status === 404) return 4;
  if (status === 409) return 5;
  if (status >= 400 && status < 500) return 2;
  return 70;
}
