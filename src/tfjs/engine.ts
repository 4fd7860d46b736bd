import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as TfModule from '@tensorflow/tfjs';
import { TRAINING_ENGINES, resolveEnginePackage, type TrainingEngineName } from '../monitor/training-engines.js';
import { registerWasmConv2dFilterGradient } from './wasm-conv-gradient.js';

export type Tf = typeof TfModule;

export interface LoadedEngine {
  name: TrainingEngineName;
  tf: Tf;
  /** What was tried before it and why it was not used. */
  notes: string[];
}

const require = createRequire(import.meta.url);

/**
 * Loads the best engine that works here, best first: tfjs-node-gpu, tfjs-node, wasm, cpu. The native
 * ones are installed only on request (`trainer engines install`, which downloads libtensorflow): each
 * is tried and skipped with a note. `needsConvGradients`: wasm lacks Conv2DBackpropFilter, which
 * wasm-conv-gradient.ts supplies; should that fail, a convolutional model takes cpu instead.
 */
export async function loadEngine(options: { requested: string; needsConvGradients: boolean }): Promise<LoadedEngine> {
  const notes: string[] = [];
  const candidates = options.requested === 'auto' ? TRAINING_ENGINES.map((engine) => engine.name) : [options.requested as TrainingEngineName];
  for (const name of candidates) {
    try {
      const tf = await load(name);
      if (name === 'wasm' && options.needsConvGradients) {
        try {
          registerWasmConv2dFilterGradient(tf);
        } catch (error) {
          notes.push(`wasm skipped: it has no Conv2DBackpropFilter kernel (${(error as Error).message}), so convolutions cannot train on it`);
          if (options.requested !== 'auto') candidates.push('cpu');
          continue;
        }
        notes.push('wasm: convolution filter gradients through its Conv3DBackpropFilterV2 kernel (wasm has no Conv2DBackpropFilter)');
      }
      return { name, tf, notes };
    } catch (error) {
      notes.push(`${name} unavailable: ${firstLine((error as Error).message)}`);
    }
  }
  if (!candidates.includes('cpu')) return { name: 'cpu', tf: await load('cpu'), notes };
  throw new Error(`no TF.js engine could load: ${notes.join('; ')}`);
}

async function load(name: TrainingEngineName): Promise<Tf> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // installed apart from the trainer (`trainer engines install`): resolved, not a static import
      const specifier = name === 'tfjs-node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      const tf = (await import(pathToFileURL(resolveEnginePackage(specifier)).href)) as Tf;
      await tf.ready();
      return tf;
    }
    case 'wasm': {
      const tf = await import('@tensorflow/tfjs');
      tf.enableProdMode(); // also silences the "install tfjs-node" banner: the engine notes already say it
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
      await tf.ready();
      return tf;
    }
    case 'cpu': {
      const tf = await import('@tensorflow/tfjs');
      tf.enableProdMode();
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialize');
      await tf.ready();
      return tf;
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}
