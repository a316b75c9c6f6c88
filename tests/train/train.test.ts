import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, type PcaModel, selectBackend } from '../../src/model/index.ts';
import { InterruptedError, UserError } from '../../src/shared/errors.ts';
import type { ModelSpec, TrainSpec } from '../../src/shared/spec-types.ts';
import { createMemoryTerminal, type Terminal } from '../../src/shared/terminal.ts';
import type { Dataset, EpochRecord, TrainableAutoencoder } from '../../src/shared/types.ts';
import { trainModel } from '../../src/train/index.ts';
import { deepSpec, mse, syntheticDataset, trainSpec } from '../model/fixtures.ts';

const data = syntheticDataset({ side: 8, nTrain: 256, nVal: 64 });

beforeAll(async () => {
  await selectBackend();
});

async function net(spec: ModelSpec = deepSpec(), seed = 1): Promise<TrainableAutoencoder> {
  return (await buildModel(spec, { inputDim: data.dim, seed })) as TrainableAutoencoder;
}

async function train(spec: Partial<TrainSpec> = {}, modelSpec: ModelSpec = deepSpec(), seed = 1, dataset: Dataset = data, extra: Partial<Parameters<typeof trainModel>[3]> = {}) {
  const model = await net(modelSpec, seed);
  const result = await trainModel(model, dataset, trainSpec(spec), { seed, ...extra });
  return { model, result };
}

