// Data-parallel training on several cores: this thread and `threads − 1` worker threads each hold
// a copy of the network (each worker its own wasm backend, with aelab's fast matmul) and compute
// the gradient of their slice of every batch; the gradients meet in shared memory, and each
// thread sums them in a fixed order for its own range of the parameters and applies the
// optimizer there (ZeRO-style), so every parameter is updated exactly once per step and a run is
// deterministic for a given seed and thread count. Per step:
//
//   main: writes the batch ─┐ start ┌─ gradient of its slice ─┐ gradients ┌─ update its range ─┐ updated ┌─ load params
//   worker:  (waiting) ─────┘       └─ gradient of its slice ─┘           └─ update its range ─┘         └─ load params
//
// The main thread waits with Atomics.waitAsync, so its event loop keeps turning: a worker that
// throws or exits fails the step with that worker's error instead of hanging it.
import { Worker } from 'node:worker_threads';
import type { TrainableAutoencoder } from '../../shared/types.ts';
import { BARRIER_INTS, SharedBarrier } from './barrier.ts';
import {
  allocateBuffers,
  BARRIER_GRADIENTS,
  BARRIER_START,
  BARRIER_UPDATED,
  EPOCH,
  LEARNING_RATE,
  LOSSES,
  PARAMS_VERSION,
  ROWS,
  STATE,
  STATE_STOPPING,
  STEP,
  gradientMsSlot,
  sharedViews,
  updateMsSlot,
  type FaultInjection,
  type ReplicaRecipe,
  type SharedViews,
  type WorkerInit,
  type WorkerReply,
} from './protocol.ts';
import { Replica } from './replica.ts';
import { createShardOptimizer, parameterRange, partRange, SHARD_MOMENTS, type ShardOptimizer, type ShardOptimizerKind } from './shard-optimizer.ts';

export { dataParallelBlocker, resolveWorkers, type WorkersDecision, type WorkersRequest, type WorkersRequestContext } from './workers-setting.ts';
export type { ReplicaRecipe, FaultInjection } from './protocol.ts';
export { shardOptimizerKinds, type ShardOptimizerKind } from './shard-optimizer.ts';

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface DataParallelOptions {
  /** Threads in all, this one included (≥ 2). */
  threads: number;
  /** The run's model: this thread's replica (the workers build theirs from `recipe`). */
  model: TrainableAutoencoder;
  recipe: ReplicaRecipe;
  optimizer: ShardOptimizerKind;
  learningRate: number;
  /** Largest batch (rows) a step will get. */
  maxRows: number;
  dim: number;
  faults?: FaultInjection;
}

export interface DataParallelOptimizerState {
  optimizer: ShardOptimizerKind;
  /** Optimizer steps taken. */
  steps: number;
  /** The optimizer's moment vectors over the flat parameter vector, in SHARD_MOMENTS order. */
  moments: Float32Array[];
}

export interface PhaseTimings {
  steps: number;
  wait_start: number;
  gradient: number;
  wait_gradients: number;
  update: number;
  wait_updated: number;
  load: number;
  /** The worker threads' gradient and update, summed over them (÷ threads − 1 for a mean). */
  worker_gradient: number;
  worker_update: number;
}

/** One optimizer step at a time on several threads; see the file comment. */
export class DataParallelTrainer {
  private readonly views: SharedViews;
  private readonly replica: Replica;
  private readonly optimizer: ShardOptimizer;
  private readonly barriers: { start: SharedBarrier; gradients: SharedBarrier; updated: SharedBarrier };
  private readonly workers: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  private failure: Error | null = null;
  private rejectFailed!: (err: Error) => void;
  /** Rejects with the first failure (only awaited during start-up). */
  private readonly failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
  private disposed = false;
  private alive = 0;
  private steps = 0;
  /** Milliseconds this thread spent in each phase of its steps, summed (the bench's profile). */
  readonly timings: PhaseTimings = { steps: 0, wait_start: 0, gradient: 0, wait_gradients: 0, update: 0, wait_updated: 0, load: 0, worker_gradient: 0, worker_update: 0 };

