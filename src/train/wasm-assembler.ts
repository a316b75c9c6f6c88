// The few pieces of WebAssembly's binary format that aelab's hand-written SIMD loops are assembled
// from (./parallel/simd-adam.ts, ./fused-adam.ts): opcodes, LEB128 integers, sections and vectors.
// The modules are written out in TypeScript so that no wasm toolchain is needed at build or run
// time.

// Opcodes (WebAssembly core + SIMD).
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_CONST = 0x41;
export const I32_ADD = 0x6a;
export const I32_SHL = 0x74;
export const I32_GE_U = 0x4f;
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const VOID = 0x40;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const END = 0x0b;
const simd = (op: number) => [0xfd, ...uleb(op)];
export const V128_LOAD = simd(0x00);
export const V128_STORE = simd(0x0b);
export const F32X4_SPLAT = simd(0x13);
export const F32X4_SQRT = simd(0xe3);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
export const F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7);
/** memarg: 16-byte alignment hint (log2 4; only a hint, never a trap), no static offset. */
export const MEMARG = [4, 0];

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
export const name = (s: string) => vector([...Buffer.from(s, 'utf8')].map((b) => [b]));
/** The module header: magic and version 1. */
export const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** What a step of floatsLoopFunction's loop is written with. */
export interface FloatsLoopOps {
  get(local: number): number[];
  set(local: number): number[];
  /** Pushes the byte offset `base` (a parameter) + the loop's current offset. */
  at(base: number): number[];
  /** Pushes the 4 floats at `base` + the loop's current offset. */
  load(base: number): number[];
  /** The v128 local holding the splat of f32 parameter `param` (one of `splat`). */
  splatOf(param: number): number;
  /** The i-th v128 temporary. */
  temp(i: number): number;
}

/**
 * The encoded body of a function that splats some of its f32 parameters into v128 locals and then
 * loops over `count` floats (the i32 parameter `count`, a multiple of 4) 16 bytes at a time:
 * `step` writes one step's code, addressing memory relative to its byte-offset parameters.
 * `params` is the function's parameter count; locals after them: the offset and its end (i32), the
 * splats, then `temporaries` v128 temporaries.
 */
export function floatsLoopFunction(opts: { params: number; count: number; splat: readonly number[]; temporaries: number; step: (ops: FloatsLoopOps) => number[] }): number[] {
  const off = opts.params;
  const end = off + 1;
  const firstSplat = end + 1;
  const firstTemp = firstSplat + opts.splat.length;
  const get = (i: number) => [LOCAL_GET, ...uleb(i)];
  const set = (i: number) => [LOCAL_SET, ...uleb(i)];
  const at = (base: number) => [...get(base), ...get(off), I32_ADD];
  const ops: FloatsLoopOps = {
    get,
    set,
    at,
    load: (base) => [...at(base), ...V128_LOAD, ...MEMARG],
    splatOf: (param) => {
      const i = opts.splat.indexOf(param);
      if (i < 0) throw new Error(`floatsLoopFunction: parameter ${param} is not splatted`);
      return firstSplat + i;
    },
    temp: (i) => firstTemp + i,
  };
  // biome-ignore format: one line per instruction group, as a listing reads
  const code = [
    ...opts.splat.flatMap((param, i) => [...get(param), ...F32X4_SPLAT, ...set(firstSplat + i)]),
    ...get(opts.count), I32_CONST, 2, I32_SHL, ...set(end),
    I32_CONST, 0, ...set(off),
    BLOCK, VOID,
    LOOP, VOID,
    ...get(off), ...get(end), I32_GE_U, BR_IF, 1,
    ...opts.step(ops),
    ...get(off), I32_CONST, 16, I32_ADD, ...set(off),
    BR, 0,
    END,
    END,
    END,
  ];
  const locals = vector([[2, I32], [opts.splat.length + opts.temporaries, V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}
