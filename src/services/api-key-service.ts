import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, KeyScope } from '../domain/api-key.js';
import { conflict, notFound } from '../errors.js';
import type { KeyStore } from '../store/key-store.js';

export interface Principal {
  /** A prefix of the key's digest: tells keys apart (rate limits, audit), useless to recover one. */
  id: string;
  scope: KeyScope;
  name: string;
}

const digestOf = (key: string) => createHash('sha256').update(key).digest();

/**
 * API keys: those configured in API_KEYS (admin, never stored) and those created through the API
 * with a scope. Verification compares SHA-256 digests with timingSafeEqual against every key, so
 * timing reveals neither a key nor its length.
 */
export class ApiKeyService {
  private readonly configured: { digest: Buffer; principal: Principal }[];

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
    const candidate = digestOf(presented);
    let found: Principal | null = null;
    for (const { digest, principal } of this.configured) if (timingSafeEqual(candidate, digest)) found = principal;
    for (const record of this.store.keys) {
      if (timingSafeEqual(candidate, Buffer.from(record.digest, 'hex')) && record.revoked_at === null)
        found = { id: record.digest.slice(0, 16), scope: record.scope, name: record.name };
    }
    return found;
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
    const record = await this.store.revoke(id, new Date().toISOString());
    if (!record) throw notFound(`API key '${id}' not found`);
    return record;
  }
}
