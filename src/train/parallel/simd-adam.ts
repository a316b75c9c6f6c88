// Adam's fused update as a WebAssembly SIMD loop (four float32 lanes), for data-parallel training.
//
// Why: the update over one thread's range of the lecture model's 1.09 M parameters took 5–6 ms per
// step as a JavaScript float64 loop (3 ms alone, the rest waiting on the other core's gradient
// lines), on the critical path of every step; four lanes at a time it takes about a fifth of the
// compute. It runs on the run's shared WebAssembly.Memory (./protocol.ts), where the parameters,
// the threads' gradients and Adam's moments live, so there is nothing to copy.
//
// The arithmetic is tfjs's own Adam in float32 (m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
// p ← p − lr·m̂ / (√v̂ + ε)), with the bias corrections folded into two factors computed once per
// step in float64: lr/(1−β₁ᵗ) and 1/(1−β₂ᵗ).
//
// The module is written out below (../wasm-assembler.ts; no wasm toolchain): two exported
// functions over byte offsets into the imported memory, for the gradient of one thread
// (`adam1`, three or more threads sum theirs into thread 0's first) or the sum of two (`adam2`).
// Each processes `count` floats, a multiple of 4, from 16-byte-aligned offsets.

export interface SimdAdam {
  /** m, v, p over `count` floats at the given byte offsets, with g the gradient at `g`. */
  adam1(p: number, g: number, m: number, v: number, count: number, lrCorrected: number, secondCorrection: number, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number): void;
  /** The same with g = g0 + g1 (thread 0's gradient plus thread 1's, in that order). */
  adam2(p: number, g0: number, g1: number, m: number, v: number, count: number, lrCorrected: number, secondCorrection: number, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number): void;
}

import { F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SQRT, F32X4_SUB, floatsLoopFunction, I32, MEMARG, MODULE_HEADER, name, section, uleb, V128_STORE, vector } from '../wasm-assembler.ts';

/**
 * The body of adam1 (pairs = false) or adam2 (pairs = true). Parameters: byte offsets p, g0
 * [, g1], m, v; count; then f32 lrCorrected, secondCorrection, beta1, beta2, 1 − beta1, 1 − beta2,
 * epsilon. The complements come in from the caller because tfjs computes them in float64 (1 − β₂
 * in float32 would be off by 1.3e-5, a bias the moments would carry on every step).
 */
function adamBody(pairs: boolean): number[] {
  const P = 0;
  const G0 = 1;
  const G1 = pairs ? 2 : -1;
  const M = pairs ? 3 : 2;
  const V = M + 1;
  const COUNT = M + 2;
  const LR = M + 3;
  const C2 = M + 4;
  const B1 = M + 5;
  const B2 = M + 6;
  const R1 = M + 7;
  const R2 = M + 8;
  const EPS = M + 9;
  return floatsLoopFunction({
    params: EPS + 1,
    count: COUNT,
    splat: [LR, C2, B1, B2, R1, R2, EPS],
    temporaries: 3,
    step: ({ get, set, at, load, splatOf, temp }) => {
      const [g, mj, vj] = [temp(0), temp(1), temp(2)];
      // biome-ignore format: one line per instruction group, as a listing reads
      return [
        // g = g0 (+ g1)
        ...load(G0), ...(pairs ? [...load(G1), ...F32X4_ADD] : []), ...set(g),
        // mj = β₁·m + (1−β₁)·g; stored
        ...get(splatOf(B1)), ...load(M), ...F32X4_MUL, ...get(splatOf(R1)), ...get(g), ...F32X4_MUL, ...F32X4_ADD, ...set(mj),
        ...at(M), ...get(mj), ...V128_STORE, ...MEMARG,
        // vj = β₂·v + (1−β₂)·g·g; stored
        ...get(splatOf(B2)), ...load(V), ...F32X4_MUL, ...get(splatOf(R2)), ...get(g), ...get(g), ...F32X4_MUL, ...F32X4_MUL, ...F32X4_ADD, ...set(vj),
        ...at(V), ...get(vj), ...V128_STORE, ...MEMARG,
        // p = p − (lr/(1−β₁ᵗ))·mj / (√(vj/(1−β₂ᵗ)) + ε)
        ...at(P),
        ...load(P),
        ...get(splatOf(LR)), ...get(mj), ...F32X4_MUL,
        ...get(vj), ...get(splatOf(C2)), ...F32X4_MUL, ...F32X4_SQRT, ...get(splatOf(EPS)), ...F32X4_ADD,
        ...F32X4_DIV, ...F32X4_SUB,
        ...V128_STORE, ...MEMARG,
      ];
    },
  });
}

function funcType(pointers: number): number[] {
  return [0x60, ...vector([...Array(pointers + 1).fill([I32]), ...Array(7).fill([F32])]), 0];
}

/** The module's bytes; exported for the test that validates it. */
export function simdAdamModuleBytes(): Uint8Array<ArrayBuffer> {
  const bytes = [
    ...MODULE_HEADER,
    ...section(1, vector([funcType(4), funcType(5)])),
    // import env.memory: shared (flags 3), 1 to 65536 pages.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]])),
    ...section(3, vector([[0], [1]])),
    ...section(7, vector([[...name('adam1'), 0x00, 0], [...name('adam2'), 0x00, 1]])),
    ...section(10, vector([adamBody(false), adamBody(true)])),
  ];
  return new Uint8Array(bytes);
}

let compiled: WebAssembly.Module | null = null;

/** The update functions over `memory` (a shared WebAssembly.Memory), or null where wasm SIMD is missing. */
export function instantiateSimdAdam(memory: WebAssembly.Memory): SimdAdam | null {
  const bytes = simdAdamModuleBytes();
  if (compiled === null) {
    if (!WebAssembly.validate(bytes)) return null;
    compiled = new WebAssembly.Module(bytes);
  }
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  return instance.exports as unknown as SimdAdam;
}
