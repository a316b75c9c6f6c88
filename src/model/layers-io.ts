// tfjs IOHandlers for a folder on disk, writing exactly what tfjs-node's file:// handler writes
// (model.json with a weightsManifest pointing at weights.bin), so a saved network loads with
// `tf.loadLayersModel(fileLoadHandler(dir))` here and with `tf.loadLayersModel('file://…/model.json')`
// wherever tfjs-node is installed. Writes go through writeFileAtomic; weights first, so a
// model.json never points at weights that are not there.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileError } from '../shared/errors.ts';
import { writeFileAtomic } from '../shared/fs.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSaveHandler: binary model topologies are not supported');
      }
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(artifacts.weightData);
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        const missing = (err as { code?: string }).code === 'ENOENT';
        throw fileError(jsonFile, missing ? 'is missing; the model folder is incomplete' : `is not valid JSON (${(err as Error).message})`);
      }
      if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
        throw fileError(jsonFile, 'has no modelTopology; not a tfjs layers model');
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const rel of group.paths) {
            const file = path.join(dir, rel);
            let bytes: Buffer;
            try {
              bytes = fs.readFileSync(file);
            } catch {
              throw fileError(file, `is missing (named in ${MODEL_JSON}); the model folder is incomplete`);
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const specs = tf.io.getWeightSpecs(manifest);
        const data = tf.io.concatenateArrayBuffers(buffers);
        const needed = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
        if (data.byteLength !== needed) {
          throw fileError(path.join(dir, WEIGHTS_BIN), `has ${data.byteLength} bytes but ${MODEL_JSON} describes ${needed}; the model folder is damaged`);
        }
        return [specs, data];
      });
    },
  };
}

export async function saveLayersToDir(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileSaveHandler(dir));
}

export async function loadLayersFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(dir));
}
