// tf.clone on the tfjs wasm backend without copying the data.
//
// Why: while a gradient tape records, tfjs keeps each kernel's inputs and outputs for the backward
// pass by cloning them (Engine.saveTensorsForBackwardMode → clone → the Identity kernel), and the
// stock wasm Identity copies the data: every weight matrix and every activation, at every
// optimizer step. On the lecture model that is ~0.8 ms of a ~30 ms half-batch gradient, and memory
// traffic that the threads of data-parallel training contend for. Tensor data is never written
// after it is made, and the wasm backend counts references per data id (its own Reshape shares data
// this way), so a clone can share its source's data, as the cpu and webgl backends' Identity do.
// The values are the same bytes, so every result is bit for bit what the copying kernel gives.
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'wasm';
const KERNEL = 'Identity';
/** Marks our kernel config and remembers the stock one it replaced. */
const STOCK = Symbol.for('aelab.wasmSharedIdentity.stock');
type SharedIdentityConfig = tf.KernelConfig & { [STOCK]: tf.KernelConfig };

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function isOurs(config: tf.KernelConfig | undefined): config is SharedIdentityConfig {
  return config !== undefined && STOCK in config;
}

/**
 * Registers the sharing Identity for the wasm backend (the stock one is remembered for
 * uninstall). Idempotent; call after importing '@tensorflow/tfjs-backend-wasm'.
 */
export function installWasmSharedIdentity(): void {
  const current = tf.getKernel(KERNEL, BACKEND);
  if (isOurs(current)) return;
  if (current === undefined) {
    throw new Error(`installWasmSharedIdentity: the wasm backend has no '${KERNEL}' kernel; import '@tensorflow/tfjs-backend-wasm' first`);
  }
  const stock = current;
  const config: SharedIdentityConfig = {
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      // String tensors keep their JavaScript-side values; the stock kernel handles them.
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
    [STOCK]: stock,
  };
  tf.unregisterKernel(KERNEL, BACKEND);
  tf.registerKernel(config);
}

/** Puts the stock (copying) Identity back; no-op when ours is not installed. */
export function uninstallWasmSharedIdentity(): void {
  const current = tf.getKernel(KERNEL, BACKEND);
  if (!isOurs(current)) return;
  tf.unregisterKernel(KERNEL, BACKEND);
  tf.registerKernel(current[STOCK]);
}

export function isWasmSharedIdentityInstalled(): boolean {
  return isOurs(tf.getKernel(KERNEL, BACKEND));
}
