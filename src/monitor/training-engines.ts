import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The TF.js engines, best first; the trainer uses the first one that loads. */
export const TRAINING_ENGINES = [
  { name: 'tfjs-node-gpu', package: '@tensorflow/tfjs-node-gpu', kind: 'native', description: 'libtensorflow with CUDA: the GPU' },
  { name: 'tfjs-node', package: '@tensorflow/tfjs-node', kind: 'native', description: 'libtensorflow on the CPU' },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', kind: 'wasm', description: 'WebAssembly with SIMD (convolution filter gradients supplied by trainer)' },
  { name: 'cpu', package: '@tensorflow/tfjs', kind: 'js', description: 'plain JavaScript: slowest, always there' },
] as const;
export type TrainingEngineName = (typeof TRAINING_ENGINES)[number]['name'];

export interface EngineAvailability {
  name: TrainingEngineName;
  package: string;
  available: boolean;
  description: string;
  /** Why it is not available. */
  reason: string | null;
}

const require = createRequire(import.meta.url);

/**
 * Which engines this installation has, without loading them (loading libtensorflow costs seconds and
 * hundreds of MB): a package is there, and a native one has its compiled binding.
 */
export function trainingEngines(): EngineAvailability[] {
  return TRAINING_ENGINES.map((engine) => {
    const reason = missingReason(engine.package, engine.kind);
    return { name: engine.name, package: engine.package, available: reason === null, description: engine.description, reason };
  });
}

function missingReason(packageName: string, kind: string): string | null {
  let manifest: string;
  try {
    manifest = require.resolve(`${packageName}/package.json`);
  } catch {
    return `${packageName} is not installed`;
  }
  if (kind !== 'native') return null;
  const lib = join(dirname(manifest), 'lib');
  const hasBinding = existsSync(lib) && readdirSync(lib).some((entry) => entry.startsWith('napi-v') && existsSync(join(lib, entry, 'tfjs_binding.node')));
  return hasBinding ? null : `${packageName} is installed without its native binding (libtensorflow was not downloaded)`;
}
