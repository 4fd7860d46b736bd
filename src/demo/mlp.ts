/**
 * A small dense network with hand-written backpropagation: enough to train for real on the built-in
 * datasets with no native dependency. Hidden layers use tanh; the output layer depends on the loss.
 */
export type Loss = 'cross_entropy' | 'bce' | 'mse' | 'mae';
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop';

interface Layer {
  inputs: number;
  outputs: number;
  weights: Float64Array; // inputs × outputs, row-major by input
  bias: Float64Array;
}

export class Mlp {
  readonly layers: Layer[];

  constructor(sizes: number[], random: () => number) {
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputs = sizes[l]!;
      const outputs = sizes[l + 1]!;
      const scale = Math.sqrt(2 / (inputs + outputs)); // Glorot
      const weights = new Float64Array(inputs * outputs).map(() => (random() * 2 - 1) * scale * Math.sqrt(3));
      this.layers.push({ inputs, outputs, weights, bias: new Float64Array(outputs) });
    }
  }

  get parameterCount(): number {
    return this.layers.reduce((sum, layer) => sum + layer.weights.length + layer.bias.length, 0);
  }

  /** Activations of every layer, input first; the last entry is the pre-activation output (logits). */
  forward(input: Float64Array): Float64Array[] {
    const activations = [input];
    let current = input;
    this.layers.forEach((layer, index) => {
      const next = new Float64Array(layer.outputs);
      next.set(layer.bias);
      for (let i = 0; i < layer.inputs; i++) {
        const value = current[i]!;
        if (value === 0) continue;
        const row = i * layer.outputs;
        for (let o = 0; o < layer.outputs; o++) next[o]! += value * layer.weights[row + o]!;
      }
      if (index < this.layers.length - 1) for (let o = 0; o < next.length; o++) next[o] = Math.tanh(next[o]!);
      activations.push(next);
      current = next;
    });
    return activations;
  }
}

/** Loss and its gradient with respect to the logits, for one sample. */
export function lossAndGradient(loss: Loss, logits: Float64Array, label: number): { value: number; gradient: Float64Array; predicted: number } {
  const classes = logits.length;
  const gradient = new Float64Array(classes);
  let predicted = 0;
  for (let c = 1; c < classes; c++) if (logits[c]! > logits[predicted]!) predicted = c;
  let value = 0;
  if (loss === 'cross_entropy') {
    const max = logits[predicted]!;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[c]! - max);
    for (let c = 0; c < classes; c++) {
      const probability = Math.exp(logits[c]! - max) / sum;
      gradient[c] = probability - (c === label ? 1 : 0);
    }
    value = -(logits[label]! - max - Math.log(sum));
  } else if (loss === 'bce') {
    for (let c = 0; c < classes; c++) {
      const target = c === label ? 1 : 0;
      const probability = 1 / (1 + Math.exp(-logits[c]!));
      const clipped = Math.min(Math.max(probability, 1e-12), 1 - 1e-12);
      value -= (target * Math.log(clipped) + (1 - target) * Math.log(1 - clipped)) / classes;
      gradient[c] = (probability - target) / classes;
    }
  } else {
    for (let c = 0; c < classes; c++) {
      const difference = logits[c]! - (c === label ? 1 : 0);
      value += (loss === 'mse' ? difference * difference : Math.abs(difference)) / classes;
      gradient[c] = (loss === 'mse' ? 2 * difference : Math.sign(difference)) / classes;
    }
  }
  return { value, gradient, predicted };
}

/** Accumulates the gradients of one sample into `grads` (same layout as the network's parameters). */
export function backward(
  network: Mlp,
  activations: Float64Array[],
  outputGradient: Float64Array,
  grads: { weights: Float64Array; bias: Float64Array }[],
): void {
  let delta = outputGradient;
  for (let l = network.layers.length - 1; l >= 0; l--) {
    const layer = network.layers[l]!;
    const input = activations[l]!;
    const grad = grads[l]!;
    for (let o = 0; o < layer.outputs; o++) grad.bias[o]! += delta[o]!;
    const previous = new Float64Array(layer.inputs);
    for (let i = 0; i < layer.inputs; i++) {
      const value = input[i]!;
      const row = i * layer.outputs;
      let sum = 0;
      for (let o = 0; o < layer.outputs; o++) {
        grad.weights[row + o]! += value * delta[o]!;
        sum += layer.weights[row + o]! * delta[o]!;
      }
      previous[i] = l > 0 ? sum * (1 - value * value) : sum; // tanh' = 1 - tanh²
    }
    delta = previous;
  }
}

/** Applies one step of the chosen optimizer to every parameter array. */
export class Optimizer {
  private readonly first: Float64Array[];
  private readonly second: Float64Array[];
  private step = 0;

  constructor(
    private readonly name: OptimizerName,
    private readonly learningRate: number,
    parameters: Float64Array[],
  ) {
    this.first = parameters.map((array) => new Float64Array(array.length));
    this.second = parameters.map((array) => new Float64Array(array.length));
  }

  apply(parameters: Float64Array[], gradients: Float64Array[], scale: number): void {
    this.step++;
    const beta1 = 0.9;
    const beta2 = 0.999;
    const epsilon = 1e-8;
    parameters.forEach((parameter, p) => {
      const gradient = gradients[p]!;
      const m = this.first[p]!;
      const v = this.second[p]!;
      for (let i = 0; i < parameter.length; i++) {
        const g = gradient[i]! * scale;
        if (this.name === 'sgd') {
          m[i] = 0.9 * m[i]! + g; // momentum
          parameter[i]! -= this.learningRate * m[i]!;
        } else if (this.name === 'rmsprop') {
          v[i] = 0.9 * v[i]! + 0.1 * g * g;
          parameter[i]! -= (this.learningRate * g) / (Math.sqrt(v[i]!) + epsilon);
        } else {
          m[i] = beta1 * m[i]! + (1 - beta1) * g;
          v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
          const mHat = m[i]! / (1 - beta1 ** this.step);
          const vHat = v[i]! / (1 - beta2 ** this.step);
          if (this.name === 'adamw') parameter[i]! -= this.learningRate * 0.01 * parameter[i]!;
          parameter[i]! -= (this.learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
        }
      }
    });
  }
}
