// Data-parallel training (src/train/parallel): N threads against the single-thread tfjs step on a
// small model, determinism, failures of a worker thread, and leaks of tensors and threads.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, replicaBuilderUrl, selectBackend } from '../../src/model/index.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import type { TrainableAutoencoder } from '../../src/shared/types.ts';
import { DataParallelTrainer, type FaultInjection, type ShardOptimizerKind } from '../../src/train/parallel/index.ts';
import { deepSpec, syntheticImages } from '../model/fixtures.ts';

const DIM = 64;
const BATCH = 32;
const SPEC: ModelSpec = deepSpec({ encoder: [48, 24], latent: 3 });
const SEED = 5;
const LEARNING_RATE = { adam: 0.01, sgd: 0.1, rmsprop: 0.003 } as const;
const images = syntheticImages(8 * BATCH, DIM, 3);
/** Batch b: a fixed cycle of 8 different batches. */
const batchAt = (b: number) => images.subarray((b % 8) * BATCH * DIM, ((b % 8) + 1) * BATCH * DIM);

beforeAll(async () => {
  await selectBackend('wasm');
});

const open: DataParallelTrainer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

async function model(): Promise<TrainableAutoencoder> {
  return (await buildModel(SPEC, { inputDim: DIM, seed: SEED })) as TrainableAutoencoder;
}

function weights(m: TrainableAutoencoder): Float32Array[] {
  return m.network.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
}

/** `steps` steps of the single-thread step that src/train/index.ts takes. */
async function trainSingle(optimizerKind: ShardOptimizerKind, steps: number): Promise<{ weights: Float32Array[]; losses: number[] }> {
  const m = await model();
  const lr = LEARNING_RATE[optimizerKind];
  const optimizer = optimizerKind === 'adam' ? tf.train.adam(lr) : optimizerKind === 'sgd' ? tf.train.sgd(lr) : tf.train.rmsprop(lr);
  const variables = m.network.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let b = 0; b < steps; b++) {
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batchAt(b), [BATCH, DIM]);
      return optimizer.minimize(() => tf.mean(tf.squaredDifference(m.network.apply(x, { training: true }) as tf.Tensor, x)) as tf.Scalar, true, variables)!;
    });
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  const w = weights(m);
  optimizer.dispose();
  m.dispose();
  return { weights: w, losses };
}

async function startTrainer(m: TrainableAutoencoder, threads: number, optimizer: ShardOptimizerKind = 'adam', faults?: FaultInjection): Promise<DataParallelTrainer> {
  const trainer = await DataParallelTrainer.start({
    threads,
    model: m,
    recipe: { builder: replicaBuilderUrl, model: SPEC, inputDim: DIM, seed: SEED },
    optimizer,
    learningRate: LEARNING_RATE[optimizer],
    maxRows: BATCH,
    dim: DIM,
    ...(faults ? { faults } : {}),
  });
  open.push(trainer);
  return trainer;
}

async function trainParallel(threads: number, optimizer: ShardOptimizerKind, steps: number, rows = BATCH): Promise<{ weights: Float32Array[]; losses: number[] }> {
  const m = await model();
  const trainer = await startTrainer(m, threads, optimizer);
  const losses: number[] = [];
  losses.push(await trainer.step(batchAt(0), rows));
  // No tensor of this thread outlives a step.
  const tensors = tf.memory().numTensors;
  for (let b = 1; b < steps; b++) losses.push(await trainer.step(batchAt(b), rows));
  expect(tf.memory().numTensors).toBe(tensors);
  expect(trainer.threadIds.length).toBe(threads - 1);
  await trainer.dispose();
  expect(trainer.running).toBe(0);
  const w = weights(m);
  m.dispose();
  return { weights: w, losses };
}

/** ‖a − b‖ / ‖b‖ per variable, the largest. */
function relativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < x.length; j++) {
      diff += (x[j]! - y[j]!) ** 2;
      norm += y[j]! ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12));
  });
  return worst;
}

