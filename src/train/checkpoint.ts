// A training checkpoint: everything the next epoch depends on, so that a run resumed from it ends
// with exactly the loss history and weights of an uninterrupted run (same seed, same backend).
// That is the weights (batch norm's moving statistics too), the optimizer's state, the shuffling
// stream and the permutation it shuffles in place, the step count (dropout masks, a VAE's ε and
// input noise are seeded by it), early stopping's state with the best weights, and the history.
// The learning rate and a KL warm-up follow from the epoch. One file: a JSON header, then the
// arrays as raw little-endian bytes (a lecture-size model: ~17 MB with Adam's moments).
import type { EpochRecord } from '../shared/types.ts';
import type { RngState } from '../shared/random.ts';
import type { OptimizerState } from './optimizer.ts';
import type { DataParallelOptimizerState } from './parallel/index.ts';

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** True when early stopping ended training at `epoch`. */
  stopped_early: boolean;
  history: EpochRecord[];
  shuffle: RngState;
  /** The permutation of the training images after the last shuffle (each epoch shuffles it again). */
  order: Int32Array;
  /** Every weight of the network, trainable or not, in network.weights order. */
  weights: NamedArray[];
  /** Threads the run trained on (train.workers); a resumed run continues on as many. */
  threads: number;
  /** The single-thread optimizer's state (threads 1), else null. */
  optimizer: OptimizerState | null;
  /** The data-parallel optimizer's state over the flat parameter vector (threads > 1), else null. */
  parallel_optimizer: DataParallelOptimizerState | null;
  early_stopping: {
    /** null: no validation loss yet (Infinity in the loop). */
    best_loss: number | null;
    best_epoch: number;
    since_improvement: number;
    /** The best epoch's weights when they differ from `weights`; null when the best epoch is the last. */
    best_weights: NamedArray[] | null;
  };
  /** Time spent so far: the whole training, the optimizer steps alone, and images stepped on. */
  progress: { train_seconds: number; step_seconds: number; samples: number };
  /** What the caller recorded with it (spec hash, backend); training ignores it. */
  meta: Record<string, unknown>;
}

const MAGIC = 'AELABCK1';

type Blob = Float32Array | Int32Array;

/** The checkpoint as one file's bytes: MAGIC, the header's length (uint32), the header, the arrays. */
export function encodeCheckpoint(checkpoint: TrainingCheckpoint): Uint8Array {
  const blobs: Blob[] = [];
  const header = JSON.stringify(checkpoint, (_key, value: unknown) => {
    if (value instanceof Float32Array || value instanceof Int32Array) {
      blobs.push(value);
      return { $array: blobs.length - 1, dtype: value instanceof Float32Array ? 'float32' : 'int32', length: value.length };
    }
    // JSON has no Infinity; the loop's "no best loss yet" is null in the checkpoint.
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const start = align4(MAGIC.length + 4 + headerBytes.length);
  const total = blobs.reduce((sum, b) => sum + b.byteLength, start);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  let offset = start;
  for (const blob of blobs) {
    // Typed arrays are little-endian on every platform Node runs on.
    out.set(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength), offset);
    offset += blob.byteLength;
  }
  return out;
}

/** Reads what encodeCheckpoint wrote; throws an Error saying what is wrong with the bytes. */
export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error('not an aelab training checkpoint (wrong leading bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw new Error('the checkpoint is truncated (its header runs past the end)');
  let offset = align4(headerEnd);
  const arrays: { dtype: string; length: number }[] = [];
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headerEnd)), (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$array' in value) {
      const ref = value as { $array: number; dtype: string; length: number };
      if (ref.$array !== arrays.length) throw new Error('the checkpoint header lists its arrays out of order');
      arrays.push(ref);
      const byteLength = ref.length * 4;
      if (offset + byteLength > bytes.length) throw new Error('the checkpoint is truncated (an array runs past the end)');
      // Copied out, so the result does not pin the whole file and every array is 4-byte aligned.
      const copy = new Uint8Array(byteLength);
      copy.set(bytes.subarray(offset, offset + byteLength));
      offset += byteLength;
      if (ref.dtype === 'float32') return new Float32Array(copy.buffer);
      if (ref.dtype === 'int32') return new Int32Array(copy.buffer);
      throw new Error(`the checkpoint holds an array of unknown type '${ref.dtype}'`);
    }
    return value;
  }) as TrainingCheckpoint;
  if (offset !== bytes.length) throw new Error(`the checkpoint has ${bytes.length - offset} bytes more than its header describes`);
  if (!Number.isInteger(parsed.epoch) || !Array.isArray(parsed.history) || !Array.isArray(parsed.weights) || !(parsed.order instanceof Int32Array)) {
    throw new Error('the checkpoint header lacks the epoch, history, weights or order');
  }
  return parsed;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
