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

import {
  BLOCK,
  BR,
  BR_IF,
  END,
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_SUB,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  I32_SHL,
  LOCAL_GET,
  LOCAL_SET,
  LOOP,
  MEMARG,
  MODULE_HEADER,
  name,
  section,
  uleb,
  V128,
  V128_LOAD,
  V128_STORE,
  VOID,
  vector,
} from '../wasm-assembler.ts';

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
  // Locals after the parameters: off, end (i32); splats and temporaries (v128).
  const OFF = EPS + 1;
  const END_AT = OFF + 1;
  const sLR = END_AT + 1;
  const sC2 = sLR + 1;
  const sB1 = sLR + 2;
  const sB2 = sLR + 3;
  const sR1 = sLR + 4;
  const sR2 = sLR + 5;
  const sEPS = sLR + 6;
  const g = sLR + 7;
  const mj = sLR + 8;
  const vj = sLR + 9;
  const get = (i: number) => [LOCAL_GET, ...uleb(i)];
  const set = (i: number) => [LOCAL_SET, ...uleb(i)];
  const at = (base: number) => [...get(base), ...get(OFF), I32_ADD];
  const load = (base: number) => [...at(base), ...V128_LOAD, ...MEMARG];
  const splat = (expr: number[], into: number) => [...expr, ...F32X4_SPLAT, ...set(into)];
  const code = [
    ...splat(get(LR), sLR),
    ...splat(get(C2), sC2),
    ...splat(get(B1), sB1),
    ...splat(get(B2), sB2),
    ...splat(get(R1), sR1),
    ...splat(get(R2), sR2),
    ...splat(get(EPS), sEPS),
    ...get(COUNT), I32_CONST, 2, I32_SHL, ...set(END_AT),
    I32_CONST, 0, ...set(OFF),
    BLOCK, VOID,
    LOOP, VOID,
    ...get(OFF), ...get(END_AT), I32_GE_U, BR_IF, 1,
    // g = g0 (+ g1)
    ...load(G0), ...(pairs ? [...load(G1), ...F32X4_ADD] : []), ...set(g),
    // mj = β₁·m + (1−β₁)·g; stored
    ...get(sB1), ...load(M), ...F32X4_MUL, ...get(sR1), ...get(g), ...F32X4_MUL, ...F32X4_ADD, ...set(mj),
    ...at(M), ...get(mj), ...V128_STORE, ...MEMARG,
    // vj = β₂·v + (1−β₂)·g·g; stored
    ...get(sB2), ...load(V), ...F32X4_MUL, ...get(sR2), ...get(g), ...get(g), ...F32X4_MUL, ...F32X4_MUL, ...F32X4_ADD, ...set(vj),
    ...at(V), ...get(vj), ...V128_STORE, ...MEMARG,
    // p = p − (lr/(1−β₁ᵗ))·mj / (√(vj/(1−β₂ᵗ)) + ε)
    ...at(P),
    ...load(P),
    ...get(sLR), ...get(mj), ...F32X4_MUL,
    ...get(vj), ...get(sC2), ...F32X4_MUL, ...F32X4_SQRT, ...get(sEPS), ...F32X4_ADD,
    ...F32X4_DIV, ...F32X4_SUB,
    ...V128_STORE, ...MEMARG,
    ...get(OFF), I32_CONST, 16, I32_ADD, ...set(OFF),
    BR, 0,
    END,
    END,
    END,
  ];
  const locals = vector([[2, I32], [10, V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
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
