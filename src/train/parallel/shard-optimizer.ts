// The optimizer step of data-parallel training, applied once per parameter: each thread owns a
// contiguous range of the flat parameter vector (ZeRO-style), sums the threads' gradients for
// that range in a fixed order (thread 0, 1, …, so the sum never depends on timing), and updates
// the parameters and its own optimizer state in one fused loop. The formulas are tfjs's own
// (Adam, SGD, RMSProp with tfjs' defaults), computed in float64 and stored as float32, so a
// data-parallel run follows the single-thread one to float32 rounding.
//
// Why not call the tfjs optimizer: its ~10 element-wise kernels over every parameter, each
// allocating its output, were ~14 % of a single-thread step; a fused loop over a shard of the
// parameters is a few milliseconds and is split between the threads.

export type ShardOptimizerKind = 'adam' | 'sgd' | 'rmsprop';
export const shardOptimizerKinds: readonly ShardOptimizerKind[] = ['adam', 'sgd', 'rmsprop'];

/** tfjs's defaults: Adam β₁ 0.9, β₂ 0.999; RMSProp decay 0.9, momentum 0; ε = the float32 backend epsilon. */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const RMSPROP_DECAY = 0.9;
export const EPSILON = 1e-7;

export interface ShardOptimizer {
  /**
   * One step over params[from, to): g = Σ_w grads[w][i] (w in order), then the update.
   * `step` counts from 1 (Adam's bias correction).
   */
  update(params: Float32Array, grads: readonly Float32Array[], step: number, learningRate: number): void;
}

/** The optimizer for parameters [from, to) of a run on `threads` threads (one gradient each). */
export function createShardOptimizer(kind: ShardOptimizerKind, threads: number, from: number, to: number): ShardOptimizer {
  if (!(from >= 0 && to >= from)) throw new Error(`createShardOptimizer: bad range [${from}, ${to})`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`createShardOptimizer: bad thread count ${threads}`);
  switch (kind) {
    case 'adam':
      return adam(threads, from, to);
    case 'sgd':
      return sgd(threads, from, to);
    case 'rmsprop':
      return rmsprop(threads, from, to);
  }
  throw new Error(`createShardOptimizer: unknown optimizer '${String(kind)}'; valid: ${shardOptimizerKinds.join(', ')}`);
}

/**
 * The summed gradient of the range. Typed arrays over shared memory are about twice as slow to
 * index as ordinary ones in V8, so with one or two threads the loops read the shared gradients in
 * place (two summed inline, thread 0 first); three or more are summed into a local array first,
 * in thread order. `sum` is that array (null for one or two threads).
 */
interface GradientSources {
  g0: Float32Array;
  g1: Float32Array | null;
  sum: Float64Array | null;
}

function gradientSources(grads: readonly Float32Array[], from: number, to: number, scratch: Float64Array | null): GradientSources {
  if (grads.length <= 2) return { g0: grads[0]!, g1: grads[1] ?? null, sum: null };
  const sum = scratch!;
  const first = grads[0]!;
  for (let i = from; i < to; i++) sum[i - from] = first[i]!;
  for (let w = 1; w < grads.length; w++) {
    const g = grads[w]!;
    for (let i = from; i < to; i++) sum[i - from] = sum[i - from]! + g[i]!;
  }
  return { g0: first, g1: null, sum };
}

function adam(threads: number, from: number, to: number): ShardOptimizer {
  const m = new Float32Array(to - from);
  const v = new Float32Array(to - from);
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  // tfjs keeps β^t as float32 tensors, multiplied once per step.
  let accBeta1 = Math.fround(ADAM_BETA1);
  let accBeta2 = Math.fround(ADAM_BETA2);
  let stepsTaken = 0;
  return {
    update(params, grads, step, learningRate) {
      if (step !== stepsTaken + 1) throw new Error(`adam shard: step ${step} after ${stepsTaken}`);
      const { g0, g1, sum } = gradientSources(grads, from, to, scratch);
      const c1 = 1 - accBeta1;
      const c2 = 1 - accBeta2;
      const b1 = ADAM_BETA1;
      const b2 = ADAM_BETA2;
      for (let i = from; i < to; i++) {
        const j = i - from;
        const gi = sum !== null ? sum[j]! : g1 !== null ? g0[i]! + g1[i]! : g0[i]!;
        const mj = b1 * m[j]! + (1 - b1) * gi;
        const vj = b2 * v[j]! + (1 - b2) * gi * gi;
        m[j] = mj;
        v[j] = vj;
        params[i] = params[i]! - (learningRate * (mj / c1)) / (Math.sqrt(vj / c2) + EPSILON);
      }
      accBeta1 = Math.fround(accBeta1 * ADAM_BETA1);
      accBeta2 = Math.fround(accBeta2 * ADAM_BETA2);
      stepsTaken = step;
    },
  };
}

function sgd(threads: number, from: number, to: number): ShardOptimizer {
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  return {
    update(params, grads, _step, learningRate) {
      const { g0, g1, sum } = gradientSources(grads, from, to, scratch);
      for (let i = from; i < to; i++) {
        const gi = sum !== null ? sum[i - from]! : g1 !== null ? g0[i]! + g1[i]! : g0[i]!;
        params[i] = params[i]! - learningRate * gi;
      }
    },
  };
}

function rmsprop(threads: number, from: number, to: number): ShardOptimizer {
  const meanSquare = new Float32Array(to - from);
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  return {
    update(params, grads, _step, learningRate) {
      const { g0, g1, sum } = gradientSources(grads, from, to, scratch);
      for (let i = from; i < to; i++) {
        const j = i - from;
        const gi = sum !== null ? sum[j]! : g1 !== null ? g0[i]! + g1[i]! : g0[i]!;
        const ms = RMSPROP_DECAY * meanSquare[j]! + (1 - RMSPROP_DECAY) * gi * gi;
        meanSquare[j] = ms;
        // Momentum 0 (tfjs' default): the accumulated moment is just this step's update.
        params[i] = params[i]! - (learningRate * gi) / Math.sqrt(ms + EPSILON);
      }
    },
  };
}

/** [from, to) of part `p` of `parts` near-equal contiguous parts of 0..count. */
export function partRange(count: number, parts: number, p: number): [number, number] {
  return [Math.floor((p * count) / parts), Math.floor(((p + 1) * count) / parts)];
}
