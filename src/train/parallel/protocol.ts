// What the main thread and the worker threads of a data-parallel run share: the layout of the
// shared memory and the messages of the start-up handshake.
import type { ModelSpec } from '../../shared/spec-types.ts';
import type { TrainableAutoencoder } from '../../shared/types.ts';
import { BARRIER_INTS } from './barrier.ts';
import type { ShardOptimizerKind } from './shard-optimizer.ts';

/** Int32 control slots. */
export const STATE = 0;
/** Rows in the current batch. */
export const ROWS = 1;
/** Optimizer steps taken, including the current one (Adam's bias correction counts from 1). */
export const STEP = 2;
/** The 1-based epoch (objectives may change over training, e.g. a KL warm-up). */
export const EPOCH = 3;
/** Three barriers per step: batch ready, gradients ready, parameters updated. */
export const BARRIER_START = 4;
export const BARRIER_GRADIENTS = BARRIER_START + BARRIER_INTS;
export const BARRIER_UPDATED = BARRIER_GRADIENTS + BARRIER_INTS;
export const CONTROL_INTS = BARRIER_UPDATED + BARRIER_INTS;

export const STATE_RUNNING = 0;
export const STATE_STOPPING = 1;

/** Float64 scalar slots: the learning rate, then each thread's share of the batch loss. */
export const LEARNING_RATE = 0;
export const LOSSES = 1;

export interface SharedBuffers {
  control: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  /** The flat parameter vector (float32), read by every thread, each range written by its owner. */
  params: SharedArrayBuffer;
  /** One flat gradient vector per thread (float32), thread t's at t × paramCount. */
  grads: SharedArrayBuffer;
  /** The current batch, row-major (float32). */
  batch: SharedArrayBuffer;
}

/**
 * How a worker rebuilds the run's model: the same build the main thread did (its weights are then
 * overwritten). `builder` is the URL of a module exporting buildReplica(recipe) (the pipeline
 * passes src/model/replica.ts), which also selects the worker's backend.
 */
export interface ReplicaRecipe {
  builder: string;
  model: ModelSpec;
  inputDim: number;
  seed: number;
}

/** Deliberate failures, for the tests that check a crashing worker fails the run (never used otherwise). */
export interface FaultInjection {
  /** Worker thread 1 throws during this step's gradient. */
  throwAtStep?: number;
  /** Worker thread 1 ends itself (process.exit in a worker ends the thread) at this step. */
  exitAtStep?: number;
}

export interface WorkerInit {
  thread: number;
  threads: number;
  buffers: SharedBuffers;
  paramCount: number;
  shapes: number[][];
  dim: number;
  maxRows: number;
  optimizer: ShardOptimizerKind;
  recipe: ReplicaRecipe;
  faults?: FaultInjection;
}

export type WorkerReply = { type: 'ready' } | { type: 'error'; message: string; stack: string | undefined };

export interface SharedViews {
  control: Int32Array;
  scalars: Float64Array;
  params: Float32Array;
  grads: Float32Array[];
  batch: Float32Array;
}

export function sharedViews(buffers: SharedBuffers, threads: number, paramCount: number): SharedViews {
  return {
    control: new Int32Array(buffers.control),
    scalars: new Float64Array(buffers.scalars),
    params: new Float32Array(buffers.params),
    grads: Array.from({ length: threads }, (_, t) => new Float32Array(buffers.grads, t * paramCount * 4, paramCount)),
    batch: new Float32Array(buffers.batch),
  };
}

export function allocateBuffers(threads: number, paramCount: number, maxRows: number, dim: number): SharedBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    scalars: new SharedArrayBuffer((LOSSES + threads) * 8),
    params: new SharedArrayBuffer(paramCount * 4),
    grads: new SharedArrayBuffer(threads * paramCount * 4),
    batch: new SharedArrayBuffer(maxRows * dim * 4),
  };
}

/** What the recipe's builder module exports. */
export interface ReplicaBuilder {
  buildReplica(recipe: ReplicaRecipe): Promise<TrainableAutoencoder>;
}
