// Fast transposed matrix products on the tfjs wasm backend.
//
// Why: @tensorflow/tfjs-backend-wasm 4.22 sends a BatchMatMul / _FusedMatMul to XNNPACK only when
// neither operand is transposed and both have a batch size of 1; everything else runs a scalar
// triple loop about 12× slower. Dense-layer backprop is made of exactly those products
// (dX = dY·Wᵀ, dW = Xᵀ·dY), so stock wasm training spends most of its time there.
//
// How: installWasmFastMatmul() re-registers the two kernels for the 'wasm' backend with wrappers
// that rewrite a slow product into fast ones and call the stock kernel untransposed:
//   - the transposed operand is materialised with the wasm Transpose kernel (cheap next to the
//     product), or the product is computed swapped, C = (op(B)ᵀ·op(A)ᵀ)ᵀ, when that moves fewer
//     elements (the stock kernel packs its right operand on every call, so which operand ends up
//     on the right matters as much as the transposes);
//   - Aᵀ·B with a long shared dimension (a Gram/covariance matrix) is summed over row blocks
//     (XᵀX for a 16384×784 X: ~500 ms, against ~840 ms as one product and ~5.8 s stock);
//   - batched products (batch > 1) run one fast 2-D product per batch matrix;
//   - an untransposed product without bias or activation is computed swapped too when that packs
//     fewer elements (while a gradient tape records, tfjs runs a dense layer with a nonlinear
//     activation as such a product followed by the bias and the activation, and a sigmoid output
//     layer's product as a fused one with neither): for few rows, packing the
//     small Xᵀ beats packing weights that are new at every optimizer step (~0.7–1.3 ms of a ~25 ms
//     gradient on the lecture model at 128 rows, one data-parallel thread's share of 256; no
//     measurable change at one thread's 256 rows).
//     XNNPACK sums every output element over k in order either way, so the result is the same
//     bits (tested); a bias would not be, as the fused product starts its sums from it.
// Gradients need no change: the registered gradients call matMul with transpose flags, which
// lands in these kernels. Every intermediate is a backend-level tensor freed before returning.
// The stock slow loop is also wrong for a fused product: it applies the bias and the activation to
// every 48-long partial sum instead of the result and indexes the bias by flat position instead
// of by column. The fast path computes what tfjs' cpu backend computes.
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'wasm';
const OVERRIDDEN = ['BatchMatMul', '_FusedMatMul'] as const;
type OverriddenKernel = (typeof OVERRIDDEN)[number];

/** Products smaller than this (M·K·N multiply-adds) go to the stock kernel: no gain to be had. */
const MIN_FAST_WORK = 16_384;
/** Aᵀ·B with a shared dimension at least this long is summed over blocks of SUM_BLOCK rows. */
const BLOCKED_SUM_MIN_K = 1024;
const SUM_BLOCK = 256;
/**
 * Cost per element (ns) of the two overheads of a rewritten product, measured on this backend
 * (tfjs-backend-wasm 4.22, SIMD, one thread): a Transpose (as done below) moves ~0.5 ns per
 * element; the stock kernel packs its right operand for XNNPACK at ~2.5 ns per element on every
 * call with a new right operand (its operator cache is keyed by the operand's tensor id).
 */
const TRANSPOSE_COST = 0.5;
const PACK_COST = 2.5;

/** Marks our kernel configs and remembers the stock config each one replaced. */
const STOCK_CONFIG = Symbol.for('aelab.wasmFastMatmul.stockConfig');
type FastKernelConfig = tf.KernelConfig & { [STOCK_CONFIG]: tf.KernelConfig };

/** The part of tfjs-backend-wasm's BackendWasm that aelab's wasm kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Bias and activation of a _FusedMatMul, passed through to the stock fused kernel unchanged. */
interface Fusion {
  bias: tf.TensorInfo | undefined;
  preluActivationWeights: tf.TensorInfo | undefined;
  attrs: tf.NamedAttrMap;
}

/** Kernels of the wasm backend the rewrites are built from, captured at install time. */
interface StockKernels {
  batchMatMul: tf.KernelFunc;
  fusedMatMul: tf.KernelFunc;
  transpose: tf.KernelFunc;
  add: tf.KernelFunc;
}

