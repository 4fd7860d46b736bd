import { freemem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { gzipSync } from 'node:zlib';
import { padding, TAR_END, tarHeaderBlocks } from '../../dist/src/datasets/tar-format.js';
import { cli } from '../cli/cli-helpers.js';
import { barImage, encodePng } from './png-encoder.js';
import { epochRecords, logText, processesWith, startTfjs } from './tfjs-helpers.js';

// What the tfjs recipe refuses at submission, tables from the dataset registry, a stop mid-epoch and a NaN loss.
describe('tfjs recipe: submission checks, tables, stop and NaN', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  async function uploadDataset(name: string, filename: string, content: string | Buffer) {
    const form = new FormData();
    form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), filename);
    const response = await fetch(`${t.url}/api/v1/datasets?dataset_name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: form,
    });
    expect(response.status).toBeLessThan(300);
  }

  const seedBody = {
    recipe: 'tfjs',
    model_architecture: 'mlp',
    dataset_name: 'blobs',
    learning_rate: 0.01,
    batch_size: 32,
    epochs: 2,
    optimizer: 'adam',
    loss_function: 'cross_entropy',
  };

  it('refuses combinations that make no sense with a 422 and the reason, and creates no run', async () => {
    // the list is a bare array (seed 000); its total is in X-Total-Count
    const total = async () => Number((await t.api('GET', '/api/v1/training/sessions')).headers.get('x-total-count'));
    const before = await total();
    expect(Number.isInteger(before)).toBe(true);
    const mse = await t.api('POST', '/api/v1/training/start', { ...seedBody, loss_function: 'mse' });
    expect(mse.status).toBe(422);
    expect(mse.body.detail).toMatch(/loss 'mse'.*'blobs' has a 4-class label.*use cross_entropy/);
    const bce = await t.api('POST', '/api/v1/training/start', { ...seedBody, dataset_name: 'digits', loss_function: 'bce' });
    expect(bce.status).toBe(422);
    expect(bce.body.detail).toMatch(/'bce'.*needs a 2-class label.*'digits' has 10 classes/);
    const cnnOnVectors = await t.api('POST', '/api/v1/training/start', { ...seedBody, model_architecture: 'cnn' });
    expect(cnnOnVectors.status).toBe(422);
    expect(cnnOnVectors.body.detail).toMatch(/'cnn' needs an image dataset/);
    const unknown = await t.api('POST', '/api/v1/training/start', { ...seedBody, model_architecture: 'transformer' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toMatch(/model_architecture.*mlp, cnn, resnet-mini/);
    expect(await total()).toBe(before);
    // a binary dataset takes the binary losses
    const binary = await t.api('POST', '/api/v1/training/sessions', {
      recipe: 'tfjs',
      params: { dataset_name: 'circles', loss_function: 'bce', epochs: 1 },
      start: false,
    });
    expect(binary.status).toBe(201);
  });

  // 10 million 16x16 images need about 61 GB: refused wherever that is more than the free memory
  it.skipIf(freemem() * 0.8 > 10_000_000 * 256 * 24)('refuses, at submission, a dataset that would not fit in memory', async () => {
    const huge = await startTfjs(t, { model_architecture: 'cnn', dataset_name: 'digits', samples: 10_000_000 });
    expect(huge.status).toBe(422);
    expect(huge.body.detail).toMatch(/dataset 'digits' does not fit in memory: training it needs about \d+ MiB, and \d+ MiB are free/);
  });

  it('lists architectures, losses and engines; system info names the engines available', async () => {
    const info = await t.api('GET', '/api/v1/architectures');
    expect(info.status).toBe(200);
    expect(info.body.architectures.map((architecture: { name: string }) => architecture.name)).toEqual(['mlp', 'cnn', 'resnet-mini']);
    expect(info.body.losses).toEqual(['cross_entropy', 'mse', 'mae', 'bce']);
    expect(info.body.engines.map((engine: { name: string }) => engine.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(info.body.engines.find((engine: { name: string }) => engine.name === 'cpu')).toMatchObject({ available: true, reason: null });
    const system = await t.api('GET', '/api/v1/system/info');
    expect(system.body.training_engines).toContain('cpu');
    expect(system.body.training_engines.at(-1)).toBe('cpu');

    const listed = await cli(t.url, ['architectures']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^cnn\s+images\s+LeNet-like/m);
    expect(listed.stdout).toMatch(/^resnet-mini\s+vectors or images\s/m);
    expect(listed.stdout).toMatch(/^cpu\s+yes\s/m);
    expect(listed.stdout).toMatch(/^tfjs-node-gpu\s+(yes|no)\s/m);
    const json = JSON.parse((await cli(t.url, ['architectures', '--json'])).stdout);
    expect(json.architectures).toHaveLength(3);
  });

  it('trains on an uploaded CSV with a categorical label and feature; refuses mse on its 3 classes and a missing label column', async () => {
    const rows = ['size,colour,weight,label'];
    const kinds = ['small', 'medium', 'large'];
    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      rows.push(`${kind * 10 + (i % 7)},${['red', 'green', 'blue'][(i * 7) % 3]},${kind * 3 + (i % 5) / 10},${kinds[kind]}`);
    }
    await uploadDataset('sizes', 'sizes.csv', rows.join('\n') + '\n');
    const mse = await startTfjs(t, { dataset_name: 'sizes', loss_function: 'mse' });
    expect(mse.status).toBe(422);
    expect(mse.body.detail).toMatch(/'sizes' has a 3-class label/);
    const noLabel = await startTfjs(t, { dataset_name: 'sizes', label_column: 'species' });
    expect(noLabel.status).toBe(422);
    expect(noLabel.body.detail).toMatch(/no column 'species'.*size, colour, weight, label/);

    const started = await startTfjs(t, { dataset_name: 'sizes', epochs: 3, learning_rate: 0.05, batch_size: 16 });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    expect((await waitForState(t.api, id, ['completed', 'failed'], 120_000)).state).toBe('completed');
    expect((await epochRecords(t, id)).at(-1)!.val_accuracy).toBeGreaterThan(0.6);
    expect(await logText(t, id)).toMatch(/column 'colour' one-hot encoded \(3 categories\)/);
  }, 180_000);

  it('trains a cnn on an uploaded tar.gz of PNG images in class folders; refuses a zip', async () => {
    const files = Array.from({ length: 80 }, (_, i) => {
      const vertical = i % 2 === 0;
      return { path: `bars/${vertical ? 'vertical' : 'horizontal'}/${i}.png`, content: encodePng(12, 12, 1, barImage(vertical, i)) };
    });
    const tar = Buffer.concat([
      ...files.flatMap(({ path, content }) => [tarHeaderBlocks({ path, size: content.length, mtimeMs: 0 }), content, Buffer.alloc(padding(content.length))]),
      TAR_END,
    ]);
    await uploadDataset('bars', 'bars.tar.gz', gzipSync(tar));
    const bce = await startTfjs(t, { model_architecture: 'mlp', dataset_name: 'bars', loss_function: 'bce', validation_split: 0.9 });
    expect(bce.status).toBe(201); // 2 classes: one sigmoid output; mlp flattens the images
    await t.api('POST', `/api/v1/training/${bce.body.session_id}/stop`);

    const started = await startTfjs(t, { model_architecture: 'cnn', dataset_name: 'bars', epochs: 3, batch_size: 8, learning_rate: 0.01 });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    expect((await waitForState(t.api, id, ['completed', 'failed'], 120_000)).state).toBe('completed');
    expect(await logText(t, id)).toMatch(/80 PNG images in 2 class folders, each 12×12×1/);
    expect((await epochRecords(t, id)).at(-1)!.val_accuracy).toBeGreaterThan(0.7);

    await uploadDataset('zipped', 'zipped.zip', Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'latin1'));
    const zip = await startTfjs(t, { model_architecture: 'cnn', dataset_name: 'zipped' });
    expect(zip.status).toBe(422);
    expect(zip.body.detail).toMatch(/'zipped' is archive \(zipped\.zip\).*tar or tar\.gz archives of PNG images in class folders/);
  }, 180_000);

  it('a stop mid-epoch kills the training child, and the agent keeps serving', async () => {
    const started = await startTfjs(t, {
      model_architecture: 'mlp',
      dataset_name: 'digits',
      samples: 20000,
      hidden_units: 512,
      batch_size: 8,
      epochs: 50,
      log_every_batches: 5,
    });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    // batches are being reported, and no epoch has ended: the child is mid-epoch
    const history = await waitFor(
      async () => {
        const records = (await t.api('GET', `/api/v1/training/${id}/history`)).body as { step?: number; epoch: number | null }[];
        return records.some((record) => typeof record.step === 'number') ? records : null;
      },
      'a batch metric line',
      60_000,
    );
    expect(history.every((record) => record.epoch === null)).toBe(true);
    const children = processesWith('dist/src/tfjs/train.js', id);
    expect(children).toHaveLength(1);

    const stopped = await t.api('POST', `/api/v1/training/${id}/stop`);
    expect(stopped.body.state).toBe('stopped');
    expect(processesWith('dist/src/tfjs/train.js', id)).toEqual([]);
    expect(() => process.kill(children[0]!, 0)).toThrow();
    expect((await t.api('GET', '/health')).status).toBe(200);
    expect((await t.api('GET', `/api/v1/training/${id}/status`)).body.state).toBe('stopped');
  }, 120_000);

  it('a NaN loss fails the run with a clear message and a nan_loss event line', async () => {
    // values beyond what normalization can bring back: the features become NaN, and so does the mse loss
    // (cross-entropy clips its probabilities, so it would not show it)
    const rows = ['x,y,label', ...Array.from({ length: 40 }, (_, i) => `1e308,${i},${i % 2}`)];
    await uploadDataset('overflow', 'overflow.csv', rows.join('\n') + '\n');
    const started = await startTfjs(t, { dataset_name: 'overflow', epochs: 2, batch_size: 8, loss_function: 'mse' });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    const done = await waitForState(t.api, id, ['completed', 'failed'], 120_000);
    expect(done.state).toBe('failed');
    const detail = (await t.api('GET', `/api/v1/training/sessions/${id}`)).body;
    expect(JSON.stringify(detail)).toMatch(/loss is NaN at step 1 \(epoch 1\): training stopped/);
    const log = await logText(t, id);
    expect(log).toMatch(/"event":"nan_loss","metric":"loss","step":1,"epoch":1,"message":"loss is NaN/);
    const losses = (await t.api('GET', `/api/v1/metrics/${id}/history?metric_name=loss`)).body;
    expect(losses.values).toContain('NaN');
  }, 120_000);
});
