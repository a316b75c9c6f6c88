// The optimizer step of data-parallel training, applied once per parameter: each thread owns a
// contiguous range of the flat parameter vector (ZeRO-style), sums the threads' gradients for
// that range in a fixed order (thread 0, 1, …, so the sum never depends on timing), and updates
// the parameters and its own optimizer state in one fused loop. The formulas are tfjs's own
// (Adam, SGD, RMSProp with tfjs' defaults), computed in float64 and stored as float32, so a
// data-parallel run follows the single-thread one to float32 rounding.
//
// Why not call the tfjs optimizer: its ~10 element-wise kernels over every parameter, each
// allocating its output, were ~14 % of a single-thread step; a fused loop over a shard of the
// parameters is a few milliseconds and is split between the threads. Adam, the default, runs as a
// WebAssembly SIMD loop over the shared arena (./simd-adam.ts) where the engine supports it, in
// float32 as tfjs does; the loops below are its fallback and the other optimizers.
import type { ArenaLayout } from './protocol.ts';
import { instantiateSimdAdam } from './simd-adam.ts';

export type ShardOptimizerKind = 'adam' | 'sgd' | 'rmsprop';
export const shardOptimizerKinds: readonly ShardOptimizerKind[] = ['adam', 'sgd', 'rmsprop'];

/** tfjs's defaults: Adam β₁ 0.9, β₂ 0.999; RMSProp decay 0.9, momentum 0; ε = the float32 backend epsilon. */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const RMSPROP_DECAY = 0.9;
export const EPSILON = 1e-7;

/** Which arena vectors (./protocol.ts) hold each optimizer's state, in the order a checkpoint lists them. */
export const SHARD_MOMENTS: Record<ShardOptimizerKind, readonly ('m' | 'v')[]> = { adam: ['m', 'v'], rmsprop: ['m'], sgd: [] };

export interface ShardOptimizer {
  /**
   * One step over params[from, to): g = Σ_w grads[w][i] (w in order), then the update.
   * `step` counts from 1 (Adam's bias correction).
   */
  update(params: Float32Array, grads: readonly Float32Array[], step: number, learningRate: number): void;
}

/** The shared arena the parameters and gradients live in (see ./protocol.ts), for the SIMD update. */
export interface ShardArena {
  memory: WebAssembly.Memory;
  layout: ArenaLayout;
}

/**
 * The optimizer for parameters [from, to) of a run on `threads` threads (one gradient each). With
 * `arena` (and `from` a multiple of 4), Adam takes the SIMD path.
 */
export function createShardOptimizer(kind: ShardOptimizerKind, threads: number, from: number, to: number, arena?: ShardArena): ShardOptimizer {
  if (!(from >= 0 && to >= from)) throw new Error(`createShardOptimizer: bad range [${from}, ${to})`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`createShardOptimizer: bad thread count ${threads}`);
  // The moments live in the arena when there is one (so that a checkpoint can read them all from
  // the main thread), else in local arrays.
  const moments = () => SHARD_MOMENTS[kind].map((which) => (arena ? new Float32Array(arena.memory.buffer, arena.layout[which] + from * 4, to - from) : new Float32Array(to - from)));
  switch (kind) {
    case 'adam': {
      if (arena !== undefined && from % 4 === 0) {
        const simd = simdAdam(threads, from, to, arena);
        if (simd) return simd;
      }
      const [m, v] = moments();
      return adam(threads, from, to, m!, v!);
    }
    case 'sgd':
      return sgd(threads, from, to);
    case 'rmsprop':
      return rmsprop(threads, from, to, moments()[0]!);
  }
  throw new Error(`createShardOptimizer: unknown optimizer '${String(kind)}'; valid: ${shardOptimizerKinds.join(', ')}`);
}

/**
 * Where the summed gradient of a range is read: with two threads both shared gradients in place,
 * summed inline (thread 0 first); otherwise one array, `single`, at index i − `offset` (thread 0's
 * gradient itself for one thread; for three or more, a local array holding the sum in thread
 * order). Each optimizer has one loop per case, which V8 compiles to tight code; a per-element
 * branch or callback costs ~40 % more.
 */
