// The Conv2DBackpropFilter kernel for the tfjs wasm backend.
//
// Why: @tensorflow/tfjs-backend-wasm 4.22 has Conv2D, FusedConv2D and Conv2DBackpropInput but no
// Conv2DBackpropFilter, so the gradient of any convolution's weights (Conv2D and
// Conv2DTranspose layers alike) fails with "Kernel 'Conv2DBackpropFilter' not registered for
// backend 'wasm'". Without it a convolutional autoencoder cannot train on wasm at all.
//
// How: the filter gradient is a matrix product. With P the im2col patch matrix of the input
// (one row per output position (n, oy, ox), one column per filter tap (fy, fx, ci)) and dY the
// output gradient as a matrix (one row per output position, one column per output channel),
//   dW[(fy, fx, ci), co] = Σ_rows P[row, (fy, fx, ci)] · dY[row, co]  =  (Pᵀ · dY)[(fy, fx, ci), co],
// and Pᵀ·dY reshaped is exactly the [fh, fw, cin, cout] filter layout. Pᵀ is gathered with
// strided reads straight from the input's wasm memory (zeros where a tap falls in the padding),
// one block of output positions at a time so the temporary stays a few MB, and each block's
// product runs on the backend's own BatchMatMul (untransposed and with a batch of 1, which is
// its XNNPACK path). The blocks' products are summed into the output in place.
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'wasm';
const KERNEL = 'Conv2DBackpropFilter';

/** Largest gathered patch block (floats): 1M floats = 4 MB of temporary per block. */
const BLOCK_FLOATS = 1 << 20;

/** Marks the kernel config as ours (so installing twice is a no-op, and uninstall knows what it removes). */
const OURS = Symbol.for('aelab.wasmConv2DBackpropFilter');

/** The part of tfjs-backend-wasm's BackendWasm that the kernel uses. */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

interface Attrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function floatsAt(backend: WasmBackend, info: tf.TensorInfo, length: number): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('wasm Conv2DBackpropFilter: tensor data is not on the wasm backend');
  // A fresh view every time: allocating (makeOutput) may grow the heap and detach older views.
  return new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, length);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function conv2DBackpropFilterWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as unknown as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Attrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`wasm Conv2DBackpropFilter: expects float32 tensors, got ${x.dtype} and ${dy.dtype}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1, // the gradient of a dilated convolution is not supported by tfjs either
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const channelsLast = info.dataFormat === 'channelsLast';
  // Element strides of x and dy in (n, y, x, c) order, for either layout.
  const xs = channelsLast
    ? { n: inHeight * inWidth * inChannels, y: inWidth * inChannels, x: inChannels, c: 1 }
    : { n: inChannels * inHeight * inWidth, y: inWidth, x: 1, c: inHeight * inWidth };
  const positionsPerImage = outHeight * outWidth;
  const rows = batchSize * positionsPerImage; // output positions: the sum's length
  const taps = filterHeight * filterWidth * inChannels; // rows of Pᵀ and of dW

  const out = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const matMul = tf.getKernel('BatchMatMul', BACKEND);
  if (matMul === undefined) throw new Error('wasm Conv2DBackpropFilter: the wasm backend has no BatchMatMul kernel');
  const blockRows = Math.max(1, Math.min(rows, Math.floor(BLOCK_FLOATS / Math.max(taps, outChannels))));
  // Both operands of every block product are fresh tensors: the wasm BatchMatMul caches its packed
  // right operand by tensor id, so refilling one buffer for the next block would reuse stale data.
  const temporaries: tf.TensorInfo[] = [];
  const temporary = (shape: number[]): tf.TensorInfo => {
    const t = backend.makeOutput(shape, 'float32');
    temporaries.push(t);
    return t;
  };
  const release = (): void => {
    for (const t of temporaries.splice(0)) backend.disposeData(t.dataId);
  };
  try {
    floatsAt(backend, out, taps * outChannels).fill(0); // stays zero when dy is empty
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start);
      const patches = temporary([1, taps, count]);
      const grad = temporary([1, count, outChannels]);
      // Pᵀ for rows [start, start + count): row (fy, fx, ci) holds that tap for every position.
      const xv = floatsAt(backend, x, sizeOf(x.shape));
      const pt = floatsAt(backend, patches, taps * count);
      for (let fy = 0; fy < filterHeight; fy++) {
        for (let fx = 0; fx < filterWidth; fx++) {
          for (let ci = 0; ci < inChannels; ci++) {
            const base = ((fy * filterWidth + fx) * inChannels + ci) * count;
            let n = Math.floor(start / positionsPerImage);
            const within = start - n * positionsPerImage;
            let oy = Math.floor(within / outWidth);
            let ox = within - oy * outWidth;
            for (let j = 0; j < count; j++) {
              const iy = oy * strideHeight + fy - top;
              const ix = ox * strideWidth + fx - left;
              pt[base + j] = iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth ? xv[n * xs.n + iy * xs.y + ix * xs.x + ci * xs.c]! : 0;
              if (++ox === outWidth) {
                ox = 0;
                if (++oy === outHeight) {
                  oy = 0;
                  n++;
                }
              }
            }
          }
        }
      }
      // dY rows [start, start + count) as a count×cout matrix: contiguous for NHWC, gathered for NCHW.
      const dyv = floatsAt(backend, dy, sizeOf(dy.shape));
      const g = floatsAt(backend, grad, count * outChannels);
      if (channelsLast) {
        g.set(dyv.subarray(start * outChannels, (start + count) * outChannels));
      } else {
        for (let j = 0; j < count; j++) {
          const n = Math.floor((start + j) / positionsPerImage);
          const p = start + j - n * positionsPerImage;
          for (let co = 0; co < outChannels; co++) g[j * outChannels + co] = dyv[(n * outChannels + co) * positionsPerImage + p]!;
        }
      }
      const product = matMul.kernelFunc({ inputs: { a: patches, b: grad }, backend: args.backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
      temporaries.push(product);
      const sum = floatsAt(backend, out, taps * outChannels);
      const part = floatsAt(backend, product, taps * outChannels);
      if (start === 0) sum.set(part);
      else for (let i = 0; i < part.length; i++) sum[i]! += part[i]!;
      release();
    }
  } catch (error) {
    backend.disposeData(out.dataId);
    throw error;
  } finally {
    release();
  }
  return out;
}

/** Registers the kernel for the wasm backend (idempotent). Call after importing tfjs-backend-wasm. */
export function installWasmConv2DBackpropFilter(): void {
  const current = tf.getKernel(KERNEL, BACKEND) as (tf.KernelConfig & { [OURS]?: true }) | undefined;
  if (current !== undefined) return; // ours already, or a future tfjs that ships its own
  tf.registerKernel({ kernelName: KERNEL, backendName: BACKEND, kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc, [OURS]: true } as tf.KernelConfig);
}

/** Removes our kernel again (for tests that compare against the missing-kernel state). */
export function uninstallWasmConv2DBackpropFilter(): void {
  const current = tf.getKernel(KERNEL, BACKEND) as (tf.KernelConfig & { [OURS]?: true }) | undefined;
  if (current?.[OURS]) tf.unregisterKernel(KERNEL, BACKEND);
}

export function isWasmConv2DBackpropFilterInstalled(): boolean {
  return tf.getKernel(KERNEL, BACKEND) !== undefined;
}