/** Shapes of a product op(A)·op(B): M×K times K×N, over broadcast batch dimensions. */
interface Geometry {
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  outerOut: number[];
  batchA: number;
  batchB: number;
  batchOut: number;
}

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** null when the shapes do not multiply; the stock kernel then throws its usual error. */
function geometry(a: tf.TensorInfo, b: tf.TensorInfo, attrs: MatMulAttrs): Geometry | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const [a0, a1] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [b0, b1] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
  const m = attrs.transposeA ? a1 : a0;
  const k = attrs.transposeA ? a0 : a1;
  const kb = attrs.transposeB ? b1 : b0;
  const n = attrs.transposeB ? b0 : b1;
  if (k !== kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outerOut: number[];
  try {
    outerOut = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  return {
    m, k, n, outerA, outerB, outerOut,
    batchA: sizeOf(outerA), batchB: sizeOf(outerB), batchOut: sizeOf(outerOut),
  };
}

export type ProductRoute = 'stock' | 'direct' | 'swapped' | 'blocked';

/**
 * How the fast kernels compute one 2-D product op(A)·op(B) (M×K times K×N); exported for tests.
 *   stock:   untransposed, the stock kernel's XNNPACK path as is;
 *   direct:  transposed operands materialised, then the stock kernel;
 *   swapped: C = (op(B)ᵀ·op(A)ᵀ)ᵀ, when that transposes and packs fewer elements (never with
 *            a bias or an activation: `fused` says there is one);
 *   blocked: Aᵀ·B with a long shared dimension, summed over row blocks.
 */
export function planProduct(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, fused: boolean): ProductRoute {
  if (!transposeA && !transposeB) {
    // XNNPACK packs the K×N right operand on every call with a new one (weights, after every
    // optimizer step); swapped, it packs the K×M left one instead, for three transposes. Worth it
    // for few rows only.
    if (fused) return 'stock';
    const swapped = (k * n + m * k + m * n) * TRANSPOSE_COST + k * m * PACK_COST;
    return swapped < k * n * PACK_COST ? 'swapped' : 'stock';
  }
  if (!fused && transposeA && !transposeB && k >= BLOCKED_SUM_MIN_K) return 'blocked';
  // Direct: transpose what is transposed, pack op(B) (K×N).
  const direct = ((transposeA ? m * k : 0) + (transposeB ? k * n : 0)) * TRANSPOSE_COST + k * n * PACK_COST;
  // Swapped: transpose what is not transposed, pack op(A)ᵀ (K×M), transpose the N×M result back.
  // The bias of a fused product runs along the columns of C, so only plain products swap.
  const swapped = ((transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n) * TRANSPOSE_COST + k * m * PACK_COST;
  return !fused && swapped < direct ? 'swapped' : 'direct';
}

/**
 * Computes backend-level tensors for one kernel call and frees every intermediate it made.
 * Matrices are handled as rank-3 [1, rows, cols] views: the stock fused kernel reads its operand
 * dimensions from positions 1 and 2.
 */
class ProductBuilder {
  private readonly temporaries = new Set<tf.TensorInfo>();

  constructor(
    private readonly backend: WasmBackend,
    private readonly stock: StockKernels,
  ) {}

  /** A [1, rows, cols] view of existing data (no copy; not owned). */
  static view(info: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo {
    return { dataId: info.dataId, shape: [1, rows, cols], dtype: info.dtype };
  }

  private own(info: tf.TensorInfo): tf.TensorInfo {
    this.temporaries.add(info);
    return info;
  }

  /** Frees an intermediate early (it must have come from this builder). */
  release(info: tf.TensorInfo): void {
    if (this.temporaries.delete(info)) this.backend.disposeData(info.dataId);
  }

  /** Hands an intermediate to the caller: it will not be freed by releaseAll(). */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    this.temporaries.delete(info);
    return info;
  }

  releaseAll(): void {
    for (const info of this.temporaries) this.backend.disposeData(info.dataId);
    this.temporaries.clear();
  }

  private rowsCols(info: tf.TensorInfo): [number, number] {
    const r = info.shape.length;
    return [info.shape[r - 2]!, info.shape[r - 1]!];
  }

  transpose(m: tf.TensorInfo): tf.TensorInfo {
    const [rows, cols] = this.rowsCols(m);
    // The wasm Transpose kernel's 2-D loop is 5–10× slower (3 ns instead of 0.4 ns per element)
    // when the row count is a multiple of 64, e.g. a batch of 256: its writes then stride through
    // the same cache sets. The same permutation posed as [2, rows/2, cols] → [cols, 2, rows/2]
    // takes its 3-D loop, which runs at ~0.5 ns per element for any size.
    const split = rows % 64 === 0;
    const out = this.stock.transpose({
      inputs: { x: { dataId: m.dataId, shape: split ? [2, rows / 2, cols] : [rows, cols], dtype: m.dtype } },
      backend: this.backend,
      attrs: { perm: split ? [2, 0, 1] : [1, 0] },
    }) as tf.TensorInfo;
    this.own(out);
    return ProductBuilder.viewOwned(out, cols, rows);
  }

  /** Re-shapes an owned output in place, so that it stays the object tracked for disposal. */
  private static viewOwned(info: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo {
    info.shape = [1, rows, cols];
    return info;
  }

  /** Copies rows×cols floats starting `floatOffset` floats into `source` into a new matrix. */
  copy(source: tf.TensorInfo, floatOffset: number, rows: number, cols: number): tf.TensorInfo {
    const out = this.own(this.backend.makeOutput([1, rows, cols], 'float32'));
    const heap = this.backend.wasm.HEAPU8; // read after makeOutput: allocation may grow the heap
    const from = this.offsetOf(source) + floatOffset * 4;
    heap.copyWithin(this.offsetOf(out), from, from + rows * cols * 4);
    return out;
  }

  /** Copies a whole matrix into `target` starting `floatOffset` floats in. */
  copyInto(target: tf.TensorInfo, floatOffset: number, source: tf.TensorInfo): void {
    const from = this.offsetOf(source);
    this.backend.wasm.HEAPU8.copyWithin(this.offsetOf(target) + floatOffset * 4, from, from + sizeOf(source.shape) * 4);
  }

  private offsetOf(info: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(info.dataId);
    if (data === undefined) throw new Error('wasm fast matmul: tensor data is not on the wasm backend');
    return data.memoryOffset;
  }

  /** The stock kernel on untransposed operands (its XNNPACK path). */
  private stockProduct(a: tf.TensorInfo, b: tf.TensorInfo, fusion: Fusion | null): tf.TensorInfo {
    const attrs = { transposeA: false, transposeB: false };
    const out = (
      fusion === null
        ? this.stock.batchMatMul({ inputs: { a, b }, backend: this.backend, attrs })
        : this.stock.fusedMatMul({
            inputs: { a, b, bias: fusion.bias!, preluActivationWeights: fusion.preluActivationWeights! },
            backend: this.backend,
            attrs: { ...fusion.attrs, ...attrs },
          })
    ) as tf.TensorInfo;
    return this.own(out);
  }

  /**
   * op(a)·op(b) for matrices a, b (rank-3 views with a batch of 1) as a new owned [1, M, N]
   * matrix. `fusion` adds a per-column bias and an activation.
   */
  product(a: tf.TensorInfo, transposeA: boolean, b: tf.TensorInfo, transposeB: boolean, fusion: Fusion | null): tf.TensorInfo {
    const [aRows, aCols] = this.rowsCols(a);
    const [bRows, bCols] = this.rowsCols(b);
    const m = transposeA ? aCols : aRows;
    const k = transposeA ? aRows : aCols;
    const n = transposeB ? bRows : bCols;
    const route = planProduct(m, k, n, transposeA, transposeB, fusion !== null);
    if (route === 'stock') return this.stockProduct(a, b, fusion);
    if (route === 'blocked') return this.blockedGram(a, b, m, k, n);
    if (route === 'swapped') {
      const left = transposeB ? b : this.transpose(b); // op(B)ᵀ, N×K
      const right = transposeA ? a : this.transpose(a); // op(A)ᵀ, K×M
      const resultT = this.stockProduct(left, right, null); // N×M
      if (left !== b) this.release(left);
      if (right !== a) this.release(right);
      const result = this.transpose(resultT);
      this.release(resultT);
      return result;
    }
    const left = transposeA ? this.transpose(a) : a;
    const right = transposeB ? this.transpose(b) : b;
    const result = this.stockProduct(left, right, fusion);
    if (left !== a) this.release(left);
    if (right !== b) this.release(right);
    return result;
  }

  /**
   * aᵀ·b for a K×M, b K×N with large K, summed over blocks of rows: Σ a[rows]ᵀ·b[rows]. Measured:
   * equal to one product up to K ≈ 4096, 1.7× faster at K = 16384 (one product packs the whole
   * 50 MB right operand at once), and the temporaries stay small. Row blocks of both operands are
   * contiguous, so a block costs a copy and a small transpose.
   */
  private blockedGram(a: tf.TensorInfo, b: tf.TensorInfo, m: number, k: number, n: number): tf.TensorInfo {
    let sum: tf.TensorInfo | null = null;
    for (let start = 0; start < k; start += SUM_BLOCK) {
      const rows = Math.min(SUM_BLOCK, k - start);
      const aBlock = this.copy(a, start * m, rows, m);
      // XᵀX: both operands are the same rows.
      const bBlock = b.dataId === a.dataId && n === m ? aBlock : this.copy(b, start * n, rows, n);
      const aBlockT = this.transpose(aBlock); // M×rows
      const partial = this.stockProduct(aBlockT, bBlock, null); // M×N
      this.release(aBlockT);
      this.release(aBlock);
      this.release(bBlock);
      if (sum === null) {
        sum = partial;
      } else {
        const next = this.own(this.stock.add({ inputs: { a: sum, b: partial }, backend: this.backend }) as tf.TensorInfo);
        this.release(sum);
        this.release(partial);
        sum = next;
      }
    }
    return ProductBuilder.viewOwned(sum!, m, n);
  }
}

/** Flat index into a broadcast operand's batch for flat index `o` of the output batch. */
function sourceBatchIndex(o: number, outerOut: readonly number[], outerSource: readonly number[]): number {
  let index = 0;
  let stride = 1;
  let rest = o;
  const shift = outerOut.length - outerSource.length;
  for (let d = outerOut.length - 1; d >= 0; d--) {
    const size = outerOut[d]!;
    const coord = rest % size;
    rest = Math.floor(rest / size);
    const sourceDim = d - shift;
    if (sourceDim < 0) continue;
    const sourceSize = outerSource[sourceDim]!;
    if (sourceSize !== 1) index += coord * stride;
    stride *= sourceSize;
  }
  return index;
}

function fastProduct(
  args: Parameters<tf.KernelFunc>[0],
  stockKernel: tf.KernelFunc,
  stock: StockKernels,
  fused: boolean,
): tf.TensorInfo | tf.TensorInfo[] {
  const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  const attrs = args.attrs as unknown as MatMulAttrs;
  const { a, b } = inputs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return stockKernel(args);
  const g = geometry(a, b, attrs);
  if (g === null || g.m * g.k * g.n < MIN_FAST_WORK) return stockKernel(args);
  const untransposed = !attrs.transposeA && !attrs.transposeB;
  let fusion: Fusion | null = null;
  if (fused) {
    const bias = inputs.bias ?? undefined;
    const prelu = inputs.preluActivationWeights ?? undefined;
    const activation = (args.attrs?.activation as string | undefined) ?? 'linear';
    // Untransposed and fused for real: already XNNPACK. A fused product without bias or
    // activation is a plain product, and may go swapped like one (see planProduct).
    const plain = bias === undefined && prelu === undefined && activation === 'linear';
    if (g.batchOut === 1 && untransposed && !plain) return stockKernel(args);
    // A bias that is not one value per column (e.g. a broadcast scalar), or PReLU weights over a
    // batch, keep the stock kernel's handling.
    if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== g.n)) return stockKernel(args);
    if (prelu !== undefined && g.batchOut !== 1) return stockKernel(args);
    if (!plain) fusion = { bias, preluActivationWeights: prelu, attrs: args.attrs ?? {} };
  }
  const backend = args.backend as WasmBackend;
  const builder = new ProductBuilder(backend, stock);
  const aRows = attrs.transposeA ? g.k : g.m;
  const aCols = attrs.transposeA ? g.m : g.k;
  const bRows = attrs.transposeB ? g.n : g.k;
  const bCols = attrs.transposeB ? g.k : g.n;
  const outShape = [...g.outerOut, g.m, g.n];
  try {
    if (g.batchOut === 1) {
      const a2 = ProductBuilder.view(a, aRows, aCols);
      const b2 = ProductBuilder.view(b, bRows, bCols);
      const result = builder.keep(builder.product(a2, attrs.transposeA, b2, attrs.transposeB, fusion));
      result.shape = outShape;
      return result;
    }
    // One 2-D product per output batch matrix, written into the output.
    const out = builder.keep(backend.makeOutput(outShape, 'float32'));
    try {
      for (let o = 0; o < g.batchOut; o++) {
        const ia = sourceBatchIndex(o, g.outerOut, g.outerA);
        const ib = sourceBatchIndex(o, g.outerOut, g.outerB);
        const a2 = g.batchA === 1 ? ProductBuilder.view(a, aRows, aCols) : builder.copy(a, ia * aRows * aCols, aRows, aCols);
        const b2 = g.batchB === 1 ? ProductBuilder.view(b, bRows, bCols) : builder.copy(b, ib * bRows * bCols, bRows, bCols);
        const result = builder.product(a2, attrs.transposeA, b2, attrs.transposeB, fusion);
        builder.copyInto(out, o * g.m * g.n, result);
        builder.release(result);
        builder.release(a2);
        builder.release(b2);
      }
    } catch (error) {
      backend.disposeData(out.dataId);
      throw error;
    }
    return out;
  } finally {
    builder.releaseAll();
  }
}

function currentConfig(name: OverriddenKernel): tf.KernelConfig | undefined {
  return tf.getKernel(name, BACKEND);
}

function isFastConfig(config: tf.KernelConfig | undefined): config is FastKernelConfig {
  return config !== undefined && STOCK_CONFIG in config;
}

function requireKernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, BACKEND);
  if (config === undefined) {
    throw new Error(
      `installWasmFastMatmul: the wasm backend has no '${name}' kernel; import '@tensorflow/tfjs-backend-wasm' first`,
    );
  }
  return config;
}