interface GradientSources {
  pair: [Float32Array, Float32Array] | null;
  single: Float32Array | Float64Array;
  offset: number;
}

function gradientSources(grads: readonly Float32Array[], from: number, to: number, scratch: Float64Array | null): GradientSources {
  if (grads.length === 1) return { pair: null, single: grads[0]!, offset: 0 };
  if (grads.length === 2) return { pair: [grads[0]!, grads[1]!], single: grads[0]!, offset: 0 };
  const sum = scratch!;
  const first = grads[0]!;
  for (let i = from; i < to; i++) sum[i - from] = first[i]!;
  for (let w = 1; w < grads.length; w++) {
    const g = grads[w]!;
    for (let i = from; i < to; i++) sum[i - from] = sum[i - from]! + g[i]!;
  }
  return { pair: null, single: sum, offset: from };
}

/**
 * β₁ᵗ and β₂ᵗ of Adam's bias correction at 1-based `step`, as tfjs keeps them (float32 tensors
 * multiplied once per step): advanced by one from the previous step, or recomputed after a jump
 * (a run resumed from a checkpoint starts at its step count).
 */
function accumulatedBetas(): (step: number) => [number, number] {
  let at = 1;
  let acc1 = Math.fround(ADAM_BETA1);
  let acc2 = Math.fround(ADAM_BETA2);
  return (step) => {
    if (!Number.isInteger(step) || step < 1) throw new Error(`adam shard: bad step ${step}`);
    if (step < at) [at, acc1, acc2] = [1, Math.fround(ADAM_BETA1), Math.fround(ADAM_BETA2)];
    for (; at < step; at++) {
      acc1 = Math.fround(acc1 * ADAM_BETA1);
      acc2 = Math.fround(acc2 * ADAM_BETA2);
    }
    return [acc1, acc2];
  };
}

function adam(threads: number, from: number, to: number, m: Float32Array, v: Float32Array): ShardOptimizer {
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  const betas = accumulatedBetas();
  const b1 = ADAM_BETA1;
  const b2 = ADAM_BETA2;
  return {
    update(params, grads, step, learningRate) {
      const [accBeta1, accBeta2] = betas(step);
      const { pair, single, offset } = gradientSources(grads, from, to, scratch);
      const c1 = 1 - accBeta1;
      const c2 = 1 - accBeta2;
      // Locals, not closure variables, inside the hot loops (V8 reloads those on every pass).
      const [mm, vv, beta1, beta2, rest1, rest2, lo, hi] = [m, v, b1, b2, 1 - b1, 1 - b2, from, to];
      if (pair !== null) {
        const [g0, g1] = pair;
        for (let i = lo; i < hi; i++) {
          const gi = g0[i]! + g1[i]!;
          const j = i - lo;
          const mj = beta1 * mm[j]! + rest1 * gi;
          const vj = beta2 * vv[j]! + rest2 * gi * gi;
          mm[j] = mj;
          vv[j] = vj;
          params[i] = params[i]! - (learningRate * (mj / c1)) / (Math.sqrt(vj / c2) + EPSILON);
        }
      } else {
        for (let i = lo; i < hi; i++) {
          const gi = single[i - offset]!;
          const j = i - lo;
          const mj = beta1 * mm[j]! + rest1 * gi;
          const vj = beta2 * vv[j]! + rest2 * gi * gi;
          mm[j] = mj;
          vv[j] = vj;
          params[i] = params[i]! - (learningRate * (mj / c1)) / (Math.sqrt(vj / c2) + EPSILON);
        }
      }
    },
  };
}

/**
 * Adam on the arena with the SIMD loop: the moments live in the arena (this thread's range of
 * them), the gradients are summed in thread order — two inline, more into thread 0's gradient
 * first (only this thread reads that range of it). Null where the engine has no wasm SIMD.
 */
