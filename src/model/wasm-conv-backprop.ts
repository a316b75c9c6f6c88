// Convolution gradients for the tfjs wasm backend: Conv2DBackpropFilter (missing) and
// Conv2DBackpropInput (present but slow).
//
// Why: @tensorflow/tfjs-backend-wasm 4.22 has Conv2D, FusedConv2D and Conv2DBackpropInput but no
// Conv2DBackpropFilter, so the gradient of any convolution's weights (Conv2D and
// Conv2DTranspose layers alike) fails with "Kernel 'Conv2DBackpropFilter' not registered for
// backend 'wasm'". Without it a convolutional autoencoder cannot train on wasm at all. Its
// Conv2DBackpropInput (the input gradient of a convolution, and the forward pass of a transposed
// convolution) is a scalar seven-deep loop, the slowest kernel of a conv autoencoder's step.
//
// How: both are matrix products around an im2col layout. With rows = output positions (n, oy, ox)
// and taps = filter positions (fy, fx, ci), P the patch matrix of the input (rows × taps), dY the
// output gradient (rows × cout) and W the filter as a taps × cout matrix (its memory layout):
//   filter gradient: dW = Pᵀ · dY                     (taps × cout, exactly W's layout)
//   input gradient:  dX = col2im(dY · Wᵀ)             (rows × taps, each entry added to its pixel)
// Pᵀ is gathered with strided reads straight from the input's wasm memory (zeros in the padding),
// col2im adds each entry into the input pixel it came from; both are JS loops over the heap. The
// products run on the backend's own BatchMatMul, untransposed with a batch of 1 (its XNNPACK
// path). Work goes in blocks of output positions so the temporaries stay a few MB.
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './wasm-fast-matmul.ts';

const BACKEND = 'wasm';

/** Largest gathered patch block (floats): 1M floats = 4 MB of temporary per block. */
const BLOCK_FLOATS = 1 << 20;

/** Marks our kernel configs; the value is the stock config replaced (null when there was none). */
const STOCK = Symbol.for('aelab.wasmConvBackprop.stock');
type OurConfig = tf.KernelConfig & { [STOCK]: tf.KernelConfig | null };
const KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const;


interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function floatsAt(backend: WasmBackend, info: tf.TensorInfo, length: number): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('wasm conv backprop: tensor data is not on the wasm backend');
  // A fresh view every time: allocating (makeOutput) may grow the heap and detach older views.
  return new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, length);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Everything both kernels need about one convolution x (*) W → y, in element strides. */
interface Geometry {
  info: tf.backend_util.Conv2DInfo;
  channelsLast: boolean;
  /** Element strides of x (and dx) in (n, y, x, c) order, for either layout. */
  xs: { n: number; y: number; x: number; c: number };
  positionsPerImage: number;
  /** Output positions: the length of the sums. */
  rows: number;
  /** Filter taps (fy, fx, ci): rows of W as a matrix. */
  taps: number;
  /** Output positions per block, so that a block's patch or column matrix stays ≤ BLOCK_FLOATS. */
  blockRows: number;
}

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): Geometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1, // tfjs takes no gradient of a dilated convolution either
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const channelsLast = info.dataFormat === 'channelsLast';
  const xs = channelsLast
    ? { n: inHeight * inWidth * inChannels, y: inWidth * inChannels, x: inChannels, c: 1 }
    : { n: inChannels * inHeight * inWidth, y: inWidth, x: 1, c: inHeight * inWidth };
  const positionsPerImage = outHeight * outWidth;
  const rows = batchSize * positionsPerImage;
  const taps = filterHeight * filterWidth * inChannels;
  const blockRows = Math.max(1, Math.min(rows, Math.floor(BLOCK_FLOATS / Math.max(taps, outChannels))));
  return { info, channelsLast, xs, positionsPerImage, rows, taps, blockRows };
}

/**
 * Fills pixels[j] for the output positions start + j (j < count) and one filter tap (fy, fx) with
 * the flat index of the input pixel (channel 0) that tap reads, or −1 where it falls in the
 * padding. Computed once per tap and block, so the per-channel loops below are plain array loops.
 */