describe('trainModel', () => {
  it('trains a 64-32-2 autoencoder: history per epoch, decreasing loss, sensible result fields', async () => {
    const { model, result } = await train({ epochs: 3 });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(result.epochs).toBe(3);
    expect(result.best_epoch).toBe(3);
    expect(result.stopped_early).toBe(false);
    expect(result.history[2]!.loss).toBeLessThan(result.history[0]!.loss);
    for (const h of result.history) {
      expect(h.val_loss).not.toBeNull();
      expect(h.seconds).toBeGreaterThan(0);
    }
    expect(result.samples_per_second).toBeGreaterThan(0);
    expect(result.train_seconds).toBeGreaterThan(0);
    // The reported validation loss is the MSE of the model's reconstructions of the validation split.
    const val = data.validation;
    expect(mse(model.reconstruct(val.images, val.count), val.images)).toBeCloseTo(result.history[2]!.val_loss!, 6);
    model.dispose();
  });

  it('repeats exactly: same spec and seed give the same loss history and weights', async () => {
    const a = await train({ epochs: 2 }, deepSpec(), 11);
    const b = await train({ epochs: 2 }, deepSpec(), 11);
    expect(b.result.history.map((h) => [h.loss, h.val_loss])).toEqual(a.result.history.map((h) => [h.loss, h.val_loss]));
    expect(b.model.reconstruct(data.test.images, data.test.count)).toEqual(a.model.reconstruct(data.test.images, data.test.count));
    const c = await train({ epochs: 2 }, deepSpec(), 12);
    expect(c.result.history[0]!.loss).not.toBe(a.result.history[0]!.loss);
    for (const r of [a, b, c]) r.model.dispose();
  });

  it('supports adam, sgd and rmsprop, and a batch larger than the training split', async () => {
    for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
      const { model, result } = await train({ optimizer, epochs: 1, batch_size: 10_000 });
      expect(Number.isFinite(result.history[0]!.loss)).toBe(true);
      model.dispose();
    }
  });

  it('stops on a NaN/Infinity loss with a UserError naming the epoch and batch and a lower learning rate', async () => {
    const exploding = deepSpec({ kind: 'linear', output_activation: 'linear' });
    const err = await train({ optimizer: 'sgd', learning_rate: 1e6, epochs: 2, batch_size: 16 }, exploding).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).toMatch(/train\.learning_rate/);
    expect(message).toMatch(/the loss became (NaN|Infinity) at epoch 1, batch \d+ of 16/);
    // A tenth of 1e6 would diverge just as surely: far above the usual range, suggest a usual rate.
    expect(message).toMatch(/Lower train\.learning_rate \(now 1000000\), e\.g\. to 0\.01 \(a usual rate for sgd\)/);
    // Batch 1's loss comes from the initial weights, so it is finite; the blow-up shows from batch 2 on.
    const bad = Number(/batch (\d+) of/.exec(message)![1]);
    expect(bad).toBeGreaterThan(1);
  });

  it('early stopping restores the best weights', async () => {
    const model = await net(deepSpec(), 5);
    const snapshots: Float32Array[] = [];
    const terminal = createMemoryTerminal();
    const result = await trainModel(model, data, trainSpec({ epochs: 6, early_stopping: { patience: 2, min_delta: 1e9 } }), {
      seed: 5,
      terminal,
      onEpoch: () => snapshots.push(model.reconstruct(data.validation.images, data.validation.count)),
    });
    // With min_delta that large only the first epoch counts as an improvement.
    expect(result.stopped_early).toBe(true);
    expect(result.epochs).toBe(3);
    expect(result.best_epoch).toBe(1);
    expect(snapshots[2]).not.toEqual(snapshots[0]);
    expect(model.reconstruct(data.validation.images, data.validation.count)).toEqual(snapshots[0]);
    expect(terminal.lines[2]).toMatch(/no improvement for 2 epochs; stopping$/);
    expect(terminal.lines.at(-1)).toMatch(/; stopped early; kept the best epoch, 1 \(val \d\.\d{6}\)$/);
    model.dispose();
  });

  it('early stopping keeps the best epoch when the run ends before patience runs out', async () => {
    const model = await net(deepSpec(), 6);
    const snapshots: Float32Array[] = [];
    const history: EpochRecord[] = [];
    const result = await trainModel(model, data, trainSpec({ epochs: 4, learning_rate: 0.01, early_stopping: { patience: 10, min_delta: 0 } }), {
      seed: 6,
      onEpoch: (rec) => {
        history.push(rec);
        snapshots.push(model.reconstruct(data.validation.images, data.validation.count));
      },
    });
    const best = history.reduce((b, h) => (h.val_loss! < b.val_loss! ? h : b));
    expect(result.best_epoch).toBe(best.epoch);
    expect(result.stopped_early).toBe(false);
    expect(model.reconstruct(data.validation.images, data.validation.count)).toEqual(snapshots[best.epoch - 1]);
    model.dispose();
  });

  it('refuses early stopping without a validation split, and bad settings, as UserErrors naming the field', async () => {
    const noVal = syntheticDataset({ nTrain: 64, nVal: 0 });
    const model = await net();
    await expect(trainModel(model, noVal, trainSpec({ early_stopping: { patience: 2, min_delta: 0 } }), { seed: 1 })).rejects.toThrow(
      /train\.early_stopping\.patience.*validation split is empty/,
    );
    await expect(trainModel(model, data, trainSpec({ batch_size: 0 }), { seed: 1 })).rejects.toThrow(/train\.batch_size/);
    await expect(trainModel(model, data, trainSpec({ learning_rate: -1 }), { seed: 1 })).rejects.toThrow(/train\.learning_rate/);
    // Without validation and without early stopping, training runs and reports no validation loss.
    const r = await trainModel(model, noVal, trainSpec({ epochs: 1 }), { seed: 1 });
    expect(r.history[0]!.val_loss).toBeNull();
    model.dispose();
  });

  it('leaks no tensors: the count is the same after every epoch and back to the start afterwards', async () => {
    const model = await net(deepSpec(), 2);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainModel(model, data, trainSpec({ epochs: 4, early_stopping: { patience: 3, min_delta: 0 } }), {
      seed: 2,
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);

    // Nor when training fails part-way.
    const exploding = await net(deepSpec({ kind: 'linear', output_activation: 'linear' }), 2);
    const start = tf.memory().numTensors;
    await expect(trainModel(exploding, data, trainSpec({ optimizer: 'sgd', learning_rate: 1e6 }), { seed: 2 })).rejects.toThrow(UserError);
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
    exploding.dispose();
  });

  it('stops with InterruptedError when the signal is aborted, between batches', async () => {
    const model = await net();
    const controller = new AbortController();
    const start = tf.memory().numTensors;
    const epochs: number[] = [];
    const err = await trainModel(model, data, trainSpec({ epochs: 5 }), {
      seed: 1,
      signal: controller.signal,
      onEpoch: (rec) => {
        epochs.push(rec.epoch);
        controller.abort('SIGTERM');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toBe('interrupted by SIGTERM');
    expect(epochs).toEqual([1]);
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
  });

  it('reports progress: one plain line per epoch off a terminal, a status bar on one, and pino epoch logs', async () => {
    const plain = createMemoryTerminal();
    const records: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) records.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const m1 = await net();
    await trainModel(m1, data, trainSpec({ epochs: 2 }), { seed: 1, terminal: plain, logger });
    expect(plain.lines).toHaveLength(3);
    expect(plain.lines[0]).toMatch(/^train: epoch 1\/2 {2}loss \d\.\d{6} {2}val_loss \d\.\d{6} .*samples\/s$/);
    expect(plain.lines[2]).toMatch(/^train: 2 epochs in .*samples\/s, final loss/);
    const epochLogs = records.filter((r) => r.event === 'epoch');
    expect(epochLogs).toHaveLength(2);
    expect(Object.keys(epochLogs[0]!)).toEqual(expect.arrayContaining(['epoch', 'loss', 'val_loss', 'seconds', 'samples_per_second']));

    const statuses: string[] = [];
    const lines: string[] = [];
    let cleared = 0;
    const tty: Terminal = { isTTY: true, line: (t) => void lines.push(t), status: (t) => void statuses.push(t), clearStatus: () => void cleared++ };
    const m2 = await net();
    await trainModel(m2, data, trainSpec({ epochs: 2, batch_size: 64 }), { seed: 1, terminal: tty });
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses.at(-1)).toMatch(/^train: epoch 2\/2 · batch 4\/4 · loss \d\.\d+ · val \d\.\d+ · [\d,]+ samples\/s · ETA /);
    expect(cleared).toBeGreaterThanOrEqual(1);
    expect(lines).toHaveLength(1);
    m1.dispose();
    m2.dispose();
  });

  it('a trained linear autoencoder never beats PCA of the same latent size on training MSE', async () => {
    const small = syntheticDataset({ side: 4, nTrain: 200, nVal: 0, seed: 3 });
    const latent = 2;
    const pca = (await buildModel({ ...deepSpec(), kind: 'pca', latent }, { inputDim: small.dim, seed: 1, train: small.train })) as PcaModel;
    const pcaMse = mse(pca.reconstruct(small.train.images, small.train.count), small.train.images);
    for (const seed of [1, 2]) {
      const linear = (await buildModel(deepSpec({ kind: 'linear', latent, output_activation: 'linear' }), { inputDim: small.dim, seed })) as TrainableAutoencoder;
      await trainModel(linear, small, trainSpec({ epochs: 30, batch_size: 20, learning_rate: 0.05 }), { seed });
      const linearMse = mse(linear.reconstruct(small.train.images, small.train.count), small.train.images);
      expect(linearMse).toBeGreaterThanOrEqual(pcaMse * (1 - 1e-5));
      // …and it does learn, so the comparison means something: close to the optimum.
      expect(linearMse).toBeLessThan(1.25 * pcaMse);
      linear.dispose();
    }
    pca.dispose();
  });
});

