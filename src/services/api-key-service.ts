import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, KeyScope } from '../domain/api-key.js';
import { conflict, notFound } from '../errors.js';
import type { KeyStore } from '../store/key-store.js';

export interface Principal {
  /** A prefix of the key's digest: tells keys apart (rate limits, audit), useless to recover one. */
  id: string;
  scope: KeyScope;
  name: string;
}

// the one-shot hash: every authenticated request computes one, and createHash's object costs as much again
const digestOf = (key: string): Buffer => hash('sha256', key, 'buffer') as unknown as Buffer;

/** Keys remembered at once; past this the memory starts over (a flood of valid keys is not expected). */
const VERIFIED_CACHE_SIZE = 256;

/** A stored record's digest as bytes, decoded once per record rather than once per request. */
const storedDigests = new WeakMap<ApiKeyRecord, Buffer>();
function storedDigest(record: ApiKeyRecord): Buffer {
  let digest = storedDigests.get(record);
  if (!digest) storedDigests.set(record, (digest = Buffer.from(record.digest, 'hex')));
  return digest;
}

/**
 * API keys: those configured in API_KEYS (admin, never stored) and those created through the API
 * with a scope. Verification compares SHA-256 digests with timingSafeEqual against every key, so
 * timing reveals neither a key nor its length. A key that verified is remembered (a Map from the key
 * to its principal): its next request answers sooner, which tells a client only what the 200 already
 * did; a wrong key is never remembered and always takes the digest path.
 */
export class ApiKeyService {
  private readonly configured: { digest: Buffer; principal: Principal }[];
  /** Keys that verified, by the key as presented: their next request skips the digest. Emptied by every revocation. */
  private readonly verified = new Map<string, Principal>();

  constructor(
    configuredKeys: readonly string[],
    private readonly store: KeyStore,
  ) {
    this.configured = configuredKeys.map((key, index) => {
      const digest = digestOf(key);
      return { digest, principal: { id: digest.toString('hex').slice(0, 16), scope: 'admin', name: `API_KEYS[${index}]` } };
    });
  }

  verify(presented: string): Principal | null {
    const known = this.verified.get(presented);
    if (known) return known;
    const candidate = digestOf(presented);
    let found: Principal | null = null;
    for (const { digest, principal } of this.configured) if (timingSafeEqual(candidate, digest)) found = principal;
    for (const record of this.store.keys) {
      if (timingSafeEqual(candidate, storedDigest(record)) && record.revoked_at === null)
        found = { id: record.digest.slice(0, 16), scope: record.scope, name: record.name };
    }
    if (found) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(presented, found);
    }
    return found;
  }

  /** The principal of a key that verified before and has not been revoked since; null otherwise (no digest is taken). */
  remembered(presented: string): Principal | null {
    return this.verified.get(presented) ?? null;
  }

  /** The key itself is returned here once and never again. */
  async create(name: string, scope: KeyScope): Promise<{ key: string; record: ApiKeyRecord }> {
    if (this.store.keys.some((record) => record.name === name && record.revoked_at === null))
      throw conflict(`An active API key named '${name}' already exists`);
    const key = `trk_${randomBytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: `key_${randomBytes(4).toString('hex')}`,
      name,
      scope,
      digest: digestOf(key).toString('hex'),
      prefix: key.slice(0, 8),
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    await this.store.add(record);
    return { key, record };
  }

  list(): ApiKeyRecord[] {
    return [...this.store.keys];
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    this.verified.clear();
    try {
      const record = await this.store.revoke(id, new Date().toISOString());
      if (!record) throw notFound(`API key '${id}' not found`);
      return record;
    } finally {
      // also after: a request verified while the revocation was being written must not keep the key valid
      this.verified.clear();
    }
  }
}
