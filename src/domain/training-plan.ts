/**
 * What the TF.js trainer can build, and which combinations of architecture, dataset and loss make
 * sense: checked when a run is submitted (a 422 with the reason) and again by the trainer itself.
 */
export interface ArchitectureInfo {
  name: string;
  description: string;
  /** Which inputs it takes: flat feature vectors, images, or both. */
  inputs: 'vectors' | 'images' | 'vectors or images';
}

export const TFJS_ARCHITECTURES: readonly ArchitectureInfo[] = [
  { name: 'mlp', description: 'Two hidden dense layers with ReLU (images are flattened).', inputs: 'vectors or images' },
  { name: 'cnn', description: 'LeNet-like: two convolution + max-pool stages, then two dense layers.', inputs: 'images' },
  {
    name: 'resnet-mini',
    description:
      'A small residual network: a stem, two residual blocks with identity shortcuts (convolutions for images, dense layers for vectors), global pooling.',
    inputs: 'vectors or images',
  },
];

export const TFJS_LOSSES = ['cross_entropy', 'mse', 'mae', 'bce'] as const;
export type TfjsLoss = (typeof TFJS_LOSSES)[number];
export const TFJS_OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adamw'] as const;

export interface DatasetShape {
  name: string;
  /** Number of label classes (≥ 2 for classification). */
  classes: number;
  features: number;
  imageShape?: [number, number, number] | null;
}

export interface PlanRequest {
  architecture: string;
  loss: string;
  optimizer?: string;
  dataset: DatasetShape;
}

/** The reasons a plan cannot train; empty when it can. */
export function trainingPlanProblems(request: PlanRequest): string[] {
  const problems: string[] = [];
  const architecture = TFJS_ARCHITECTURES.find((known) => known.name === request.architecture);
  const { dataset } = request;
  if (!architecture) problems.push(`unknown architecture '${request.architecture}' (known: ${TFJS_ARCHITECTURES.map((known) => known.name).join(', ')})`);
  else if (architecture.inputs === 'images' && !dataset.imageShape) {
    problems.push(
      `architecture '${architecture.name}' needs an image dataset, and '${dataset.name}' holds feature vectors (${dataset.features} features): use mlp or resnet-mini, or an image dataset such as digits`,
    );
  }
  if (!(TFJS_LOSSES as readonly string[]).includes(request.loss)) problems.push(`unknown loss '${request.loss}' (known: ${TFJS_LOSSES.join(', ')})`);
  if (request.optimizer !== undefined && !(TFJS_OPTIMIZERS as readonly string[]).includes(request.optimizer))
    problems.push(`unknown optimizer '${request.optimizer}' (known: ${TFJS_OPTIMIZERS.join(', ')})`);
  if (dataset.classes < 2)
    problems.push(`dataset '${dataset.name}' has ${dataset.classes} label class${dataset.classes === 1 ? '' : 'es'}: a classifier needs at least 2`);
  else if (dataset.classes > 2 && (request.loss === 'mse' || request.loss === 'mae')) {
    problems.push(
      `loss '${request.loss}' regresses one number, and '${dataset.name}' has a ${dataset.classes}-class label whose codes have no order: use cross_entropy`,
    );
  } else if (dataset.classes > 2 && request.loss === 'bce') {
    problems.push(`loss 'bce' (binary cross-entropy) needs a 2-class label, and '${dataset.name}' has ${dataset.classes} classes: use cross_entropy`);
  }
  return problems;
}

/** How the output layer and labels follow from the loss: one sigmoid unit for binary losses, else softmax. */
export function outputFor(loss: TfjsLoss, classes: number): { units: number; activation: 'sigmoid' | 'softmax'; oneHot: boolean } {
  if (loss === 'cross_entropy') return { units: classes, activation: 'softmax', oneHot: true };
  return { units: 1, activation: 'sigmoid', oneHot: false };
}