describe('trainModel checkpoints', () => {
  it('checkpoints every N-th epoch and the last; resuming from one (through its bytes) gives the uninterrupted history, weights and early stopping', async () => {
    const { decodeCheckpoint, encodeCheckpoint } = await import('../../src/train/index.ts');
    const settings = { epochs: 5, checkpoint_every: 2, early_stopping: { patience: 3, min_delta: 0.02 } };
    const modelSpec = deepSpec({ dropout: 0.25 });
    const saved: Uint8Array[] = [];
    const straight = await train(settings, modelSpec, 3, data, {
      checkpoint: { every: 2, save: (c) => void saved.push(encodeCheckpoint({ ...c, meta: { note: 'test' } })) },
    });
    const checkpoints = saved.map((bytes) => decodeCheckpoint(bytes));
    // min_delta 0.02 makes epoch 1 the best and stops at epoch 4: the epoch-2 checkpoint carries
    // older best weights and a patience count, and the stop (the last epoch) is checkpointed too.
    expect([straight.result.best_epoch, straight.result.epochs, straight.result.stopped_early]).toEqual([1, 4, true]);
    expect(checkpoints.map((c) => c.epoch)).toEqual([2, 4]);
    expect(checkpoints[0]!.early_stopping).toMatchObject({ best_epoch: 1, since_improvement: 1 });
    expect(checkpoints[0]!.early_stopping.best_weights).not.toBeNull();
    expect(checkpoints[0]!.meta).toEqual({ note: 'test' });

    const resumedModel = await net(modelSpec, 3);
    const resumed = await trainModel(resumedModel, data, trainSpec(settings), { seed: 3, resume: checkpoints[0]! });
    const losses = (r: { history: EpochRecord[] }) => r.history.map((h) => [h.epoch, h.loss, h.val_loss, h.learning_rate]);
    expect(losses(resumed)).toEqual(losses(straight.result));
    expect([resumed.best_epoch, resumed.stopped_early]).toEqual([straight.result.best_epoch, straight.result.stopped_early]);
    expect(resumedModel.reconstruct(data.test.images, data.test.count)).toEqual(straight.model.reconstruct(data.test.images, data.test.count));

    // Bytes that are not a whole checkpoint are refused with a reason.
    expect(() => decodeCheckpoint(saved[0]!.subarray(0, saved[0]!.length - 4))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(new Uint8Array(16))).toThrow(/not an aelab training checkpoint/);
    // A checkpoint of another model is refused before anything is trained.
    const other = await net(deepSpec({ encoder: [16] }), 3);
    await expect(trainModel(other, data, trainSpec(settings), { seed: 3, resume: checkpoints[0]! })).rejects.toThrow(/do not fit this model/);
    for (const m of [straight.model, resumedModel, other]) m.dispose();
  });
});