function tapPixels(g: Geometry, start: number, count: number, fy: number, fx: number, pixels: Int32Array): void {
  const { outHeight, outWidth, inHeight, inWidth, strideHeight, strideWidth } = g.info;
  const top = g.info.padInfo.top;
  const left = g.info.padInfo.left;
  const xs = g.xs;
  let n = Math.floor(start / g.positionsPerImage);
  const within = start - n * g.positionsPerImage;
  let oy = Math.floor(within / outWidth);
  let ox = within - oy * outWidth;
  for (let j = 0; j < count; j++) {
    const iy = oy * strideHeight + fy - top;
    const ix = ox * strideWidth + fx - left;
    pixels[j] = iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth ? n * xs.n + iy * xs.y + ix * xs.x : -1;
    if (++ox === outWidth) {
      ox = 0;
      if (++oy === outHeight) {
        oy = 0;
        n++;
      }
    }
  }
}

/** Rows [start, start + count) of dy as a count × cout matrix: a copy for NHWC, gathered for NCHW. */
function gradientRows(backend: WasmBackend, g: Geometry, dy: tf.TensorInfo, start: number, count: number, target: tf.TensorInfo): void {
  const cout = g.info.outChannels;
  const dyv = floatsAt(backend, dy, sizeOf(dy.shape));
  const out = floatsAt(backend, target, count * cout);
  if (g.channelsLast) {
    out.set(dyv.subarray(start * cout, (start + count) * cout));
    return;
  }
  for (let j = 0; j < count; j++) {
    const n = Math.floor((start + j) / g.positionsPerImage);
    const p = start + j - n * g.positionsPerImage;
    for (let co = 0; co < cout; co++) out[j * cout + co] = dyv[(n * cout + co) * g.positionsPerImage + p]!;
  }
}

/**
 * Runs `block(start, count, temporary)` over the output positions in blocks. Every tensor made
 * with `temporary` is freed after its block (or on error). Both operands of a block's product
 * must be fresh tensors: the wasm BatchMatMul caches its packed right operand by tensor id, so
 * refilling one buffer for the next block would multiply by stale data.
 */
function inBlocks(backend: WasmBackend, g: Geometry, block: (start: number, count: number, temporary: (shape: number[]) => tf.TensorInfo) => void): void {
  const temporaries: tf.TensorInfo[] = [];
  const temporary = (shape: number[]): tf.TensorInfo => {
    const t = backend.makeOutput(shape, 'float32');
    temporaries.push(t);
    return t;
  };
  try {
    for (let start = 0; start < g.rows; start += g.blockRows) {
      block(start, Math.min(g.blockRows, g.rows - start), temporary);
      for (const t of temporaries.splice(0)) backend.disposeData(t.dataId);
    }
  } finally {
    for (const t of temporaries.splice(0)) backend.disposeData(t.dataId);
  }
}

/** a·b for a [1, m, k] and b [1, k, n] on the wasm backend's BatchMatMul (its XNNPACK path). */
function product(args: Parameters<tf.KernelFunc>[0], a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const matMul = tf.getKernel('BatchMatMul', BACKEND);
  if (matMul === undefined) throw new Error('wasm conv backprop: the wasm backend has no BatchMatMul kernel');
  return matMul.kernelFunc({ inputs: { a, b }, backend: args.backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

function checkFloat32(kernel: string, ...tensors: tf.TensorInfo[]): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`wasm ${kernel}: expects float32 tensors, got ${t.dtype}`);
}

/** dW = Σ over output positions of Pᵀ·dY; inputs x, dy; attrs with filterShape. */
export function conv2DBackpropFilterWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  checkFloat32('Conv2DBackpropFilter', x, dy);
  const g = geometry(x.shape, attrs.filterShape, attrs);
  const { filterHeight, filterWidth, inChannels, outChannels } = g.info;
  const { taps } = g;
  const out = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const pixels = new Int32Array(g.blockRows);
  try {
    floatsAt(backend, out, taps * outChannels).fill(0); // stays zero when dy is empty
    inBlocks(backend, g, (start, count, temporary) => {
      const patches = temporary([1, taps, count]);
      const grad = temporary([1, count, outChannels]);
      // Pᵀ for this block: row (fy, fx, ci) holds that tap's input value at every position.
      const xv = floatsAt(backend, x, sizeOf(x.shape));
      const pt = floatsAt(backend, patches, taps * count);
      const channelStride = g.xs.c;
      for (let fy = 0; fy < filterHeight; fy++) {
        for (let fx = 0; fx < filterWidth; fx++) {
          tapPixels(g, start, count, fy, fx, pixels);
          for (let ci = 0; ci < inChannels; ci++) {
            const base = ((fy * filterWidth + fx) * inChannels + ci) * count;
            const offset = ci * channelStride;
            for (let j = 0; j < count; j++) {
              const pixel = pixels[j]!;
              pt[base + j] = pixel < 0 ? 0 : xv[pixel + offset]!;
            }
          }
        }
      }
      gradientRows(backend, g, dy, start, count, grad);
      const result = product(args, patches, grad);
      const sum = floatsAt(backend, out, taps * outChannels);
      const values = floatsAt(backend, result, taps * outChannels);
      if (start === 0) sum.set(values);
      else for (let i = 0; i < values.length; i++) sum[i]! += values[i]!;
      backend.disposeData(result.dataId);
    });
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  }
  return out;
}

