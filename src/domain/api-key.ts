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

/** The scopes each scope grants. A route requires one scope; a key may use it when its scope grants that one. */
const GRANTS: Record<KeyScope, readonly KeyScope[]> = {
  read: ['read'],
  write: ['read', 'write'],
  /** exec: write, and running ad-hoc commands on the agent's machine (POST /api/jobs). */
  exec: ['read', 'write', 'exec'],
  admin: ['read', 'write', 'exec', 'admin'],
};

/** What a route requires: `public` needs no key at all. Declared on each route (src/api/route-docs.ts). */
export type RouteScope = KeyScope | 'public';

/** Whether a key of scope `held` may use a route that requires `required`. */
export function scopeGrants(held: KeyScope, required: RouteScope): boolean {
  return required === 'public' || GRANTS[held].includes(required);
}