describe('DataParallelTrainer', () => {
  for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
    it(`50 ${optimizer} steps on 2 threads equal the single-thread step to float32 rounding`, async () => {
      const single = await trainSingle(optimizer, 50);
      const parallel = await trainParallel(2, optimizer, 50);
      // The weights moved (so the comparison means something) …
      const initial = await model();
      expect(relativeDifference(single.weights, weights(initial))).toBeGreaterThan(1e-2);
      initial.dispose();
      // … and the two runs moved them the same way.
      expect(relativeDifference(parallel.weights, single.weights)).toBeLessThan(1e-4);
      parallel.losses.forEach((loss, i) => expect(Math.abs(loss - single.losses[i]!)).toBeLessThan(1e-4 * single.losses[i]!));
      if (optimizer === 'adam') {
        // Deterministic for a given thread count: a second run repeats the first bit for bit.
        const again = await trainParallel(2, optimizer, 50);
        expect(again.losses).toEqual(parallel.losses);
        again.weights.forEach((w, i) => expect(w).toEqual(parallel.weights[i]));
      }
    });
  }

  it('three threads agree as well, and a batch smaller than the thread count still trains', async () => {
    const single = await trainSingle('adam', 20);
    const m = await model();
    const trainer = await startTrainer(m, 3);
    for (let b = 0; b < 20; b++) await trainer.step(batchAt(b), BATCH);
    expect(relativeDifference(weights(m), single.weights)).toBeLessThan(1e-4);
    for (let b = 20; b < 23; b++) expect(Number.isFinite(await trainer.step(batchAt(b), 2))).toBe(true);
    await trainer.dispose();
    expect(trainer.running).toBe(0);
    m.dispose();
  });

  for (const optimizer of ['adam', 'rmsprop'] as const) {
    it(`${optimizer}: a run restored from its weights and optimizer state continues exactly as the uninterrupted one`, async () => {
      // Uninterrupted: 30 steps, with the state taken after 20 (a checkpoint).
      const m = await model();
      const trainer = await startTrainer(m, 2, optimizer);
      for (let b = 0; b < 20; b++) await trainer.step(batchAt(b), BATCH);
      const state = trainer.optimizerState();
      const checkpointWeights = weights(m);
      expect(state.steps).toBe(20);
      expect(state.moments.length).toBe(optimizer === 'adam' ? 2 : 1);
      const losses: number[] = [];
      for (let b = 20; b < 30; b++) losses.push(await trainer.step(batchAt(b), BATCH));
      const uninterrupted = weights(m);
      await trainer.dispose();
      m.dispose();

      // Resumed: a fresh model (different weights until restored) and fresh worker threads.
      const resumed = await model();
      const again = await startTrainer(resumed, 2, optimizer);
      await again.step(batchAt(7), BATCH); // the fresh trainer's own state, overwritten below
      resumed.network.trainableWeights.forEach((w, i) => (w.read() as tf.Variable).assign(tf.tensor(checkpointWeights[i]!, w.shape as number[])));
      again.restore(state);
      const resumedLosses: number[] = [];
      for (let b = 20; b < 30; b++) resumedLosses.push(await again.step(batchAt(b), BATCH));
      expect(resumedLosses).toEqual(losses);
      weights(resumed).forEach((w, i) => expect(w).toEqual(uninterrupted[i]));
      await again.dispose();
      resumed.dispose();
    });
  }

  it('a worker that throws fails the step with its error instead of hanging', async () => {
    const m = await model();
    const trainer = await startTrainer(m, 2, 'adam', { throwAtStep: 3 });
    await trainer.step(batchAt(0), BATCH);
    await trainer.step(batchAt(1), BATCH);
    await expect(trainer.step(batchAt(2), BATCH)).rejects.toThrow(/worker thread 1 failed: injected fault at step 3/);
    await expect(trainer.step(batchAt(3), BATCH)).rejects.toThrow(/injected fault/);
    await trainer.dispose();
    expect(trainer.running).toBe(0);
    await expect(trainer.step(batchAt(0), BATCH)).rejects.toThrow(/injected fault/);
    m.dispose();
  });

  it('a worker thread that exits fails the step and says so', async () => {
    const m = await model();
    const trainer = await startTrainer(m, 2, 'adam', { exitAtStep: 2 });
    await trainer.step(batchAt(0), BATCH);
    await expect(trainer.step(batchAt(1), BATCH)).rejects.toThrow(/worker thread 1 exited unexpectedly \(exit code 3\)/);
    await trainer.dispose();
    m.dispose();
  });

  it('a worker that cannot build the model fails start() with its error', async () => {
    const m = await model();
    await expect(
      DataParallelTrainer.start({
        threads: 2,
        model: m,
        recipe: { builder: replicaBuilderUrl, model: { ...SPEC, encoder: [7] }, inputDim: DIM, seed: SEED },
        optimizer: 'adam',
        learningRate: 0.01,
        maxRows: BATCH,
        dim: DIM,
      }),
    ).rejects.toThrow(/worker thread 1 failed: the worker's model has parameter shapes/);
    m.dispose();
  });
});
