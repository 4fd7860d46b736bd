import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 002's metric logging and run deletion, seed 001's health, seed 000's /redoc, and whole session lists.
describe('seed 001/002 leftovers', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  const track = async () => (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true })).body.session_id as string;
  async function uploadCheckpoint(sessionId: string) {
    const form = new FormData();
    form.append('session_id', sessionId);
    form.append('epoch', '1');
    form.append('file', new Blob(['weights']), 'w.pt');
    const response = await fetch(`${t.url}/api/v1/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    expect(response.status).toBe(200);
    return (await response.json()).checkpoint_id as string;
  }

  it("logs seed 002's single metric and batch into a running run", async () => {
    const id = await track();
    const one = await t.api('POST', `/api/v1/metrics/${id}`, { name: 'loss', value: 0.5, step: 1 });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id: null, run_id: id, name: 'loss', value: 0.5, step: 1, timestamp: expect.any(String) });
    const batch = await t.api('POST', `/api/v1/metrics/${id}/batch`, { metrics: { loss: 0.4, accuracy: 0.85, learning_rate: 0.001 }, step: 2 });
    expect(batch.body).toEqual({ message: 'Logged 3 metrics successfully' });
    await t.api('POST', `/api/v1/training/${id}/complete`, {});
    const history = (await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss`)).body;
    expect(history).toMatchObject({ values: [0.5, 0.4], steps: [1, 2] });
    for (const [body, status] of [
      [{ name: 'loss', value: 'high' }, 422],
      [{ name: 'bad name!', value: 1 }, 422],
      [{ value: 1 }, 422],
      [{ name: 'loss', value: 1 }, 409],
    ] as const) {
      expect((await t.api('POST', `/api/v1/metrics/${id}`, body)).status, JSON.stringify(body)).toBe(status);
    }
    expect((await t.api('POST', `/api/v1/metrics/${id}/batch`, { metrics: {} })).status).toBe(422);
    expect((await t.api('POST', '/api/v1/metrics/sess_000000000000', { name: 'loss', value: 1 })).status).toBe(404);
  });

  it('deletes an ended run with its files; 409 while it runs; its checkpoints stay unless delete_artifacts=true', async () => {
    const kept = await track();
    const checkpoint = await uploadCheckpoint(kept);
    expect((await t.api('DELETE', `/api/v1/training/sessions/${kept}`)).status).toBe(409);
    await t.api('POST', `/api/v1/training/${kept}/complete`, {});
    await waitForState(t.api, kept, ['completed']);
    const deleted = await t.api('DELETE', `/api/v1/training/sessions/${kept}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: `Session ${kept} deleted`, session_id: kept, deleted_checkpoints: 0, deleted_models: [] });
    expect((await t.api('GET', `/api/v1/training/${kept}/status`)).status).toBe(404);
    await expect(access(join(t.dataDir, 'runs', kept))).rejects.toThrow();
    expect((await t.api('GET', `/api/v1/checkpoints/${checkpoint}`)).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/training/sessions/${kept}`)).status).toBe(404);

    const purged = await track();
    const gone = await uploadCheckpoint(purged);
    await t.api('POST', `/api/v1/training/${purged}/stop`);
    const withArtifacts = await t.api('DELETE', `/api/v1/training/sessions/${purged}?delete_artifacts=true`);
    expect(withArtifacts.body).toMatchObject({ deleted_checkpoints: 1 });
    expect((await t.api('GET', `/api/v1/checkpoints/${gone}`)).status).toBe(404);
    expect((await t.api('DELETE', `/api/v1/training/sessions/${purged}?delete_artifacts=maybe`)).status).toBe(422);
  });

  it("answers seed 001's health without a key, and serves /redoc", async () => {
    const health = await fetch(`${t.url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'healthy',
      timestamp: expect.any(String),
      uptime_seconds: expect.any(Number),
      version: expect.any(String),
      system: { cpu_percent: expect.any(Number), memory_percent: expect.any(Number), disk_percent: expect.any(Number) },
      components: { database: 'healthy', filesystem: 'healthy' },
      disk: {
        path: t.dataDir,
        free_bytes: expect.any(Number),
        total_bytes: expect.any(Number),
        free_percent: expect.any(Number),
        min_free_bytes: expect.any(Number),
      },
    });
    const redoc = await fetch(`${t.url}/redoc`);
    expect(redoc.status).toBe(200);
    expect(await redoc.text()).toMatch(/supportedSubmitMethods: \[\]/);
  });

  it('lists every session unless limited, then pages with Link rel="next" and X-Total-Count', async () => {
    const before = Number((await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count'));
    for (let i = 0; i < 55; i++) await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params: { epochs: 1 } });
    const all = await t.api('GET', '/api/v1/training/sessions');
    expect(all.body).toHaveLength(before + 55);
    expect(all.headers.get('link')).toBeNull();
    const page = await t.api('GET', '/api/v1/training/sessions?status=created&limit=50');
    expect(page.body).toHaveLength(50);
    expect(page.headers.get('x-total-count')).toBe('55');
    expect(page.headers.get('link')).toBe('</api/v1/training/sessions?status=created&limit=50&offset=50>; rel="next"');
    const next = await t.api('GET', '/api/v1/training/sessions?status=created&limit=50&offset=50');
    expect(next.body).toHaveLength(5);
    expect(next.headers.get('link')).toBeNull();
  });
});