/** dX = col2im(dY · Wᵀ); inputs dy, filter; attrs with inputShape (x's shape). */
export function conv2DBackpropInputWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  checkFloat32('Conv2DBackpropInput', dy, filter);
  const g = geometry(attrs.inputShape, filter.shape, attrs);
  const { filterHeight, filterWidth, inChannels, outChannels } = g.info;
  const { taps } = g;
  const out = backend.makeOutput(g.info.inShape, 'float32');
  const pixels = new Int32Array(g.blockRows);
  try {
    floatsAt(backend, out, sizeOf(g.info.inShape)).fill(0);
    // Wᵀ (cout × taps), made once per call (fresh: the product caches its right operand by id).
    const weightsT = backend.makeOutput([1, outChannels, taps], 'float32');
    try {
      const w = floatsAt(backend, filter, taps * outChannels);
      const wt = floatsAt(backend, weightsT, taps * outChannels);
      for (let t = 0; t < taps; t++) for (let co = 0; co < outChannels; co++) wt[co * taps + t] = w[t * outChannels + co]!;
      inBlocks(backend, g, (start, count, temporary) => {
        const grad = temporary([1, count, outChannels]);
        gradientRows(backend, g, dy, start, count, grad);
        const columns = product(args, grad, weightsT); // count × taps
        try {
          const cv = floatsAt(backend, columns, count * taps);
          const dx = floatsAt(backend, out, sizeOf(g.info.inShape));
          const channelStride = g.xs.c;
          for (let fy = 0; fy < filterHeight; fy++) {
            for (let fx = 0; fx < filterWidth; fx++) {
              tapPixels(g, start, count, fy, fx, pixels);
              const tap0 = (fy * filterWidth + fx) * inChannels;
              for (let j = 0; j < count; j++) {
                const pixel = pixels[j]!;
                if (pixel < 0) continue;
                const from = j * taps + tap0;
                for (let ci = 0; ci < inChannels; ci++) dx[pixel + ci * channelStride]! += cv[from + ci]!;
              }
            }
          }
        } finally {
          backend.disposeData(columns.dataId);
        }
      });
    } finally {
      backend.disposeData(weightsT.dataId);
    }
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  }
  return out;
}

const IMPLEMENTATIONS: Record<(typeof KERNELS)[number], (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo> = {
  Conv2DBackpropFilter: conv2DBackpropFilterWasm,
  Conv2DBackpropInput: conv2DBackpropInputWasm,
};

function isOurs(config: tf.KernelConfig | undefined): config is OurConfig {
  return config !== undefined && STOCK in config;
}

/**
 * Registers our Conv2DBackpropFilter and Conv2DBackpropInput for the wasm backend (replacing the
 * stock Conv2DBackpropInput, remembered for uninstall). Idempotent; call after importing
 * '@tensorflow/tfjs-backend-wasm'.
 */
export function installWasmConvBackprop(): void {
  for (const name of KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (isOurs(current)) continue;
    if (current !== undefined) tf.unregisterKernel(name, BACKEND);
    const config: OurConfig = {
      // The stock setupFunc (if any) stays, so that a re-initialised backend still binds its wasm function.
      ...(current ?? {}),
      kernelName: name,
      backendName: BACKEND,
      kernelFunc: IMPLEMENTATIONS[name] as unknown as tf.KernelFunc,
      [STOCK]: current ?? null,
    };
    tf.registerKernel(config);
  }
}

/** Puts the stock kernels back: Conv2DBackpropInput's loop, and no Conv2DBackpropFilter at all. */
export function uninstallWasmConvBackprop(): void {
  for (const name of KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (!isOurs(current)) continue;
    tf.unregisterKernel(name, BACKEND);
    if (current[STOCK] !== null) tf.registerKernel(current[STOCK]);
  }
}

export function isWasmConvBackpropInstalled(): boolean {
  return KERNELS.every((name) => isOurs(tf.getKernel(name, BACKEND)));
}
