export type { Principal } from '../services/api-key-service.js';

/** A browser's EventSource and WebSocket cannot send headers: the stream paths also take `?api_key=`. */
const QUERY_KEY_PATHS = /^\/api\/v1\/(sse|ws)\/|^\/api\/jobs\/[^/]+\/stream$|^\/ws\/jobs\//;

/** The key a request presents: `Authorization: Bearer`, `X-API-Key`, or `?api_key=` on stream paths. */
export function presentedKey(path: string, headers: { authorization?: string; 'x-api-key'?: string | string[] }, query: URLSearchParams): string | null {
  const fromQuery = query.get('api_key');
  if (QUERY_KEY_PATHS.test(path) && fromQuery) return fromQuery;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1]!;
  const header = (Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'])?.trim();
  return header ? header : null;
}
