import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

// Seed 004: POST /api/v1/models/{name}/tag {"tag": "production"}; one model holds a tag at a time.
describe('model tags', () => {
  let t: TestAgent;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-model-tags-'));
    t = await startTestAgent({ dataDir });
    for (const name of ['resnet-v1', 'resnet-v2']) {
      const form = new FormData();
      form.append('file', new Blob([name]), `${name}.pth`);
      await fetch(`${t.url}/api/v1/models?model_name=${name}`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    }
  });
  afterAll(async () => {
    await t?.close();
    await removeDir(dataDir);
  });

  const tagsByModel = async () => Object.fromEntries((await t.api('GET', '/api/v1/models')).body.map((model: any) => [model.name, model.tags]));
  const holder = async (tag: string) => (await t.api('GET', `/api/v1/models?tag=${tag}`)).body.map((model: any) => model.name);

  it('tags a model, and a tag moves to the model tagged next', async () => {
    const tagged = await t.api('POST', '/api/v1/models/resnet-v1/tag', { tag: 'production' });
    expect(tagged.status).toBe(200);
    expect(tagged.body).toMatchObject({ message: "Model 'resnet-v1' tagged 'production'", name: 'resnet-v1', tags: ['production'] });
    expect(await holder('production')).toEqual(['resnet-v1']);

    await t.api('POST', '/api/v1/models/resnet-v2/tag', { tag: 'production' });
    await t.api('POST', '/api/v1/models/resnet-v1/tag', { tag: 'staging' });
    await t.api('POST', '/api/v1/models/resnet-v1/tag', { tag: 'staging' }); // again: no duplicate
    expect(await tagsByModel()).toEqual({ 'resnet-v1': ['staging'], 'resnet-v2': ['production'] });
    expect(await holder('production')).toEqual(['resnet-v2']);
    expect(await holder('canary')).toEqual([]);
  });

  it('tags a model put in the directory by hand, and keeps tags across a restart', async () => {
    await writeFile(join(dataDir, 'models', 'handmade.onnx'), 'weights');
    expect((await t.api('POST', '/api/v1/models/handmade/tag', { tag: 'production' })).body.tags).toEqual(['production']);
    await t.close();
    t = await startTestAgent({ dataDir });
    expect(await tagsByModel()).toEqual({ handmade: ['production'], 'resnet-v1': ['staging'], 'resnet-v2': [] });
  });

  it('takes a tag off, and refuses unknown models and bad tags', async () => {
    const untagged = await t.api('DELETE', '/api/v1/models/resnet-v1/tag/staging');
    expect(untagged.status).toBe(200);
    expect(untagged.body.tags).toEqual([]);
    expect((await t.api('DELETE', '/api/v1/models/resnet-v1/tag/staging')).status).toBe(404);
    expect((await t.api('POST', '/api/v1/models/nope/tag', { tag: 'production' })).status).toBe(404);
    expect((await t.api('POST', '/api/v1/models/resnet-v1/tag', { tag: '../x' })).status).toBe(422);
    expect((await t.api('POST', '/api/v1/models/resnet-v1/tag', {})).status).toBe(422);
    expect((await t.api('GET', '/api/v1/models?tag=bad tag')).status).toBe(422);
    expect((await t.api('POST', '/api/v1/models/..%2Fx/tag', { tag: 'production' })).status).toBe(400);
  });
});
