// What the training stage tells the model stage's wasm kernels about the products they are about
// to compute. The kernels cannot see their caller, and the two stages may not import each other;
// this module is the one place both see (one copy per thread: each worker thread sets its own).

/**
 * While true, a dense layer's forward product may be computed swapped, with its bias and
 * activation applied afterwards (src/model/wasm-fast-matmul.ts), which is faster for the few rows
 * of one thread's share of a batch. It rounds differently from the fused product, so it is only
 * on while a data-parallel thread computes its gradient: one-thread training stays bit for bit
 * what it was.
 */
export const kernelHints = { swappedForward: false };

/** Runs `fn` with kernelHints.swappedForward on, restoring the previous value afterwards. */
export function withSwappedForward<T>(fn: () => T): T {
  const previous = kernelHints.swappedForward;
  kernelHints.swappedForward = true;
  try {
    return fn();
  } finally {
    kernelHints.swappedForward = previous;
  }
}