  private constructor(private readonly opts: DataParallelOptions) {
    this.failed.catch(() => {});
    const { threads, model, dim, maxRows } = opts;
    this.replica = new Replica(model, dim);
    const paramCount = this.replica.layout.count;
    const buffers = allocateBuffers(threads, paramCount, maxRows, dim);
    this.views = sharedViews(buffers, threads, paramCount);
    this.views.scalars[LEARNING_RATE] = opts.learningRate;
    const barrier = (at: number) => new SharedBarrier(this.views.control.subarray(at, at + BARRIER_INTS), threads);
    this.barriers = { start: barrier(BARRIER_START), gradients: barrier(BARRIER_GRADIENTS), updated: barrier(BARRIER_UPDATED) };
    const [from, to] = parameterRange(paramCount, threads, 0);
    this.optimizer = createShardOptimizer(opts.optimizer, threads, from, to, { memory: this.views.arena, layout: this.views.layout });
    this.replica.storeParams(this.views.params);

    for (let thread = 1; thread < threads; thread++) {
      const init: WorkerInit = {
        thread,
        threads,
        buffers,
        paramCount,
        shapes: this.replica.layout.shapes,
        dim,
        maxRows,
        optimizer: opts.optimizer,
        recipe: opts.recipe,
        ...(opts.faults ? { faults: opts.faults } : {}),
      };
      const worker = new Worker(WORKER_ENTRY, { workerData: init });
      this.workers.push(worker);
      this.alive++;
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'error') this.fail(workerError(thread, m.message, m.stack));
      });
      worker.on('error', (err) => this.fail(workerError(thread, err.message, err.stack)));
      this.exited.push(
        new Promise<void>((resolve) => {
          worker.on('exit', (code) => {
            this.alive--;
            if (!this.disposed) this.fail(new Error(`data-parallel training: worker thread ${thread} exited unexpectedly (exit code ${code})`));
            resolve();
          });
        }),
      );
    }
  }

  /** Starts the worker threads and waits until each has built its model (or one failed). */
  static async start(opts: DataParallelOptions): Promise<DataParallelTrainer> {
    if (!Number.isInteger(opts.threads) || opts.threads < 2) throw new Error(`DataParallelTrainer: threads must be ≥ 2, got ${opts.threads}`);
    const trainer = new DataParallelTrainer(opts);
    const ready = trainer.workers.map((worker) => new Promise<void>((resolve) => worker.on('message', (m: WorkerReply) => m.type === 'ready' && resolve())));
    try {
      await Promise.race([Promise.all(ready), trainer.failed]);
    } catch (err) {
      await trainer.dispose();
      throw err;
    }
    return trainer;
  }

  get threads(): number {
    return this.opts.threads;
  }

  /** The worker threads' ids (threads − 1 of them). */
  get threadIds(): number[] {
    return this.workers.map((w) => w.threadId);
  }

  /** Worker threads that have not exited yet. */
  get running(): number {
    return this.alive;
  }

  /**
   * One optimizer step on the first `rows` rows of `batch` (row-major, dim floats per row) in
   * 1-based `epoch` at `learningRate` (the schedule's rate for this step; default: the starting
   * one); returns the batch loss. The model's variables hold the updated parameters on
   * return.
   */
  async step(batch: Float32Array, rows: number, epoch = 1, learningRate = this.opts.learningRate): Promise<number> {
    this.check();
    const { control, scalars, params, grads } = this.views;
    const { dim, threads } = this.opts;
    if (rows < 1 || rows > this.opts.maxRows) throw new Error(`DataParallelTrainer.step: rows must be 1..${this.opts.maxRows}, got ${rows}`);
    this.views.batch.set(batch.subarray(0, rows * dim));
    this.steps++;
    Atomics.store(control, ROWS, rows);
    Atomics.store(control, STEP, this.steps);
    Atomics.store(control, EPOCH, epoch);
    scalars[LEARNING_RATE] = learningRate;
    const check = () => this.check();

    const t = this.timings;
    let clock = performance.now();
    const lap = (phase: keyof PhaseTimings) => {
      const now = performance.now();
      t[phase] += now - clock;
      clock = now;
    };
    await this.barriers.start.arriveAndWaitAsync(check);
    lap('wait_start');
    const [from, to] = partRange(rows, threads, 0);
    scalars[LOSSES] = this.replica.gradient(this.views.batch, from, to, rows, epoch, grads[0]!);
    lap('gradient');
    await this.barriers.gradients.arriveAndWaitAsync(check);
    lap('wait_gradients');
    this.optimizer.update(params, grads, this.steps, scalars[LEARNING_RATE]!);
    lap('update');
    await this.barriers.updated.arriveAndWaitAsync(check);
    lap('wait_updated');
    this.replica.loadParams(params);
    lap('load');
    t.steps++;
    for (let w = 1; w < threads; w++) {
      t.worker_gradient += scalars[gradientMsSlot(threads, w)]! / (threads - 1);
      t.worker_update += scalars[updateMsSlot(threads, w)]! / (threads - 1);
    }
    let loss = 0;
    for (let t = 0; t < threads; t++) loss += scalars[LOSSES + t]!;
    return loss;
  }

  /**
   * The optimizer's state, for a checkpoint: the steps taken and copies of its moment vectors
   * (Adam: m and v; RMSProp: the mean square; SGD: none), each over the flat parameter vector.
   * Only between steps.
   */
  optimizerState(): DataParallelOptimizerState {
    this.check();
    const { arena, layout } = this.views;
    const count = this.replica.layout.count;
    const vectors = SHARD_MOMENTS[this.opts.optimizer].map((which) => new Float32Array(arena.buffer, layout[which], count).slice());
    return { optimizer: this.opts.optimizer, steps: this.steps, moments: vectors };
  }

  /**
   * Continues from a checkpoint: the model's variables must already hold the checkpoint's weights;
   * sets the optimizer's state from `state` (what optimizerState() returned then) and has every
   * worker reload the weights before its next step.
   */
  restore(state: DataParallelOptimizerState): void {
    this.check();
    const { optimizer } = this.opts;
    const count = this.replica.layout.count;
    const names = SHARD_MOMENTS[optimizer];
    if (state.optimizer !== optimizer || state.moments.length !== names.length || state.moments.some((v) => v.length !== count) || !(Number.isInteger(state.steps) && state.steps >= 0)) {
      throw new Error(`DataParallelTrainer.restore: the state is for ${state.optimizer} with ${state.moments.length} vectors of ${state.moments[0]?.length ?? 0}, this run's optimizer is ${optimizer} over ${count} parameters`);
    }
    const { arena, layout, control } = this.views;
    names.forEach((which, i) => new Float32Array(arena.buffer, layout[which], count).set(state.moments[i]!));
    this.replica.storeParams(this.views.params);
    this.steps = state.steps;
    Atomics.add(control, PARAMS_VERSION, 1);
  }

  /** Stops and ends the worker threads (idempotent); resolves when every one has exited. */
  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      Atomics.store(this.views.control, STATE, STATE_STOPPING);
      for (const b of Object.values(this.barriers)) b.release();
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
    await Promise.all(this.exited);
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new Error('DataParallelTrainer used after dispose()');
  }

  private fail(err: Error): void {
    if (this.failure || this.disposed) return;
    this.failure = err;
    Atomics.store(this.views.control, STATE, STATE_STOPPING);
    for (const b of Object.values(this.barriers)) b.release();
    this.rejectFailed(err);
  }
}

function workerError(thread: number, message: string, stack: string | undefined): Error {
  const err = new Error(`data-parallel training: worker thread ${thread} failed: ${message}`);
  if (stack) err.stack = `${err.message}\n${stack.split('\n').slice(1).join('\n')}`;
  return err;
}

