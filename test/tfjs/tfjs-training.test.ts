import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startTestAgent, waitForState, waitFor, type TestAgent } from '../helpers/agent-harness.js';
import { epochRecords, logText, startTfjs, untar } from './tfjs-helpers.js';

// The tfjs recipe trains real networks in a child process, with whatever TF.js engine loads here.
describe('tfjs training backend', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
    tf.enableProdMode();
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await t.close();
  });

  it('trains an mlp on a generated dataset: loss falls, val_accuracy far above chance, the model is registered and loads again', async () => {
    const started = await t.api('POST', '/api/v1/training/start', {
      recipe: 'tfjs',
      model_architecture: 'mlp',
      dataset_name: 'blobs',
      learning_rate: 0.02,
      batch_size: 32,
      epochs: 4,
      optimizer: 'adam',
      loss_function: 'cross_entropy',
    });
    expect(started.status).toBe(200);
    const id = started.body.session_id;
    const done = await waitForState(t.api, id, ['completed', 'failed'], 120_000);
    expect(done.state).toBe('completed');

    const epochs = await epochRecords(t, id);
    expect(epochs.map((record) => record.epoch)).toEqual([1, 2, 3, 4]);
    expect(epochs[3]!.loss).toBeLessThan(epochs[0]!.loss!);
    expect(epochs[3]!.val_accuracy).toBeGreaterThan(0.8); // 4 classes: chance is 0.25
    expect(await logText(t, id)).toMatch(/training engine: (tfjs-node-gpu|tfjs-node|wasm|cpu) \(TF\.js/);

    const name = `mlp-blobs-${id}`;
    const model = await waitFor(
      async () => (await t.api('GET', '/api/v1/models')).body.find((entry: { name: string }) => entry.name === name),
      `model ${name}`,
    );
    expect(model).toMatchObject({ run_id: id, bundle: true });
    const download = await fetch(`${t.url}/api/v1/models/${name}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(download.status).toBe(200);
    const files = untar(Buffer.from(await download.arrayBuffer()));
    const modelJson = [...files.entries()].find(([path]) => path.endsWith('model.json'));
    const weights = [...files.entries()].find(([path]) => path.endsWith('weights.bin'));
    expect(modelJson && weights).toBeTruthy();
    const parsed = JSON.parse(modelJson![1].toString('utf8'));
    expect(parsed.format).toBe('layers-model');
    const loaded = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: parsed.modelTopology,
        weightSpecs: parsed.weightsManifest[0].weights,
        weightData: new Uint8Array(weights![1]).buffer,
      }),
    });
    const prediction = loaded.predict(tf.zeros([2, 8])) as tf.Tensor;
    expect(prediction.shape).toEqual([2, 4]);
    const sums = (await prediction.sum(1).array()) as number[];
    for (const sum of sums) expect(sum).toBeCloseTo(1, 4);
  }, 180_000);

  it('trains resnet-mini on Iris', async () => {
    const started = await startTfjs(t, {
      model_architecture: 'resnet-mini',
      dataset_name: 'iris',
      learning_rate: 0.01,
      batch_size: 16,
      epochs: 25,
      hidden_units: 16,
    });
    expect(started.status).toBe(201);
    const done = await waitForState(t.api, started.body.session_id, ['completed', 'failed'], 120_000);
    expect(done.state).toBe('completed');
    const epochs = await epochRecords(t, started.body.session_id);
    expect(epochs).toHaveLength(25);
    expect(epochs.at(-1)!.val_accuracy).toBeGreaterThan(0.6); // 3 species: chance is 0.33
  }, 180_000);

  it('trains a cnn a couple of epochs on generated digit images, on the best engine here, with checkpoints', async () => {
    const started = await startTfjs(t, {
      model_architecture: 'cnn',
      dataset_name: 'digits',
      samples: 400,
      learning_rate: 0.01,
      batch_size: 16,
      epochs: 2,
      checkpoint_every: 1,
    });
    expect(started.status).toBe(201);
    const id = started.body.session_id;
    const done = await waitForState(t.api, id, ['completed', 'failed'], 120_000);
    expect(done.state).toBe('completed');
    const epochs = await epochRecords(t, id);
    expect(epochs.map((record) => record.epoch)).toEqual([1, 2]);
    expect(epochs[1]).toMatchObject({ loss: expect.any(Number), accuracy: expect.any(Number), val_loss: expect.any(Number), val_accuracy: expect.any(Number) });
    expect(epochs[1]!.val_accuracy).toBeGreaterThan(0.3); // 10 digits: chance is 0.1
    const log = await logText(t, id);
    // the best engine here, wasm included: trainer supplies the convolution filter gradient wasm lacks
    const best = (await t.api('GET', '/api/v1/system/info')).body.training_engines[0];
    expect(log).toContain(`training engine: ${best} `);
    // checkpoint lines for the checkpoint registry: relative path, epoch, metrics
    const checkpoints = log
      .split('\n')
      .filter((line) => line.startsWith('{"checkpoint"'))
      .map((line) => JSON.parse(line));
    expect(checkpoints).toContainEqual({ checkpoint: 'checkpoints/epoch-0001', epoch: 1, metrics: expect.objectContaining({ val_loss: expect.any(Number) }) });
    expect(checkpoints).toContainEqual({ checkpoint: 'checkpoints/epoch-0002', epoch: 2, metrics: expect.any(Object) });
    expect(checkpoints.some((line) => line.checkpoint === 'checkpoints/best' && line.best === true)).toBe(true);
    // ... which the registry took in: each a folder (model.json + weights.bin), downloaded as a tar
    const registered = await waitFor(async () => {
      const list = (await t.api('GET', `/api/v1/checkpoints?session_id=${id}`)).body.checkpoints as {
        checkpoint_id: string;
        epoch: number;
        is_best: boolean;
      }[];
      return [1, 2].every((epoch) => list.some((entry) => entry.epoch === epoch)) ? list : null;
    }, 'the registered checkpoints');
    expect(registered.filter((entry) => entry.is_best)).toHaveLength(1);
    const tar = Buffer.from(
      await (
        await fetch(`${t.url}/api/v1/checkpoints/${registered[0]!.checkpoint_id}/download`, { headers: { authorization: `Bearer ${API_KEY}` } })
      ).arrayBuffer(),
    );
    expect(tar.subarray(0, 100).toString('utf8')).toMatch(/^(model\.json|weights\.bin)/);
    expect(tar.toString('latin1')).toContain('"modelTopology"');
    // the final model, not a checkpoint, is what the registry takes
    await waitFor(
      async () => (await t.api('GET', '/api/v1/models')).body.find((entry: { name: string }) => entry.name === `cnn-digits-${id}`),
      'the cnn model',
    );
  }, 180_000);
});
