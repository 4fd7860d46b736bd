export const KEY_SCOPES = ['read', 'write', 'exec', 'admin'] as const;
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

/** Requests that run an ad-hoc command on the agent's machine. */
export function runsCommand(method: string, path: string): boolean {
  return method.toUpperCase() === 'POST' && /^\/api\/jobs\/?$/.test(path);
}

/**
 * What a scope allows: read → GET only; write → everything but key management and ad-hoc commands;
 * exec → write and ad-hoc commands; admin → everything.
 */
export function scopeAllows(scope: KeyScope, method: string, path: string): boolean {
  if (path.startsWith('/api/v1/keys')) return scope === 'admin';
  if (runsCommand(method, path)) return scope === 'exec' || scope === 'admin';
  if (WRITE_METHODS.has(method.toUpperCase())) return scope !== 'read';
  return true;
}
