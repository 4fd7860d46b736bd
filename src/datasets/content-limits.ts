/**
 * Limits on what parsing an uploaded file may cost: a 1.5 MB tar.gz can inflate to gigabytes, a
 * 100-byte PNG can declare 65,535 × 65,535 pixels. Each limit has a config key (and an environment
 * variable); refusals name it so the operator knows what to raise.
 */
export interface ContentLimits {
  /** Bytes an archive (or one PNG's image data) may inflate to. */
  maxInflatedBytes: number;
  /** Entries (headers) an archive may hold. */
  maxEntries: number;
  /** Widest or tallest image, in pixels. */
  maxImageSide: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = { maxInflatedBytes: 256 * 1024 * 1024, maxEntries: 100_000, maxImageSide: 4096 };

export const NO_CONTENT_LIMITS: ContentLimits = { maxInflatedBytes: Infinity, maxEntries: Infinity, maxImageSide: Infinity };

/** A file that is over a limit: the API answers 413 with this message. */
export class ContentLimitError extends Error {
  constructor(
    readonly limit: 'max_inflated_mb' | 'max_archive_entries' | 'max_image_side' | 'content_check_timeout_seconds' | 'content_check_memory',
    message: string,
  ) {
    super(message);
    this.name = 'ContentLimitError';
  }
}

export function inflatedLimitError(what: string, limits: ContentLimits): ContentLimitError {
  return new ContentLimitError(
    'max_inflated_mb',
    `${what} inflates to more than ${formatMiB(limits.maxInflatedBytes)} (limit max_inflated_mb, TRAINER_MAX_INFLATED_MB)`,
  );
}

/** zlib's own error when `maxOutputLength` is passed. */
export function isOutputTooLarge(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger than/.test((error as Error)?.message ?? '');
}

function formatMiB(bytes: number): string {
  const mib = bytes / 1048576;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB`;
}
