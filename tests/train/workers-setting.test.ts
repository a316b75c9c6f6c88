// train.workers → threads: auto follows the cores and the sweep's jobs, and stays at 1 where
// threads cannot help; explicit requests that cannot be honoured are user errors naming why.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/shared/errors.ts';
import { MIN_PARALLEL_WORK, resolveWorkers, type WorkersRequestContext } from '../../src/train/parallel/workers-setting.ts';

const LECTURE: WorkersRequestContext = { requested: 'auto', backend: 'wasm', cores: 2, jobs: 1, unsupported: null, params: 1_087_086, batchSize: 256 };
const at = (over: Partial<WorkersRequestContext>) => resolveWorkers({ ...LECTURE, ...over });

describe('resolveWorkers', () => {
  it('auto: every core for a single wasm run of the lecture model', () => {
    expect(at({})).toEqual({ requested: 'auto', workers: 2, reason: 'auto: 2 of 2 cores' });
    expect(at({ cores: 8 }).workers).toBe(8);
  });

  it('auto: the cores divided among a sweep\'s jobs, so jobs × workers never exceeds them', () => {
    expect(at({ jobs: 2 })).toMatchObject({ workers: 1, reason: '2 jobs share 2 cores' });
    expect(at({ cores: 8, jobs: 3 }).workers).toBe(2);
    for (const jobs of [1, 2, 3, 4, 5]) for (const cores of [1, 2, 4, 6]) expect(at({ cores, jobs }).workers * Math.min(jobs, cores)).toBeLessThanOrEqual(cores);
  });

  it('auto: one thread on tfjs-node (it already uses every core) and on the cpu backend, with the reason', () => {
    expect(at({ backend: 'tensorflow' })).toMatchObject({ workers: 1, reason: expect.stringMatching(/tfjs-node .* already uses every core/) });
    expect(at({ backend: 'cpu' })).toMatchObject({ workers: 1, reason: expect.stringMatching(/needs the wasm backend/) });
  });

  it('auto: one thread for what a worker cannot replicate and for steps too small to gain', () => {
    expect(at({ unsupported: "model kind 'vae' samples noise per batch" })).toMatchObject({ workers: 1, reason: "model kind 'vae' samples noise per batch" });
    expect(at({ params: 4000, batchSize: 32 })).toMatchObject({ workers: 1, reason: expect.stringMatching(/too small to gain from threads/) });
    expect(at({ params: Math.ceil(MIN_PARALLEL_WORK / 256), batchSize: 256 }).workers).toBe(2);
    // The lecture model (1,087,586 parameters) gains from batch 64 up; a 784-32-2 toy model does not.
    expect(at({ params: 1_087_586, batchSize: 64 }).workers).toBe(2);
    expect(at({ params: 1_087_586, batchSize: 32 }).workers).toBe(1);
    expect(at({ params: 52_082, batchSize: 1024 }).workers).toBe(1);
  });

  it('an explicit count is honoured, or refused naming train.workers and why', () => {
    expect(at({ requested: 1 })).toMatchObject({ workers: 1 });
    expect(at({ requested: 3 })).toMatchObject({ workers: 3, reason: 'train.workers is 3' });
    expect(at({ requested: 2, params: 10, batchSize: 8 }).workers).toBe(2);
    const refused = (over: Partial<WorkersRequestContext>) => {
      try {
        at(over);
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as UserError).message;
      }
      throw new Error('expected a UserError');
    };
    expect(refused({ requested: 2, backend: 'tensorflow' })).toMatch(/train\.workers.*2 workers are not possible here: tfjs-node/);
    expect(refused({ requested: 2, unsupported: 'optimizer lamb has no data-parallel update' })).toMatch(/optimizer lamb/);
    expect(refused({ requested: 4, batchSize: 3 })).toMatch(/a batch of 3 cannot be split into 4 slices/);
    expect(refused({ requested: 0 })).toMatch(/must be 'auto' or a positive integer/);
    expect(refused({ requested: 1.5 as number })).toMatch(/positive integer/);
  });
});

describe('dataParallelBlocker', () => {
  it('lets the kinds that declare it train on threads with the optimizers that have a shard update', async () => {
    const { dataParallelBlocker } = await import('../../src/train/parallel/workers-setting.ts');
    const { modelKindRegistry } = await import('../../src/kinds/model/registry.ts');
    const { trainSpec, deepSpec } = await import('../model/fixtures.ts');
    const spec = (train: Record<string, unknown> = {}, model: Record<string, unknown> = {}) => ({ train: trainSpec(train), model: deepSpec(model) });
    expect(dataParallelBlocker(modelKindRegistry.deep, spec())).toBeNull();
    expect(dataParallelBlocker(modelKindRegistry.linear, spec({ optimizer: 'rmsprop', lr_schedule: { kind: 'cosine' }, warmup_epochs: 2 }))).toBeNull();
    expect(dataParallelBlocker(modelKindRegistry.pca, spec())).toMatch(/not trained by gradient descent/);
    expect(dataParallelBlocker({ ...modelKindRegistry.deep, dataParallel: undefined } as never, spec())).toMatch(/does not declare that several threads train it exactly/);
    expect(dataParallelBlocker(modelKindRegistry.deep, spec({ optimizer: 'adamw' }))).toMatch(/optimizer adamw has no data-parallel update \(adam, sgd, rmsprop do\)/);
    expect(dataParallelBlocker(modelKindRegistry.deep, spec({ weight_decay: 1e-4 }))).toMatch(/weight_decay/);
    expect(dataParallelBlocker(modelKindRegistry.deep, spec({ gradient_clip: 1 }))).toMatch(/gradient_clip/);
    expect(dataParallelBlocker(modelKindRegistry.deep, spec({}, { dropout: 0.2 }))).toMatch(/dropout/);
    expect(dataParallelBlocker(modelKindRegistry.deep, spec({}, { batch_norm: true }))).toMatch(/batch_norm/);
  });
});
