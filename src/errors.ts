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
  CONFIG: 78,
  PLUGIN: 70,
  INTERNAL: 70,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }

  get exitCode(): number {
    return exitCodeByCode[this.code];
  }
}

export const notFound = (message: string) => new AppError(ErrorCode.NotFound, message);
export const conflict = (message: string) => new AppError(ErrorCode.Conflict, message);
export const invalid = (message: string, details?: unknown) => new AppError(ErrorCode.Validation, message, details);
export const badRequest = (message: string) => new AppError(ErrorCode.BadRequest, message);

export function httpStatusOf(code: ErrorCode): number {
  return httpStatusByCode[code];
}

export function exitCodeOf(code: ErrorCode): number {
  return exitCodeByCode[code];
}