function simdAdam(threads: number, from: number, to: number, arena: ShardArena): ShardOptimizer | null {
  const kernels = instantiateSimdAdam(arena.memory);
  if (kernels === null) return null;
  const { layout } = arena;
  // Whole lanes: a range ending at the parameter count runs on into the arena's zero padding.
  const count = Math.min(Math.ceil((to - from) / 4) * 4, layout.stride - from);
  const byte = (base: number) => base + from * 4;
  const betas = accumulatedBetas();
  return {
    // `grads` are the threads' views of the arena's gradient vectors that the kernels read by offset.
    update(_params, grads, step, learningRate) {
      const [accBeta1, accBeta2] = betas(step);
      const lrCorrected = learningRate / (1 - accBeta1);
      const secondCorrection = 1 / (1 - accBeta2);
      if (threads === 2) {
        kernels.adam2(byte(layout.params), byte(layout.grads[0]!), byte(layout.grads[1]!), byte(layout.m), byte(layout.v), count, lrCorrected, secondCorrection, ADAM_BETA1, ADAM_BETA2, 1 - ADAM_BETA1, 1 - ADAM_BETA2, EPSILON);
      } else {
        const sum = grads[0]!;
        for (let w = 1; w < threads; w++) {
          const g = grads[w]!;
          for (let i = from; i < to; i++) sum[i] = sum[i]! + g[i]!;
        }
        kernels.adam1(byte(layout.params), byte(layout.grads[0]!), byte(layout.m), byte(layout.v), count, lrCorrected, secondCorrection, ADAM_BETA1, ADAM_BETA2, 1 - ADAM_BETA1, 1 - ADAM_BETA2, EPSILON);
      }
    },
  };
}

function sgd(threads: number, from: number, to: number): ShardOptimizer {
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  return {
    update(params, grads, _step, learningRate) {
      const { pair, single, offset } = gradientSources(grads, from, to, scratch);
      if (pair !== null) {
        const [g0, g1] = pair;
        for (let i = from; i < to; i++) params[i] = params[i]! - learningRate * (g0[i]! + g1[i]!);
      } else {
        for (let i = from; i < to; i++) params[i] = params[i]! - learningRate * single[i - offset]!;
      }
    },
  };
}

function rmsprop(threads: number, from: number, to: number, meanSquare: Float32Array): ShardOptimizer {
  const scratch = threads > 2 ? new Float64Array(to - from) : null;
  const d = RMSPROP_DECAY;
  return {
    update(params, grads, _step, learningRate) {
      const { pair, single, offset } = gradientSources(grads, from, to, scratch);
      // Momentum 0 (tfjs' default): the accumulated moment is just this step's update.
      if (pair !== null) {
        const [g0, g1] = pair;
        for (let i = from; i < to; i++) {
          const gi = g0[i]! + g1[i]!;
          const ms = d * meanSquare[i - from]! + (1 - d) * gi * gi;
          meanSquare[i - from] = ms;
          params[i] = params[i]! - (learningRate * gi) / Math.sqrt(ms + EPSILON);
        }
      } else {
        for (let i = from; i < to; i++) {
          const gi = single[i - offset]!;
          const ms = d * meanSquare[i - from]! + (1 - d) * gi * gi;
          meanSquare[i - from] = ms;
          params[i] = params[i]! - (learningRate * gi) / Math.sqrt(ms + EPSILON);
        }
      }
    },
  };
}

/**
 * [from, to) of thread `p`'s share of the `count` parameters: near-equal contiguous parts that
 * start on whole SIMD lanes (multiples of 4).
 */
export function parameterRange(count: number, parts: number, p: number): [number, number] {
  const start = (q: number) => (q >= parts ? count : Math.floor((q * count) / parts / 4) * 4);
  return [start(p), start(p + 1)];
}

/** [from, to) of part `p` of `parts` near-equal contiguous parts of 0..count. */
export function partRange(count: number, parts: number, p: number): [number, number] {
  return [Math.floor((p * count) / parts), Math.floor(((p + 1) * count) / parts)];
}
