import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, waitForState, type TestAgent } from '../helpers/agent-harness.js';

// Seed 004 / issue 9: uploading under an existing name with ?new_version=true adds a version
// identified by its SHA-256; runs record the exact version they trained on, and can pin one.
describe('dataset versions', () => {
  let t: TestAgent;
  let dataDir: string;
  const auth = { authorization: `Bearer ${API_KEY}` };
  const V1 = 'sepal,petal,label\n1,2,a\n';
  const V2 = 'sepal,petal,label\n1,2,a\n3,4,b\n';
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-dataset-versions-'));
    t = await startTestAgent({ dataDir });
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dataDir);
  });

  async function upload(name: string, content: string, query = '') {
    const form = new FormData();
    form.append('file', new Blob([content]), `${name}.csv`);
    const response = await fetch(`${t.url}/api/v1/datasets?dataset_name=${name}${query}`, { method: 'POST', headers: auth, body: form });
    return { status: response.status, body: await response.json() };
  }

  async function runReader(dataset: string) {
    const created = await t.api('POST', '/api/v1/training/sessions', { recipe: 'dataset-reader', params: { dataset_name: dataset }, start: true });
    if (created.status !== 201) return { status: created.status, body: created.body };
    const id = created.body.session_id;
    await waitForState(t.api, id, ['completed']);
    const logs = (await t.api('GET', `/api/v1/training/${id}/logs`)).body.map((entry: any) => entry.message).join('\n');
    return {
      status: 201,
      id,
      logs,
      status_view: (await t.api('GET', `/api/v1/training/${id}/status`)).body,
      detail: (await t.api('GET', `/api/v1/training/sessions/${id}`)).body,
    };
  }

  it('adds a new version under an existing name only when asked, identified by its SHA-256', async () => {
    const first = await upload('petals', V1);
    expect(first.body).toMatchObject({ version: sha(V1), versions: 1 });
    const refused = await upload('petals', V2);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/new_version=true/);

    const second = await upload('petals', V2, '&new_version=true');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ name: 'petals', version: sha(V2), sha256: sha(V2), versions: 2, row_count: 2 });
    expect(second.body.file_path).toBe(join(dataDir, 'datasets', 'petals.csv'));
    // the same bytes again are not a new version
    expect((await upload('petals', V1, '&new_version=true')).status).toBe(409);
    // new_version on a new name is a first upload
    expect((await upload('fresh', V1, '&new_version=true')).body).toMatchObject({ name: 'fresh', versions: 1 });

    const versions = await t.api('GET', '/api/v1/datasets/petals/versions');
    expect(versions.status).toBe(200);
    expect(versions.body.versions.map((version: any) => [version.version, version.hash, version.size, version.current])).toEqual([
      [sha(V2), sha(V2), V2.length, true],
      [sha(V1), sha(V1), V1.length, false],
    ]);
    // the earlier version's file is kept out of the listing, and downloadable by its hash prefix
    const names = (await t.api('GET', '/api/v1/datasets')).body.filter((dataset: any) => !dataset.builtin).map((dataset: any) => dataset.name);
    expect(names).toEqual(['fresh', 'petals']);
    const old = await fetch(`${t.url}/api/v1/datasets/petals/download?version=${sha(V1).slice(0, 8)}`, { headers: auth });
    expect(await old.text()).toBe(V1);
    expect(await (await fetch(`${t.url}/api/v1/datasets/petals/download`, { headers: auth })).text()).toBe(V2);
    expect((await t.api('GET', '/api/v1/datasets/nope/versions')).status).toBe(404);
    expect((await t.api('GET', '/api/v1/datasets/spirals/versions')).body).toEqual({ name: 'spirals', versions: [] });
  });

  it('records the version a run trained on, and lets a run pin an earlier one', async () => {
    const current = await runReader('petals');
    expect(current.status_view.dataset_version).toBe(sha(V2));
    expect(current.logs).toContain(`dataset petals version ${sha(V2)} first line: sepal,petal,label`);

    const pinned = await runReader(`petals@${sha(V1).slice(0, 10)}`);
    expect(pinned.status_view.dataset_version).toBe(sha(V1));
    expect(pinned.detail.config.dataset_name).toBe('petals');
    expect(pinned.logs).toContain(`dataset petals version ${sha(V1)}`);

    // a newer upload changes neither what an earlier run says it trained on, nor the file it was given
    const givenPath = /dataset path (\S+)/.exec(current.logs)![1]!;
    expect(givenPath).toBe(join(dataDir, 'datasets', '.versions', `petals@${sha(V2)}.csv`));
    await upload('petals', 'sepal,petal,label\n9,9,c\n', '&new_version=true');
    expect(await readFile(givenPath, 'utf8')).toBe(V2);
    expect((await t.api('GET', `/api/v1/training/${pinned.id}/status`)).body.dataset_version).toBe(sha(V1));
    const stillPinned = await runReader(`petals@${sha(V1).slice(0, 10)}`);
    expect(stillPinned.logs).toContain(`dataset petals version ${sha(V1)} first line: sepal,petal,label`);

    const builtin = await runReader('spirals');
    expect(builtin.status_view.dataset_version).toBeNull();
  });

  it('refuses unknown versions (422) and unknown datasets (404)', async () => {
    expect((await runReader('petals@ffffffff')).status).toBe(422);
    expect((await runReader('petals@xyz')).status).toBe(422);
    expect((await runReader('spirals@abcd')).status).toBe(422);
    expect((await runReader('nope@abcd')).status).toBe(404);
  });

  it('records the version on tracking-only runs that name a registry dataset', async () => {
    const tracked = await t.api('POST', '/api/v1/training/sessions', { tracking_only: true, params: { dataset_name: `petals@${sha(V1).slice(0, 6)}` } });
    expect(tracked.status).toBe(201);
    expect((await t.api('GET', `/api/v1/training/${tracked.body.session_id}/status`)).body.dataset_version).toBe(sha(V1));
    const free = await t.api('POST', '/api/v1/training/sessions', { tracking_only: true, params: { dataset_name: 'my local files' } });
    expect((await t.api('GET', `/api/v1/training/${free.body.session_id}/status`)).body.dataset_version).toBeNull();
    expect((await t.api('POST', '/api/v1/training/sessions', { tracking_only: true, params: { dataset_name: 'petals@0000000' } })).status).toBe(422);
    for (const id of [tracked.body.session_id, free.body.session_id]) await t.api('POST', `/api/v1/training/${id}/complete`, {});
  });

  it('deletes every version with the dataset, but not while a run trains on it', async () => {
    const user = (await t.api('POST', '/api/v1/training/sessions', { tracking_only: true, params: { dataset_name: 'petals' } })).body.session_id;
    const refused = await t.api('DELETE', '/api/v1/datasets/petals');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`Dataset 'petals' is used by run ${user}, queued or running: stop it first`);
    await t.api('POST', `/api/v1/training/${user}/complete`, {});
    expect((await t.api('DELETE', '/api/v1/datasets/petals')).status).toBe(200);
    expect(await readdir(join(dataDir, 'datasets', '.versions'))).toEqual([]);
    expect((await upload('petals', V1)).body).toMatchObject({ versions: 1 });
  });
});
