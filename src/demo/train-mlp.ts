/**
 * The demo recipe's trainer: trains a small network on a built-in dataset in plain Node.js and prints
 * one JSON line of metrics per epoch, the way any training script talks to trainer's process backend.
 *
 *   node train-mlp.js --dataset spirals --architecture mlp --lr 0.01 --batch-size 32 --epochs 20 \
 *                     --optimizer adam --loss cross_entropy [--hidden 64] [--samples N] [--seed 1] [--output DIR]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findBuiltinDataset, seededRandom, BUILTIN_DATASETS } from '../datasets/builtin-datasets.js';
import { Mlp, Optimizer, backward, lossAndGradient, type Loss, type OptimizerName } from './mlp.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'spirals' },
    architecture: { type: 'string', default: 'mlp' },
    lr: { type: 'string', default: '0.01' },
    'batch-size': { type: 'string', default: '32' },
    epochs: { type: 'string', default: '10' },
    optimizer: { type: 'string', default: 'adam' },
    loss: { type: 'string', default: 'cross_entropy' },
    hidden: { type: 'string', default: '64' },
    samples: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    output: { type: 'string' },
  },
});

const dataset = findBuiltinDataset(values.dataset!);
if (!dataset) {
  console.error(`ERROR unknown dataset '${values.dataset}': the demo trainer knows ${BUILTIN_DATASETS.map((d) => d.name).join(', ')}`);
  process.exit(2);
}
const architectures: Record<string, (hidden: number) => number[]> = {
  mlp: (hidden) => [dataset.features, hidden, hidden, dataset.classes],
  linear: () => [dataset.features, dataset.classes],
};
const buildSizes = architectures[values.architecture!];
if (!buildSizes) {
  console.error(`ERROR unknown architecture '${values.architecture}': the demo trainer knows ${Object.keys(architectures).join(', ')}`);
  process.exit(2);
}

const learningRate = Number(values.lr);
const batchSize = Number(values['batch-size']);
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const samples = Number(values.samples) || dataset.samples;
const loss = values.loss as Loss;

const { x, y } = dataset.generate(samples, seed);
const order = shuffle([...x.keys()], seededRandom(seed + 1));
const validationCount = Math.max(1, Math.floor(samples * 0.2));
const validation = order.slice(0, validationCount);
const training = order.slice(validationCount);
const inputs = x.map((row) => Float64Array.from(row));

const random = seededRandom(seed + 2);
const network = new Mlp(buildSizes(Number(values.hidden)), random);
const parameters = network.layers.flatMap((layer) => [layer.weights, layer.bias]);
const optimizer = new Optimizer(values.optimizer as OptimizerName, learningRate, parameters);
console.log(
  `INFO training ${values.architecture} (${network.parameterCount} parameters) on ${dataset.name}: ${training.length} training and ${validation.length} validation samples`,
);

for (let epoch = 1; epoch <= epochs; epoch++) {
  shuffle(training, random);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < training.length; start += batchSize) {
    const batch = training.slice(start, start + batchSize);
    const grads = network.layers.map((layer) => ({ weights: new Float64Array(layer.weights.length), bias: new Float64Array(layer.bias.length) }));
    for (const index of batch) {
      const activations = network.forward(inputs[index]!);
      const result = lossAndGradient(loss, activations[activations.length - 1]!, y[index]!);
      lossSum += result.value;
      if (result.predicted === y[index]) correct++;
      backward(network, activations, result.gradient, grads);
    }
    optimizer.apply(
      parameters,
      grads.flatMap((grad) => [grad.weights, grad.bias]),
      1 / batch.length,
    );
  }
  const evaluation = evaluate(validation);
  const metrics = {
    epoch,
    loss: round(lossSum / training.length),
    accuracy: round(correct / training.length),
    val_loss: round(evaluation.loss),
    val_accuracy: round(evaluation.accuracy),
  };
  console.log(JSON.stringify(metrics));
  console.log(`Epoch ${epoch}/${epochs} completed`);
  if (!Number.isFinite(metrics.loss)) {
    console.error(`ERROR loss is ${metrics.loss} at epoch ${epoch}: lower the learning rate`);
    process.exit(3);
  }
}

if (values.output) {
  const model = {
    architecture: values.architecture,
    dataset: dataset.name,
    layers: network.layers.map((layer) => ({ inputs: layer.inputs, outputs: layer.outputs, weights: [...layer.weights], bias: [...layer.bias] })),
  };
  writeFileSync(join(values.output, 'model.json'), JSON.stringify(model));
  console.log(`INFO model saved to ${join(values.output, 'model.json')}`);
}

function evaluate(indices: number[]): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (const index of indices) {
    const activations = network.forward(inputs[index]!);
    const result = lossAndGradient(loss, activations[activations.length - 1]!, y[index]!);
    lossSum += result.value;
    if (result.predicted === y[index]) correct++;
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
