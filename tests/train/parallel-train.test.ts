// trainModel on two threads (opts.parallel) against one: the same losses, early stopping, NaN
// guard and Ctrl-C, and no tensor or thread left behind, also when a worker crashes.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, replicaBuilderUrl, selectBackend } from '../../src/model/index.ts';
import { InterruptedError, UserError } from '../../src/shared/errors.ts';
import type { ModelSpec, TrainSpec } from '../../src/shared/spec-types.ts';
import type { TrainableAutoencoder } from '../../src/shared/types.ts';
import { trainModel, type TrainOptions } from '../../src/train/index.ts';
import { deepSpec, syntheticDataset, trainSpec } from '../model/fixtures.ts';

const data = syntheticDataset({ side: 8, nTrain: 256, nVal: 64 });

beforeAll(async () => {
  await selectBackend('wasm');
});

/** OS threads of this process (Linux): a worker thread that outlives training shows here. */
function osThreads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
}

async function run(threads: number, spec: Partial<TrainSpec>, modelSpec: ModelSpec = deepSpec(), seed = 5, extra: Partial<TrainOptions> = {}) {
  const model = (await buildModel(modelSpec, { inputDim: data.dim, seed })) as TrainableAutoencoder;
  const parallel = threads > 1 ? { parallel: { threads, recipe: { builder: replicaBuilderUrl, model: modelSpec, inputDim: data.dim, seed } } } : {};
  try {
    const result = await trainModel(model, data, trainSpec(spec), { seed, ...parallel, ...extra });
    const weights = model.network.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
    return { result, weights };
  } finally {
    model.dispose();
  }
}

function relativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < x.length; j++) {
      diff += (x[j]! - b[i]![j]!) ** 2;
      norm += b[i]![j]! ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff / norm));
  });
  return worst;
}

describe('trainModel on two threads', () => {
  it('follows one thread: losses, early stopping and the restored best weights, to float32 rounding; leaves no tensor or thread', async () => {
    const threadsBefore = osThreads();
    const tensorsBefore = tf.memory().numTensors;
    // min_delta that large: only epoch 1 improves, so both stop after epoch 3 and restore epoch 1.
    const stopping: Partial<TrainSpec> = { epochs: 6, early_stopping: { patience: 2, min_delta: 1e9 } };
    const one = await run(1, stopping);
    const two = await run(2, stopping);
    expect(two.result.stopped_early).toBe(true);
    expect(two.result.epochs).toBe(one.result.epochs);
    expect(two.result.best_epoch).toBe(one.result.best_epoch);
    two.result.history.forEach((h, i) => {
      const o = one.result.history[i]!;
      expect(Math.abs(h.loss - o.loss)).toBeLessThan(1e-4 * o.loss);
      expect(Math.abs(h.val_loss! - o.val_loss!)).toBeLessThan(1e-4 * o.val_loss!);
    });
    expect(relativeDifference(two.weights, one.weights)).toBeLessThan(1e-4);

    expect(two.result.history[2]!.loss).toBeLessThan(two.result.history[0]!.loss);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(osThreads()).toBe(threadsBefore);
  });

  it('stops on a diverging loss with the same message as one thread', async () => {
    const exploding = deepSpec({ kind: 'linear', output_activation: 'linear' });
    const settings: Partial<TrainSpec> = { optimizer: 'sgd', learning_rate: 1e6, epochs: 2, batch_size: 16 };
    const message = async (threads: number) => {
      const err = await run(threads, settings, exploding, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      return (err as Error).message;
    };
    const one = await message(1);
    expect(one).toMatch(/the loss became (NaN|Infinity) at epoch 1, batch \d+ of 16/);
    expect(await message(2)).toBe(one);
  });

  it('stops with InterruptedError on Ctrl-C and ends its threads', async () => {
    const threadsBefore = osThreads();
    const tensorsBefore = tf.memory().numTensors;
    const controller = new AbortController();
    const epochs: number[] = [];
    const err = await run(2, { epochs: 5 }, deepSpec(), 5, {
      signal: controller.signal,
      onEpoch: (rec) => {
        epochs.push(rec.epoch);
        controller.abort('SIGINT');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(epochs).toEqual([1]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(osThreads()).toBe(threadsBefore);
  });

  it('fails with the error of a worker that crashes, and leaves nothing running', async () => {
    const threadsBefore = osThreads();
    const tensorsBefore = tf.memory().numTensors;
    const modelSpec = deepSpec();
    const model = (await buildModel(modelSpec, { inputDim: data.dim, seed: 5 })) as TrainableAutoencoder;
    const parallel = { threads: 2, recipe: { builder: replicaBuilderUrl, model: modelSpec, inputDim: data.dim, seed: 5 }, faults: { throwAtStep: 12 } };
    await expect(trainModel(model, data, trainSpec({ epochs: 3 }), { seed: 5, parallel })).rejects.toThrow(/worker thread 1 failed: injected fault at step 12/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(osThreads()).toBe(threadsBefore);
  });
});
