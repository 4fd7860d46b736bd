import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TF.js engines, best first; the trainer uses the first one that loads. */
export const TRAINING_ENGINES = [
  { name: 'tfjs-node-gpu', package: '@tensorflow/tfjs-node-gpu', kind: 'native', description: 'libtensorflow with CUDA: the GPU' },
  { name: 'tfjs-node', package: '@tensorflow/tfjs-node', kind: 'native', description: 'libtensorflow on the CPU' },
  {
    name: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    kind: 'wasm',
    description: 'WebAssembly with SIMD (convolution filter gradients supplied by trainer)',
  },
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
 * Where `trainer engines install` puts the native engines: an npm prefix of their own, so that the
 * trainer's own install (`npm install`, `npm ci`) neither downloads libtensorflow nor prunes them.
 * `TRAINER_ENGINES_DIR`, else `engines/` in the trainer's directory.
 */
export function enginesDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TRAINER_ENGINES_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '../../../engines'));
}

/**
 * Where an engine's package resolves: the engines directory first, then the trainer's own
 * node_modules (where `npm install @tensorflow/tfjs-node-gpu` in the trainer's directory puts it).
 * Throws like require.resolve when it is in neither.
 */
export function resolveEnginePackage(specifier: string): string {
  try {
    return createRequire(join(enginesDir(), 'package.json')).resolve(specifier);
  } catch {
    return require.resolve(specifier);
  }
}

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
    manifest = resolveEnginePackage(`${packageName}/package.json`);
  } catch {
    return `${packageName} is not installed`;
  }
  if (kind !== 'native') return null;
  const lib = join(dirname(manifest), 'lib');
  const hasBinding = existsSync(lib) && readdirSync(lib).some((entry) => entry.startsWith('napi-v') && existsSync(join(lib, entry, 'tfjs_binding.node')));
  return hasBinding ? null : `${packageName} is installed without its native binding (libtensorflow was not downloaded)`;
}
