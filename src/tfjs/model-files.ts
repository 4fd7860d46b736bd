import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel, io } from '@tensorflow/tfjs';
import type { Tf } from './engine.js';

/**
 * Saves a model as TF.js's standard layers-model files (model.json + weights.bin), which
 * `tf.loadLayersModel('file://…/model.json')` (tfjs-node) or any IO handler reads back. Pure tfjs has no
 * file:// handler, so this writes the files itself; the directory is replaced whole (temp + rename).
 */
export async function saveModelToDir(tf: Tf, model: LayersModel, dir: string, extra: Record<string, unknown> = {}): Promise<void> {
  const temp = `${dir}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts: io.ModelArtifacts) => {
      const data = artifacts.weightData;
      const weights = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data ?? new ArrayBuffer(0));
      await writeFile(join(temp, 'weights.bin'), new Uint8Array(weights));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: extra,
      };
      await writeFile(join(temp, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(temp, dir);
}

/** Loads what saveModelToDir wrote (or any layers-model directory with one weights file). */
export async function loadModelFromDir(tf: Tf, dir: string): Promise<LayersModel> {
  return tf.loadLayersModel(dirLoader(dir));
}

export function dirLoader(dir: string): io.IOHandler {
  return {
    async load() {
      const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      const buffers = await Promise.all(
        (modelJson.weightsManifest as { paths: string[] }[])
          .flatMap((group) => group.paths)
          .map(async (path) => {
            const bytes = await readFile(join(dir, path));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
          }),
      );
      return {
        modelTopology: modelJson.modelTopology,
        weightSpecs: (modelJson.weightsManifest as { weights: io.WeightsManifestEntry[] }[]).flatMap((group) => group.weights),
        weightData: buffers.length === 1 ? buffers[0] : buffers,
        trainingConfig: modelJson.trainingConfig,
      };
    },
  };
}