/**
 * Replaces the wasm backend's BatchMatMul and _FusedMatMul kernels with the fast versions.
 * Idempotent. Call after importing '@tensorflow/tfjs-backend-wasm' (typically right after
 * tf.setBackend('wasm') and tf.ready()); other backends are untouched.
 */
export function installWasmFastMatmul(): void {
  if (isWasmFastMatmulInstalled()) return;
  const stockOf = (name: OverriddenKernel): tf.KernelConfig => {
    const config = requireKernel(name);
    return isFastConfig(config) ? config[STOCK_CONFIG] : config;
  };
  const stockBatchMatMul = stockOf('BatchMatMul');
  const stockFusedMatMul = stockOf('_FusedMatMul');
  const stock: StockKernels = {
    batchMatMul: stockBatchMatMul.kernelFunc,
    fusedMatMul: stockFusedMatMul.kernelFunc,
    transpose: requireKernel('Transpose').kernelFunc,
    add: requireKernel('Add').kernelFunc,
  };
  const replacement = (config: tf.KernelConfig, fused: boolean): FastKernelConfig => ({
    // Keeps the stock setupFunc/disposeFunc: if the backend is (re)initialised while the fast
    // kernel is registered, the stock kernel still gets its wasm function bound.
    ...config,
    kernelFunc: (args) => fastProduct(args, config.kernelFunc, stock, fused),
    [STOCK_CONFIG]: config,
  });
  for (const [name, config, fused] of [
    ['BatchMatMul', stockBatchMatMul, false],
    ['_FusedMatMul', stockFusedMatMul, true],
  ] as const) {
    if (isFastConfig(currentConfig(name))) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(replacement(config, fused));
  }
}

/** Puts the stock wasm kernels back (no-op when the fast ones are not installed). */
export function uninstallWasmFastMatmul(): void {
  for (const name of OVERRIDDEN) {
    const current = currentConfig(name);
    if (!isFastConfig(current)) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(current[STOCK_CONFIG]);
  }
}

/** Whether the wasm backend currently runs the fast BatchMatMul and _FusedMatMul kernels. */
export function isWasmFastMatmulInstalled(): boolean {
  return OVERRIDDEN.every((name) => isFastConfig(currentConfig(name)));
}
