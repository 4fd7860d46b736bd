/**
 * The TF.js recipe's trainer: a child process of the run's supervisor, so that a crash, an OOM or a
 * stop kills it and never the agent. Loads the dataset, picks the best engine that works here, trains,
 * and prints one JSON line of metrics per epoch (and every N batches), a line per checkpoint, and saves
 * the final model (model.json + weights.bin) in `<output>/<architecture>-<dataset>/`.
 *
 *   node train.js --architecture mlp --dataset blobs --lr 0.01 --batch-size 32 --epochs 10 \
 *     --optimizer adam --loss cross_entropy [--hidden 64] [--samples N] [--seed 1] [--validation-split 0.2]
 *     [--label-column label] [--checkpoint-every 0] [--log-every-batches 0] [--engine auto] [--output DIR]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LayersModel, Logs, Tensor } from '@tensorflow/tfjs';
import { outputFor, trainingPlanProblems, type TfjsLoss } from '../domain/training-plan.js';
import { buildModel } from './architectures.js';
import { loadEngine, type Tf } from './engine.js';
import { saveModelToDir } from './model-files.js';
import { loadTrainingData, splitIndices, type TrainingData } from './training-data.js';

const LOSS_NAMES: Record<TfjsLoss, string> = {
  cross_entropy: 'categoricalCrossentropy',
  bce: 'binaryCrossentropy',
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
};

const { values } = parseArgs({
  options: {
    architecture: { type: 'string', default: 'mlp' },
    dataset: { type: 'string', default: 'blobs' },
    lr: { type: 'string', default: '0.01' },
    'batch-size': { type: 'string', default: '32' },
    epochs: { type: 'string', default: '10' },
    optimizer: { type: 'string', default: 'adam' },
    loss: { type: 'string', default: 'cross_entropy' },
    hidden: { type: 'string', default: '64' },
    samples: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'validation-split': { type: 'string', default: '0.2' },
    'label-column': { type: 'string', default: '' },
    'checkpoint-every': { type: 'string', default: '0' },
    'log-every-batches': { type: 'string', default: '0' },
    'weight-decay': { type: 'string', default: '0.01' },
    engine: { type: 'string', default: 'auto' },
    output: { type: 'string' },
  },
});

const architecture = values.architecture!;
const loss = values.loss as TfjsLoss;
const learningRate = Number(values.lr);
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const checkpointEvery = Number(values['checkpoint-every']);
const logEveryBatches = Number(values['log-every-batches']);
const output = values.output ?? process.env.TRAINER_OUTPUT_DIR ?? null;

function fail(message: string, code: number): never {
  console.error(`ERROR ${message}`);
  process.exit(code);
}

let data: TrainingData;
try {
  data = loadTrainingData({
    dataset: values.dataset!,
    samples: Number(values.samples),
    seed,
    labelColumn: values['label-column'],
    datasetsDir: process.env.TRAINER_DATASETS_DIR,
  });
} catch (error) {
  fail(`cannot load dataset '${values.dataset}': ${(error as Error).message}`, 2);
}
for (const note of data.notes) console.log(`INFO dataset ${data.name}: ${note}`);
const problems = trainingPlanProblems({ architecture, loss, optimizer: values.optimizer, dataset: data });
if (problems.length > 0) fail(problems.join('; '), 2);

const usesConvolutions = data.imageShape !== null && (architecture === 'cnn' || architecture === 'resnet-mini');
const engine = await loadEngine({ requested: values.engine!, needsConvGradients: usesConvolutions }).catch((error: Error) => fail(error.message, 4));
const tf = engine.tf;
for (const note of engine.notes) console.log(`INFO engine: ${note}`);
console.log(`INFO training engine: ${engine.name} (TF.js ${tf.version.tfjs}, backend ${tf.getBackend()})`);

const head = outputFor(loss, data.classes);
const { training, validation } = splitIndices(data.x.length, Number(values['validation-split']), seed + 1);
const [xTrain, yTrain] = tensorsOf(tf, data, training);
const [xVal, yVal] = validation.length > 0 ? tensorsOf(tf, data, validation) : [null, null];

const model = buildModel(tf, architecture, {
  features: data.features,
  imageShape: data.imageShape,
  outputUnits: head.units,
  outputActivation: head.activation,
  hidden: Number(values.hidden),
});
model.compile({ optimizer: optimizerOf(tf, values.optimizer!, learningRate), loss: LOSS_NAMES[loss], metrics: ['accuracy'] });
console.log(
  `INFO training ${architecture} (${model.countParams()} parameters) on ${data.name}: ${training.length} training and ${validation.length} validation samples, ${data.classes} classes`,
);

const decay = values.optimizer === 'adamw' ? learningRate * Number(values['weight-decay']) : 0;
let step = 0;
let currentEpoch = 1;
let epochStarted = Date.now();
let bestValLoss = Infinity;

await model.fit(xTrain, yTrain, {
  epochs,
  batchSize: Number(values['batch-size']),
  validationData: xVal && yVal ? [xVal, yVal] : undefined,
  shuffle: true,
  verbose: 0,
  yieldEvery: 'never',
  callbacks: {
    onEpochBegin: async (index: number) => {
      currentEpoch = index + 1;
      epochStarted = Date.now();
    },
    onBatchEnd: async (_batch: number, logs?: Logs) => {
      step++;
      if (decay > 0) applyWeightDecay(tf, model, decay);
      const batchLoss = logs?.loss ?? NaN;
      if (!Number.isFinite(batchLoss)) stopOnNonFinite('loss', batchLoss, null);
      if (logEveryBatches > 0 && step % logEveryBatches === 0)
        console.log(JSON.stringify({ step, batch_loss: round(batchLoss), batch_accuracy: round(logs?.acc ?? NaN) }));
    },
    onEpochEnd: async (index: number, logs?: Logs) => {
      const epoch = index + 1;
      const metrics: Record<string, number> = { loss: round(logs!.loss!), accuracy: round(logs!.acc!) };
      if (logs?.val_loss !== undefined) Object.assign(metrics, { val_loss: round(logs.val_loss), val_accuracy: round(logs.val_acc!) });
      const seconds = Math.max((Date.now() - epochStarted) / 1000, 1e-3);
      console.log(JSON.stringify({ epoch, ...metrics, samples_per_s: Math.round(training.length / seconds) }));
      console.log(`Epoch ${epoch}/${epochs} completed`);
      if (logs?.val_loss !== undefined && !Number.isFinite(logs.val_loss)) stopOnNonFinite('val_loss', logs.val_loss, epoch);
      if (output && checkpointEvery > 0) await checkpoint(epoch, metrics);
    },
  },
});

if (output) {
  const dir = join(output, `${architecture}-${data.name}`.replace(/[^A-Za-z0-9._-]/g, '_'));
  await saveModelToDir(tf, model, dir, { architecture, dataset: data.name, classes: data.classNames, engine: engine.name });
  console.log(`INFO model saved to ${dir}`);
}

async function checkpoint(epoch: number, metrics: Record<string, number>): Promise<void> {
  if (epoch % checkpointEvery === 0) {
    const relative = `checkpoints/epoch-${String(epoch).padStart(4, '0')}`;
    await saveModelToDir(tf, model, join(output!, relative), { epoch, metrics });
    console.log(JSON.stringify({ checkpoint: relative, epoch, metrics }));
  }
  const valLoss = metrics.val_loss;
  if (valLoss !== undefined && valLoss < bestValLoss) {
    bestValLoss = valLoss;
    await saveModelToDir(tf, model, join(output!, 'checkpoints/best'), { epoch, metrics });
    console.log(JSON.stringify({ checkpoint: 'checkpoints/best', epoch, metrics, best: true }));
  }
}

/** A NaN or infinite loss: the metric line (bare NaN, which the parser keeps), an event line, and exit 3. */
function stopOnNonFinite(name: string, value: number, epoch: number | null): never {
  const text = String(value);
  console.log(`{${epoch === null ? '' : `"epoch": ${epoch}, `}"step": ${step}, "${name}": ${text}}`);
  const message = `${name} is ${text} at step ${step} (epoch ${epoch ?? currentEpoch}): training stopped (lower the learning rate, or check the data for extreme values)`;
  // an event line, not a metric: no value the parser would take as a number (it keeps the string "NaN" as one)
  console.log(JSON.stringify({ event: 'nan_loss', metric: name, step, epoch: epoch ?? currentEpoch, message }));
  fail(message, 3);
}

function tensorsOf(tf: Tf, data: TrainingData, indices: number[]): [Tensor, Tensor] {
  const flat = new Float32Array(indices.length * data.features);
  indices.forEach((row, position) => flat.set(data.x[row]!, position * data.features));
  const x = tf.tensor(flat, [indices.length, ...(data.imageShape ?? [data.features])]);
  const labels = indices.map((row) => data.y[row]!);
  const y = head.oneHot ? tf.oneHot(tf.tensor1d(labels, 'int32'), data.classes).toFloat() : tf.tensor2d(labels, [labels.length, 1]);
  return [x, y];
}

function optimizerOf(tf: Tf, name: string, lr: number) {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
    default:
      // adamw: TF.js has no AdamW, so Adam here plus the decoupled weight decay applied after each batch
      return tf.train.adam(lr);
  }
}

/** AdamW's decoupled weight decay: kernels shrink by lr × decay after each step (biases are left alone). */
function applyWeightDecay(tf: Tf, model: LayersModel, factor: number): void {
  tf.tidy(() => {
    for (const weight of model.trainableWeights) if (weight.name.includes('kernel')) weight.write(weight.read().mul(1 - factor));
  });
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
