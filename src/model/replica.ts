// How a data-parallel training worker thread (src/train/parallel) rebuilds the run's model: a
// worker is a fresh JavaScript realm, so it selects the same backend the run did (wasm, with
// aelab's fast matmul unless AELAB_WASM_FAST_MATMUL=0) and builds the model from the same spec,
// input size and seed; the run's current weights then overwrite the fresh ones. The pipeline hands
// this module's URL to the training stage, which imports it inside the worker (train/ does not
// import model/ itself).
import type { ModelSpec } from '../shared/spec-types.ts';
import { isTrainable, type TrainableAutoencoder } from '../shared/types.ts';
import { selectBackend } from './backend.ts';
import { buildModel } from './registry.ts';

/** This module, for the recipe's `builder`. */
export const replicaBuilderUrl: string = import.meta.url;

export async function buildReplica(recipe: { model: ModelSpec; inputDim: number; seed: number }): Promise<TrainableAutoencoder> {
  await selectBackend('wasm');
  const model = await buildModel(recipe.model, { inputDim: recipe.inputDim, seed: recipe.seed });
  if (!isTrainable(model)) {
    model.dispose();
    throw new Error(`model kind ${recipe.model.kind} is not trainable`);
  }
  return model;
}
