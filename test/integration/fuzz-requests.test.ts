import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../dist/src/domain/seeded-random.js';
import { API_KEY, removeDir } from '../helpers/agent-harness.js';
import { spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';
import { rawExchange } from '../helpers/raw-http.js';

const REQUESTS_PER_KEY = 800;
/** Low enough that a key can be taken over it quickly, above what the fuzzing sends with one key. */
const RATE_LIMIT = 1000;
const PARALLEL = 8;

/** What goes where a path parameter is expected. */
const PARAM_VALUES = [
  'sess_000000000000',
  'x',
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%E0%A4%A',
  '%',
  '__proto__',
  'constructor',
  'prototype',
  'a'.repeat(5000),
  '%F0%9F%92%A9',
  '-1',
  '0x10',
  '9007199254740993',
  ' ',
  '%20',
  'null',
  '[]',
  '{}',
  '..%2F..%2Fetc%2Fpasswd',
  'ünï',
  'sess_%30%30',
];
const QUERIES = [
  '',
  '?limit=0x10',
  '?limit=-1',
  '?limit=1e309',
  '?limit=1&limit=2',
  '?offset=%ZZ',
  '?status=__proto__',
  '?cursor=NaN',
  '?max_points=99999999999999999999',
  '?metric_name=../../x',
  '?start_epoch=5&end_epoch=1',
  '?api_key=',
  '?__proto__[x]=1',
  '?logs=true&last_event_id=%E0%A4%A',
  `?q=${'x'.repeat(9000)}`,
];
const BODIES: (string | undefined)[] = [
  undefined,
  '',
  '{',
  'null',
  '[]',
  '"x"',
  '1e999999',
  '{"__proto__": {"admin": true}}',
  '{"constructor": {"prototype": {"x": 1}}}',
  '{"recipe": "__proto__", "params": {"__proto__": 1, "constructor": 2}}',
  '{"recipe": "ticker", "params": {"epochs": "0x10", "interval_ms": 9007199254740993}}',
  '{"name": "' + 'n'.repeat(70_000) + '"}',
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001),
  '{"url": "http://169.254.169.254/latest/meta-data", "events": ["*"]}',
  '{"scope": "admin", "name": "escalate"}',
  '{"limit": -1, "offset": "x", "tags": [null, 1, {}]}',
  '{"text": "\\u0000\\u001f\\ud800"}',
  Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1'),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=zz',
  'application/merge-patch+json',
  '*/*',
  '',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

interface Route {
  method: string;
  template: string;
}

/** Path spellings that mean the same route to a lenient router. */
function respell(path: string, random: () => number): string {
  switch (Math.floor(random() * 6)) {
    case 0:
      return path.toUpperCase();
    case 1:
      return path.replace(/\//g, '//');
    case 2:
      return path + '/';
    case 3:
      return path.replace(/\/([a-z])/, (_, letter: string) => `/%${letter.charCodeAt(0).toString(16)}`);
    case 4:
      return path.replace(/\/(?=[^/]*$)/, '%2F');
    default:
      return path;
  }
}

function multipartBody(random: () => number): { body: string; type: string } {
  const boundary = 'fuzzboundary';
  const names = ['file', 'description', '__proto__', 'constructor', 'name', 'x'.repeat(300)];
  const filenames = ['../../escape.bin', '/etc/passwd', 'a\u0000b', '..', '', 'ok.bin', '%2e%2e%2fx'];
  const name = names[Math.floor(random() * names.length)]!;
  const filename = filenames[Math.floor(random() * filenames.length)]!;
  const truncated = random() < 0.3;
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\nPK\u0003\u0004garbage\r\n` +
    (truncated ? '' : `--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nd\r\n--${boundary}--\r\n`);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** Everything directly in `dir` (names), to compare before and after. */
async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).sort();
}

/**
 * Issue 14's fuzz test: generated malformed requests (paths and their spellings, encodings, queries,
 * headers, bodies, multipart, upgrades) against every route of the OpenAPI document, with no key, a read
 * key, a write key, and a write key over its rate limit (whose requests meet the over-limit answer in
 * front of Koa first). Zero 5xx, the agent never exits, nothing is written outside its data dir.
 */
describe('fuzzing every route', () => {
  let agent: AgentProcess;
  let dataDir: string;
  let workDir: string;
  let scratchTmp: string;
  let routes: Route[];
  const keys: Record<string, string | null> = { none: null };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-fuzz-data-'));
    workDir = await mkdtemp(join(tmpdir(), 'trainer-fuzz-cwd-'));
    scratchTmp = await mkdtemp(join(tmpdir(), 'trainer-fuzz-tmp-'));
    agent = await spawnAgentProcess(
      dataDir,
      { TMPDIR: scratchTmp, TRAINER_LOG_LEVEL: 'error', TRAINER_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) },
      { cwd: workDir },
    );
    for (const [name, scope] of [
      ['read', 'read'],
      ['write', 'write'],
      ['over', 'write'],
    ] as const) {
      const created = await agent.api('POST', '/api/v1/keys', { name: `fuzz-${name}`, scope });
      expect(created.status).toBe(201);
      keys[name] = created.body.key;
    }
    const spend = async () => {
      for (let i = 0; i < RATE_LIMIT / 10; i++)
        await fetch(`${agent.url}/api/v1/training/queue`, { headers: { authorization: `Bearer ${keys.over}` } }).then((response) => response.arrayBuffer());
    };
    await Promise.all(Array.from({ length: 10 }, spend));
    expect((await fetch(`${agent.url}/api/v1/training/queue`, { headers: { authorization: `Bearer ${keys.over}` } })).status).toBe(429);
    const document = (await agent.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.keys(operations).map((method) => ({ method: method.toUpperCase(), template })),
    );
    expect(routes.length).toBeGreaterThan(50);
  });
  afterAll(async () => {
    if (agent) await stopGracefully(agent);
    await removeDir(dataDir);
    await removeDir(workDir);
    await removeDir(scratchTmp);
  });

  it(`answers ${4 * REQUESTS_PER_KEY} malformed requests (no key, read key, write key, a key over its limit) without a 5xx or an exit`, async () => {
    const tmpBefore = await entries(tmpdir());
    const random = seededRandom(14);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const serverErrors: string[] = [];
    let sent = 0;

    const one = async (keyName: string) => {
      const route = pick(routes);
      let path = route.template.replace(/\{[^}]+\}/g, () => pick(PARAM_VALUES));
      if (random() < 0.4) path = respell(path, random);
      path += pick(QUERIES);
      const method = random() < 0.7 ? route.method : pick(METHODS);
      const headers: Record<string, string> = {};
      const key = keys[keyName];
      if (key) {
        if (random() < 0.5) headers.authorization = `Bearer ${key}`;
        else headers['x-api-key'] = key;
      }
      const what = `${keyName} ${method} ${path.slice(0, 120)}`;
      const kind = random();
      if (kind < 0.1) {
        // raw bytes: upgrades, broken encodings, odd framing
        const auth = key ? `Authorization: Bearer ${key}\r\n` : '';
        const raw = pick([
          `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\u001f\u008b\u0008\u0000`,
          `${method} ${path} HTTP/1.0\r\n${auth}\r\n`,
        ]);
        const answer = await rawExchange(agent.url, raw, 1500);
        if (/^HTTP\/1\.[01] 5\d\d/.test(answer)) serverErrors.push(`${what}: ${answer.slice(0, 300)}`);
      } else {
        let body: string | undefined;
        if (kind < 0.25 && method === 'POST') {
          const multipart = multipartBody(random);
          body = multipart.body;
          headers['content-type'] = multipart.type;
        } else if (!['GET', 'HEAD'].includes(method)) {
          body = pick(BODIES);
          const type = pick(CONTENT_TYPES);
          if (body !== undefined && type) headers['content-type'] = type;
        }
        if (random() < 0.1) headers['accept-encoding'] = pick(['gzip', 'br', 'x-bogus;q=2', '*;q=NaN']);
        if (random() < 0.05) headers['last-event-id'] = pick(['%E0%A4%A', '-1', 'x'.repeat(1000)]);
        try {
          const response = await fetch(agent.url + path, { method, headers, body, signal: AbortSignal.timeout(10_000) });
          const text = await response.text();
          if (response.status >= 500) serverErrors.push(`${what}: ${response.status} ${text.slice(0, 300)}`);
        } catch (error) {
          // a refused request may be cut off (413 mid-body); only the agent's exit is a failure, checked below
          if (agent.child.exitCode !== null || agent.child.signalCode !== null) throw new Error(`agent exited at ${what}: ${(error as Error).message}`);
        }
      }
      sent++;
    };

    const queue = ['none', 'read', 'write', 'over'].flatMap((keyName) => Array<string>(REQUESTS_PER_KEY).fill(keyName));
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let keyName = queue.shift(); keyName !== undefined; keyName = queue.shift()) await one(keyName);
      }),
    );

    expect(sent).toBeGreaterThanOrEqual(2000);
    expect(serverErrors).toEqual([]);
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    expect((await agent.api('GET', '/health')).status).toBe(200);
    expect(agent.output()).not.toMatch(/BUG: un(handled|caught)/);
    // nothing written outside the data dir: not in the agent's working directory, its TMPDIR, or the shared tmp
    expect(await entries(workDir)).toEqual([]);
    expect(await entries(scratchTmp)).toEqual([]);
    // the traversal names the fuzzer sent, where they would land one or two levels above a data folder
    const escaped = (await entries(tmpdir())).filter((name) => !tmpBefore.includes(name) && /escape|^x$|^%2e/.test(name));
    expect(escaped).toEqual([]);
  }, 600_000);
});
