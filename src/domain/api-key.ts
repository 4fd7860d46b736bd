export const KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** A stored API key: only its SHA-256 digest is kept, never the key. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: KeyScope;
  digest: string;
  /** The key's first characters, so that a person can tell keys apart in a list. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a scope allows: read → GET only; write → everything but key management; admin → everything. */
export function scopeAllows(scope: KeyScope, method: string, path: string): boolean {
  if (path.startsWith('/api/v1/keys')) return scope === 'admin';
  if (WRITE_METHODS.has(method.toUpperCase())) return scope !== 'read';
  return true;
}
