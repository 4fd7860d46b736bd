import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_SCOPES, scopeGrants } from '../../dist/src/domain/api-key.js';
import { normalise } from '../../dist/src/api/middleware/normalise-path.js';
import { request, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

/** The spellings of one path that reach the same route, and one that must reach no other (`%2F`). */
function variants(path: string): { name: string; path: string; sameRoute: boolean }[] {
  const encodedLetters = path.replace(/\/([a-z])/gi, (_match, letter: string) => `/%${letter.charCodeAt(0).toString(16).toUpperCase()}`);
  const lastSlash = path.lastIndexOf('/');
  const encodedSlash = lastSlash > 0 ? `${path.slice(0, lastSlash)}%2F${path.slice(lastSlash + 1)}` : `/%2F${path.slice(1)}`;
  return [
    { name: 'as declared', path, sameRoute: true },
    { name: 'upper case', path: path.toUpperCase(), sameRoute: true },
    { name: 'doubled slashes', path: path.replaceAll('/', '//'), sameRoute: true },
    { name: 'trailing slash', path: `${path}/`, sameRoute: true },
    { name: 'encoded letters', path: encodedLetters, sameRoute: true },
    { name: '%2F for a slash', path: encodedSlash, sameRoute: false },
  ];
}

describe('scopes come from the route that matched', () => {
  let t: TestAgent;
  let operations: { method: string; path: string; scope: string; stream: boolean }[];
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestAgent();
    for (const scope of KEY_SCOPES) keys[scope] = (await t.api('POST', '/api/v1/keys', { name: `enum-${scope}`, scope })).body.key;
    const doc = (await t.api('GET', '/openapi.json')).body;
    operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{\w+\}/g, 'x1'),
        scope: operation.security.length === 0 ? 'public' : operation.security[0][Object.keys(operation.security[0])[0]!][0],
        stream: 'text/event-stream' in (operation.responses['200']?.content ?? {}),
      })),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('a write key cannot reach the keys routes by changing the case of the path (POST /API/V1/KEYS)', async () => {
    const before = (await t.api('GET', '/api/v1/keys')).body.length;
    const write = (method: string, path: string, body?: unknown) => request(t.url, method, path, body, { authorization: `Bearer ${keys.write}` });
    for (const path of ['/API/V1/KEYS', '/Api/V1/Keys', '/api/v1/KEYS/', '//api//v1//keys', '/api/v1/%6Beys']) {
      const created = await write('POST', path, { name: 'escalated', scope: 'admin' });
      expect(created.status, path).toBe(403);
      expect(created.body.detail, path).toMatch(/needs 'admin'/);
      expect((await request(t.url, 'GET', path, undefined, { authorization: `Bearer ${keys.read}` })).status, path).toBe(403);
    }
    expect((await t.api('GET', '/api/v1/keys')).body.length).toBe(before);
  });

  it('every documented route refuses every scope that does not grant its own, however the path is spelled', async () => {
    expect(operations.length).toBeGreaterThan(80);
    expect(operations.filter((operation) => operation.scope === 'admin').length).toBeGreaterThanOrEqual(3);
    const failures: string[] = [];
    let tried = 0;
    for (const operation of operations) {
      if (operation.scope === 'public') continue;
      const lesser = [null, ...KEY_SCOPES.filter((scope) => !scopeGrants(scope, operation.scope as never))];
      for (const scope of lesser) {
        for (const variant of variants(operation.path)) {
          const headers = scope ? { authorization: `Bearer ${keys[scope]}` } : { authorization: '' };
          const { status } = await request(t.url, operation.method, variant.path, undefined, headers);
          tried++;
          const allowed = scope === null ? [401] : [403];
          if (!variant.sameRoute) allowed.push(404, 405); // no route, or a route with other methods
          if (!allowed.includes(status))
            failures.push(`${operation.method} ${variant.path} (${variant.name}) with ${scope ?? 'no'} key: ${status}, wanted ${allowed.join('|')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(700);
  });

  it('every spelling of a path reaches the route itself with a key of its scope', async () => {
    const missed: string[] = [];
    for (const operation of operations) {
      if (operation.stream || operation.scope === 'public') continue;
      for (const variant of variants(operation.path).filter((each) => each.sameRoute)) {
        const { status, body } = await request(t.url, operation.method, variant.path, undefined, { authorization: `Bearer ${keys.admin}` });
        // the error handler's own 404 names the path: the request matched no route at all
        if ([401, 403, 405].includes(status) || (status === 404 && String(body?.detail).startsWith('Not Found:')))
          missed.push(`${operation.method} ${variant.path} (${variant.name}): ${status}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('a stream route takes the key as ?api_key=, and no other route does', async () => {
    expect((await request(t.url, 'GET', `/api/v1/training/sessions?api_key=${keys.admin}`, undefined, { authorization: '' })).status).toBe(401);
    const stream = await fetch(`${t.url}/API/V1/SSE/TRAINING/missing?api_key=${keys.read}`);
    expect(stream.status).toBe(404);
    expect((await stream.json()).detail).toMatch(/missing/i);
  });
});

describe('path normalisation', () => {
  it('collapses slashes, drops a trailing one and decodes unreserved escapes only', () => {
    expect(normalise('//api///v1/keys/')).toBe('/api/v1/keys');
    expect(normalise('/api/v1/%6B%65ys')).toBe('/api/v1/keys');
    expect(normalise('/docs/..%2Fpackage.json')).toBe('/docs/..%2Fpackage.json');
    expect(normalise('/models/a%20b')).toBe('/models/a%20b');
    expect(normalise('/')).toBe('/');
  });
});
