import { access, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 001's checkpoints: registered by the lines a training process prints, or uploaded; retention
// keeps each run's best (recipe checkpoint_metric/mode) and latest (checkpoint_keep_best/last).
describe('checkpoints', () => {
  let t: TestAgent;
  let dataDir: string;
  let sessionId: string;
  const auth = { authorization: `Bearer ${API_KEY}` };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-checkpoints-'));
    t = await startTestAgent({ dataDir });
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dataDir);
  });

  const epochsOf = (list: any[]) => list.map((checkpoint) => checkpoint.epoch).sort((a, b) => a - b);
  const storedFiles = async () => (await readdir(join(dataDir, 'checkpoints'))).filter((name) => !name.startsWith('.'));

  async function upload(fields: Record<string, string>, content: string | null = 'uploaded weights', filename = 'upload.pt') {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    if (content !== null) form.append('file', new Blob([content]), filename);
    const response = await fetch(`${t.url}/api/v1/checkpoints`, { method: 'POST', headers: auth, body: form });
    return { status: response.status, body: await response.json() };
  }

  it('registers the checkpoints a run prints, keeps the best and the last, and refuses paths outside its output', async () => {
    const started = await t.api('POST', '/api/v1/training/sessions', { recipe: 'checkpointer', start: true });
    expect(started.status).toBe(201);
    sessionId = started.body.session_id;
    await waitForState(t.api, sessionId, ['completed']);
    // val_loss 0.9, 0.5, 0.7, 0.6, 0.8 with keep_best 1 and keep_last 2: epochs 2 (best), 4 and 5
    const list = await waitFor(async () => {
      const response = await t.api('GET', `/api/v1/checkpoints?session_id=${sessionId}`);
      return epochsOf(response.body.checkpoints).join(',') === '2,4,5' ? response.body.checkpoints : null;
    }, 'retention to leave epochs 2, 4 and 5');
    const best = list.find((checkpoint: any) => checkpoint.epoch === 2);
    expect(best).toMatchObject({
      session_id: sessionId,
      metric_name: 'val_loss',
      metric_value: 0.5,
      is_best: true,
      source: 'run',
      original_path: 'ckpt/epoch-2.pt',
      metrics: { val_loss: 0.5, val_accuracy: 0.5 },
    });
    expect(best.checkpoint_id).toMatch(/^ckpt_[0-9a-f]{12}$/);
    expect(best.file_size_mb).toBe(0);
    expect(best.size_bytes).toBe('weights of epoch 2\n'.length);
    expect(list.filter((checkpoint: any) => checkpoint.is_best)).toHaveLength(1);
    // the dropped checkpoints' files are gone too, and nothing from outside the output dir came in
    expect(await storedFiles()).toHaveLength(3);

    const download = await fetch(`${t.url}/api/v1/checkpoints/${best.checkpoint_id}/download`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String('weights of epoch 2\n'.length));
    expect(await download.text()).toBe('weights of epoch 2\n');

    const one = await t.api('GET', `/api/v1/checkpoints/${best.checkpoint_id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ checkpoint_id: best.checkpoint_id, epoch: 2, is_best: true });
  });

  it('takes uploads: a better one becomes the best, and retention applies to it', async () => {
    const uploaded = await upload({ session_id: sessionId, epoch: '6', metrics: JSON.stringify({ val_loss: 0.1 }) });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({
      session_id: sessionId,
      epoch: 6,
      metric_value: 0.1,
      is_best: true,
      retained: true,
      source: 'upload',
      original_path: 'upload.pt',
    });
    expect(uploaded.body.uploaded_at).toBe(uploaded.body.created_at);
    expect(typeof uploaded.body.file_size_mb).toBe('number');
    // best 1 (epoch 6) and last 2 (epochs 6 and 5): epochs 2 and 4 are dropped
    const list = (await t.api('GET', `/api/v1/checkpoints?session_id=${sessionId}`)).body.checkpoints;
    expect(epochsOf(list)).toEqual([5, 6]);
    expect(list.find((checkpoint: any) => checkpoint.epoch === 5).is_best).toBe(false);
    expect(await storedFiles()).toHaveLength(2);
    const download = await fetch(`${t.url}/api/v1/checkpoints/${uploaded.body.checkpoint_id}/download`, { headers: auth });
    expect(await download.text()).toBe('uploaded weights');

    const limited = await t.api('GET', '/api/v1/checkpoints?limit=1');
    expect(limited.body.checkpoints).toHaveLength(1);
  });

  it('refuses bad uploads and unknown ids with 4xx and stores nothing', async () => {
    expect((await upload({ session_id: 'sess_000000000000', epoch: '1' })).status).toBe(404);
    expect((await upload({ epoch: '1' })).status).toBe(422);
    expect((await upload({ session_id: sessionId, epoch: 'three' })).status).toBe(422);
    expect((await upload({ session_id: sessionId, epoch: '-1' })).status).toBe(422);
    expect((await upload({ session_id: sessionId, epoch: '1', metrics: 'not json' })).status).toBe(422);
    expect((await upload({ session_id: sessionId, epoch: '1', metrics: '{"val_loss": "low"}' })).status).toBe(422);
    const noFile = await upload({ session_id: sessionId, epoch: '1' }, null);
    expect(noFile.status).toBe(400);
    expect(noFile.body.detail).toMatch(/file/);
    // in the query, the session is checked before the body is read
    const early = await fetch(`${t.url}/api/v1/checkpoints?session_id=sess_000000000000`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(10 * 1024 * 1024 * 1024) },
    });
    expect(early.status).toBe(404);
    const queried = new FormData();
    queried.append('epoch', '0');
    queried.append('file', new Blob(['q']), 'q.pt');
    const byQuery = await fetch(`${t.url}/api/v1/checkpoints?session_id=${sessionId}`, { method: 'POST', headers: auth, body: queried });
    expect(byQuery.status).toBe(200);
    // epoch 0 without val_loss is neither the best nor among the last two: retention lets it go at once
    expect(await byQuery.json()).toMatchObject({ session_id: sessionId, epoch: 0, retained: false, is_best: false });
    const notMultipart = await t.api('POST', '/api/v1/checkpoints', { session_id: sessionId, epoch: 1 });
    expect(notMultipart.status).toBe(415);
    expect(await storedFiles()).toHaveLength(2);
    expect((await readdir(join(dataDir, 'checkpoints'))).filter((name) => name.startsWith('.'))).toEqual([]);

    expect((await t.api('GET', '/api/v1/checkpoints?session_id=sess_000000000000')).status).toBe(404);
    expect((await t.api('GET', '/api/v1/checkpoints/ckpt_000000000000')).status).toBe(404);
    expect((await t.api('GET', '/api/v1/checkpoints/..%2F..%2Fdb.json/download')).status).toBe(404);
    expect((await t.api('DELETE', '/api/v1/checkpoints/ckpt_000000000000')).status).toBe(404);
  });

  it('survives a restart, then deletes a checkpoint with its file', async () => {
    await t.close();
    t = await startTestAgent({ dataDir });
    const list = (await t.api('GET', `/api/v1/checkpoints?session_id=${sessionId}`)).body.checkpoints;
    expect(epochsOf(list)).toEqual([5, 6]);
    const [newest] = list;
    const deleted = await t.api('DELETE', `/api/v1/checkpoints/${newest.checkpoint_id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: 'Checkpoint deleted successfully' });
    expect((await t.api('GET', `/api/v1/checkpoints/${newest.checkpoint_id}`)).status).toBe(404);
    expect(await storedFiles()).toHaveLength(1);
  });

  it('registers the checkpoints a run printed while no agent was following it', async () => {
    const started = await t.api('POST', '/api/v1/training/sessions', { recipe: 'checkpointer', params: { losses: '0.4,0.3,0.6', wait_ms: 1500 }, start: true });
    const id = started.body.session_id;
    await waitForState(t.api, id, ['running']);
    await t.agent.close(); // the agent alone: the run goes on and prints its checkpoint lines unheard
    await waitFor(
      () =>
        access(join(dataDir, 'runs', id, 'exit.json')).then(
          () => true,
          () => false,
        ),
      'the run to end while the agent is down',
    );
    t = await startTestAgent({ dataDir });
    await waitForState(t.api, id, ['completed']);
    // 0.4, 0.3, 0.6 with keep_best 1 and keep_last 2: epochs 2 (best) and 3
    const list = await waitFor(async () => {
      const checkpoints = (await t.api('GET', `/api/v1/checkpoints?session_id=${id}`)).body.checkpoints;
      return epochsOf(checkpoints).join(',') === '2,3' ? checkpoints : null;
    }, 'the missed checkpoint lines to be registered');
    expect(list.find((checkpoint: any) => checkpoint.is_best).epoch).toBe(2);
  });
});
