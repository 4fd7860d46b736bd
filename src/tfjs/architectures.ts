import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { Tf } from './engine.js';

export interface ModelShape {
  features: number;
  imageShape: [number, number, number] | null;
  outputUnits: number;
  outputActivation: 'sigmoid' | 'softmax';
  hidden: number;
}

/** Builds the named architecture for the dataset's input shape and the loss's output layer. */
export function buildModel(tf: Tf, architecture: string, shape: ModelShape): LayersModel {
  const inputShape = shape.imageShape ?? [shape.features];
  const input = tf.input({ shape: inputShape });
  const output = (units: number, activation: string) => tf.layers.dense({ units, activation: activation as 'relu' });
  const head = (features: SymbolicTensor) => output(shape.outputUnits, shape.outputActivation).apply(features) as SymbolicTensor;
  let x: SymbolicTensor;
  switch (architecture) {
    case 'mlp': {
      x = shape.imageShape ? (tf.layers.flatten().apply(input) as SymbolicTensor) : input;
      x = output(shape.hidden, 'relu').apply(x) as SymbolicTensor;
      x = output(shape.hidden, 'relu').apply(x) as SymbolicTensor;
      break;
    }
    case 'cnn': {
      if (!shape.imageShape) throw new Error('cnn needs an image dataset');
      x = input;
      for (const filters of [8, 16]) {
        x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as SymbolicTensor;
        x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as SymbolicTensor;
      }
      x = tf.layers.flatten().apply(x) as SymbolicTensor;
      x = output(shape.hidden, 'relu').apply(x) as SymbolicTensor;
      break;
    }
    case 'resnet-mini': {
      const images = shape.imageShape !== null;
      const width = images ? 16 : shape.hidden;
      const layer = (activation: 'relu' | 'linear') =>
        images ? tf.layers.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation }) : tf.layers.dense({ units: width, activation });
      x = layer('relu').apply(input) as SymbolicTensor;
      for (let block = 0; block < 2; block++) {
        const residual = layer('linear').apply(layer('relu').apply(x)) as SymbolicTensor;
        x = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.add().apply([x, residual])) as SymbolicTensor;
      }
      if (images) x = tf.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
      break;
    }
    default:
      throw new Error(`unknown architecture '${architecture}'`);
  }
  return tf.model({ inputs: input, outputs: head(x), name: architecture.replace(/[^a-z0-9]/g, '_') });
}

/** Multiply-adds ×2 of one forward pass for one sample: dense and convolution layers (the rest is noise). */
export function forwardFlopsPerSample(model: LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const weights = layer.getWeights();
    const kernel = weights[0];
    if (!kernel) continue;
    if (className === 'Dense') flops += 2 * kernel.size;
    else if (className === 'Conv2D') {
      const outShape = layer.outputShape as number[];
      flops += 2 * kernel.size * outShape[1]! * outShape[2]!;
    }
  }
  return flops;
}
