import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/**
 * A client as a CI team would make one: openapi-typescript's types from the served document and
 * openapi-fetch. Each answer's type must be known (a response without a schema types as `unknown`,
 * and `Known<unknown>` does not accept 'known'), and the flow must also run against the agent.
 */
const FLOW = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

type Known<T> = unknown extends T ? 'unknown' : 'known';
const known = <T>(_value: T, _check: Known<T>) => {};
// the check can fail: an answer typed unknown is refused (were it not, this directive would be the error)
// @ts-expect-error an unknown answer is not 'known'
known(null as unknown, 'known');

export async function flow(baseUrl: string, key: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + key } });
  const seen: string[] = [];

  const started = await client.POST('/api/v1/training/start', { body: { model_architecture: 'mlp', dataset_name: 'blobs', learning_rate: 0.01, batch_size: 32, epochs: 200 } });
  if (!started.data) throw new Error('start: ' + started.error.code + ' ' + started.error.detail);
  known(started.data, 'known');
  const id: string = started.data.session_id;
  const startState: 'created' | 'queued' | 'running' | 'completed' | 'failed' | 'stopped' | 'cancelled' = started.data.status;
  seen.push('start:' + startState);

  const status = await client.GET('/api/v1/training/{sessionId}/status', { params: { path: { sessionId: id } } });
  if (!status.data) throw new Error('status: ' + status.error.code);
  known(status.data, 'known');
  const epoch: number | null = status.data.current_epoch;
  seen.push('status:' + status.data.state + ':' + typeof epoch);

  const latest = await client.GET('/api/v1/training/{sessionId}/metrics', { params: { path: { sessionId: id } } });
  if (!latest.data) throw new Error('metrics: ' + latest.error.code);
  known(latest.data, 'known');
  seen.push('metrics:' + latest.data.session_id);

  const history = await client.GET('/api/v1/training/{sessionId}/history', { params: { path: { sessionId: id }, query: { max_points: 10 } } });
  if (!history.data) throw new Error('history: ' + history.error.code);
  known(history.data, 'known');
  const timestamps: (string | null)[] = history.data.map((point) => point.timestamp);
  seen.push('history:' + Array.isArray(timestamps));

  const stopped = await client.POST('/api/v1/training/{sessionId}/stop', { params: { path: { sessionId: id } } });
  if (!stopped.data) throw new Error('stop: ' + stopped.error.code);
  known(stopped.data, 'known');
  seen.push('stop:' + stopped.data.message.length);

  const checkpoints = await client.GET('/api/v1/checkpoints', { params: { query: { session_id: id } } });
  if (!checkpoints.data) throw new Error('checkpoints: ' + checkpoints.error.code);
  known(checkpoints.data, 'known');
  const best: boolean[] = checkpoints.data.checkpoints.map((checkpoint) => checkpoint.is_best);
  seen.push('checkpoints:' + best.length);

  const models = await client.GET('/api/v1/models');
  if (!models.data) throw new Error('models: ' + models.error.code);
  known(models.data, 'known');
  const sizes: number[] = models.data.map((model) => model.size_mb);
  seen.push('models:' + sizes.length);

  const missing = await client.GET('/api/v1/training/{sessionId}/status', { params: { path: { sessionId: 'sess_000000000000' } } });
  if (!missing.error) throw new Error('a missing run answered');
  known(missing.error, 'known');
  seen.push('missing:' + missing.error.code);
  return seen;
}
`;

describe('a client generated from /openapi.json by openapi-typescript', () => {
  let t: TestAgent;
  // inside node_modules, so that the flow resolves openapi-fetch like a project that installed it
  const dir = join(ROOT, 'node_modules', '.cache', `trainer-generated-client-${process.pid}`);
  beforeAll(async () => {
    t = await startTestAgent();
    await mkdir(dir, { recursive: true });
  });
  afterAll(async () => {
    await t.close();
    await removeDir(dir);
  });

  it('types start → status → metrics → history → stop → checkpoints → models with no unknown answer, and runs it', async () => {
    await writeFile(join(dir, 'openapi.json'), await (await fetch(`${t.url}/openapi.json`)).text());
    await writeFile(join(dir, 'package.json'), '{"type": "module"}\n');
    await writeFile(join(dir, 'flow.ts'), FLOW);
    await run(process.execPath, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')], {
      cwd: dir,
    });
    const tsc = [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--strict',
      '--noUncheckedIndexedAccess',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--outDir',
      join(dir, 'out'),
      join(dir, 'flow.ts'),
    ];
    const compiled = await run(process.execPath, tsc, { cwd: dir }).catch((error: { stdout: string }) => error);
    expect(compiled.stdout).toBe('');
    const { flow } = await import(pathToFileURL(join(dir, 'out', 'flow.js')).href);
    const seen: string[] = await flow(t.url, API_KEY);
    expect(seen[0]).toMatch(/^start:(running|queued)$/);
    expect(seen).toContain('history:true');
    expect(seen.at(-1)).toBe('missing:run_not_found');
  }, 180_000);
});
