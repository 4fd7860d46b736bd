import { createHash, timingSafeEqual } from 'node:crypto';

export interface Principal {
  /** A prefix of the key's digest: tells keys apart (rate limits, audit), useless to recover one. */
  id: string;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Checks a presented API key. Keys are compared as SHA-256 digests with timingSafeEqual against every
 * known key, so timing reveals neither a key nor its length.
 */
export function createKeyVerifier(keys: readonly string[]): (presented: string) => Principal | null {
  const digests = keys.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let matched: Buffer | null = null;
    for (const known of digests) if (timingSafeEqual(candidate, known)) matched = known;
    return matched ? { id: matched.toString('hex').slice(0, 16) } : null;
  };
}

/** A browser's EventSource and WebSocket cannot send headers: the stream paths also take `?api_key=`. */
const QUERY_KEY_PATHS = /^\/api\/v1\/(sse|ws)\//;

/** The key a request presents: `Authorization: Bearer`, `X-API-Key`, or `?api_key=` on stream paths. */
export function presentedKey(path: string, headers: { authorization?: string; 'x-api-key'?: string | string[] }, query: URLSearchParams): string | null {
  const fromQuery = query.get('api_key');
  if (QUERY_KEY_PATHS.test(path) && fromQuery) return fromQuery;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1]!;
  const header = (Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'])?.trim();
  return header ? header : null;
}
