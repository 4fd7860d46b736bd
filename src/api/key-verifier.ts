export type { Principal } from '../services/api-key-service.js';

/**
 * The key a request presents: `Authorization: Bearer`, `X-API-Key`, or — where the route accepts it
 * (`query` given: the stream routes, since a browser's EventSource and WebSocket cannot send headers) —
 * `?api_key=`.
 */
export function presentedKey(headers: { authorization?: string; 'x-api-key'?: string | string[] }, query: URLSearchParams | null): string | null {
  const fromQuery = query?.get('api_key');
  if (fromQuery) return fromQuery;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1]!;
  const header = (Array.isArray(headers['x-api-key']) ? headers['x-api-key'][0] : headers['x-api-key'])?.trim();
  return header ? header : null;
}
