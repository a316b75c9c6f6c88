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
/** Bumped when the main thread replaces the parameters between steps (a restored checkpoint): workers reload them. */
export const PARAMS_VERSION = BARRIER_UPDATED + BARRIER_INTS;
export const CONTROL_INTS = PARAMS_VERSION + 1;

export const STATE_RUNNING = 0;
export const STATE_STOPPING = 1;

/** Float64 scalar slots: the learning rate, then each thread's share of the batch loss. */
export const LEARNING_RATE = 0;
export const LOSSES = 1;
/** After the losses: each thread's milliseconds in its last gradient and its last update (the bench's profile). */
export const gradientMsSlot = (threads: number, thread: number) => LOSSES + threads + thread;
export const updateMsSlot = (threads: number, thread: number) => LOSSES + 2 * threads + thread;

export interface SharedBuffers {
  control: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  /**
   * Shared WebAssembly memory (so the SIMD update of ./simd-adam.ts works on it in place) laid out
   * by arenaLayout: the flat parameter vector (read by every thread, each range written by its
   * owner), one gradient vector per thread, then Adam's two moment vectors (each range owned by
   * the thread that updates it).
   */
  arena: WebAssembly.Memory;
  /** The current batch, row-major (float32). */
  batch: SharedArrayBuffer;
}

/** Floats per vector in the arena: the parameter count rounded up to whole SIMD lanes (zeros beyond). */
export const arenaStride = (paramCount: number) => Math.ceil(paramCount / 4) * 4;

/** Byte offsets of the arena's vectors. */
export interface ArenaLayout {
  stride: number;
  params: number;
  grads: number[];
  m: number;
  v: number;
  bytes: number;
}

export function arenaLayout(threads: number, paramCount: number): ArenaLayout {
  const stride = arenaStride(paramCount);
  const at = (vector: number) => vector * stride * 4;
  return {
    stride,
    params: at(0),
    grads: Array.from({ length: threads }, (_, t) => at(1 + t)),
    m: at(1 + threads),
    v: at(2 + threads),
    bytes: at(3 + threads),
  };
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
  arena: WebAssembly.Memory;
  layout: ArenaLayout;
}

export function sharedViews(buffers: SharedBuffers, threads: number, paramCount: number): SharedViews {
  const layout = arenaLayout(threads, paramCount);
  const memory = buffers.arena.buffer;
  return {
    control: new Int32Array(buffers.control),
    scalars: new Float64Array(buffers.scalars),
    params: new Float32Array(memory, layout.params, paramCount),
    grads: layout.grads.map((offset) => new Float32Array(memory, offset, paramCount)),
    batch: new Float32Array(buffers.batch),
    arena: buffers.arena,
    layout,
  };
}

export function allocateBuffers(threads: number, paramCount: number, maxRows: number, dim: number): SharedBuffers {
  const pages = Math.ceil(arenaLayout(threads, paramCount).bytes / 65536);
  return {
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    scalars: new SharedArrayBuffer((LOSSES + 3 * threads) * 8),
    arena: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
    batch: new SharedArrayBuffer(maxRows * dim * 4),
  };
}

/** What the recipe's builder module exports. */
export interface ReplicaBuilder {
  buildReplica(recipe: ReplicaRecipe): Promise<TrainableAutoencoder>;
}
