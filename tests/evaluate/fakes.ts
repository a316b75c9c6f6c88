// Plain-JS stand-ins for the model and data stages, so evaluate's tests need no tfjs.
import type { Autoencoder, Dataset, DecoderExport, Split } from '../../src/shared/types.ts';
import { createRng } from '../../src/shared/random.ts';

/**
 * A linear autoencoder z = W x, x̂ = Wᵀ z with W given as latent rows of inputDim weights.
 * Counts its calls so tests can check batching.
 */
export class LinearFake implements Autoencoder {
  readonly kind = 'linear' as const;
  readonly inputDim: number;
  readonly latent: number;
  readonly batchSizes: number[] = [];
  constructor(private readonly w: number[][]) {
    this.latent = w.length;
    this.inputDim = w[0]!.length;
  }
  encode(x: Float32Array, n: number): Float32Array {
    if (x.length !== n * this.inputDim) throw new Error('encode: bad input length');
    this.batchSizes.push(n);
    const z = new Float32Array(n * this.latent);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < this.latent; k++) {
        let s = 0;
        for (let p = 0; p < this.inputDim; p++) s += this.w[k]![p]! * x[i * this.inputDim + p]!;
        z[i * this.latent + k] = s;
      }
    }
    return z;
  }
  decode(z: Float32Array, n: number): Float32Array {
    if (z.length !== n * this.latent) throw new Error('decode: bad input length');
    const x = new Float32Array(n * this.inputDim);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < this.inputDim; p++) {
        let s = 0;
        for (let k = 0; k < this.latent; k++) s += this.w[k]![p]! * z[i * this.latent + k]!;
        x[i * this.inputDim + p] = s;
      }
    }
    return x;
  }
  reconstruct(x: Float32Array, n: number): Float32Array {
    return this.decode(this.encode(x, n), n);
  }
  paramCount(): number {
    return this.latent * this.inputDim;
  }
  async save(): Promise<void> {}
  summary(): Record<string, unknown> {
    return {};
  }
  /** x̂ = z·W: one bias-free linear layer with W's rows as the kernel. */
  exportDecoder(): DecoderExport {
    const weights = Float32Array.from(this.w.flat());
    return { layers: [{ in: this.latent, out: this.inputDim, weights, bias: new Float32Array(this.inputDim), activation: 'linear' }] };
  }
  dispose(): void {}
}

/** Keeps the first `latent` pixels as the code and decodes them back in place (zeros elsewhere). */
export function pixelSelector(inputDim: number, latent: number): LinearFake {
  return new LinearFake(Array.from({ length: latent }, (_, k) => Array.from({ length: inputDim }, (_, p) => (p === k ? 1 : 0))));
}

export function split(images: number[][], labels: number[]): Split {
  return { images: Float32Array.from(images.flat()), labels: Uint8Array.from(labels), count: labels.length };
}

export function dataset(height: number, width: number, train: Split, validation: Split, test: Split): Dataset {
  const byDigit = (s: Split): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const l of s.labels) out[String(l)] = (out[String(l)] ?? 0) + 1;
    return out;
  };
  return {
    height,
    width,
    dim: height * width,
    train,
    validation,
    test,
    counts: {
      n_train: train.count,
      n_val: validation.count,
      n_test: test.count,
      train_by_digit: byDigit(train),
      val_by_digit: byDigit(validation),
      test_by_digit: byDigit(test),
    },
    origin: 'test fixture',
  };
}

/** count random images (pixels uniform in [0, 1)) with labels cycling through `digits`. */
export function randomSplit(count: number, dim: number, digits: number[], seed: number): Split {
  const rng = createRng(seed);
  const images = new Float32Array(count * dim);
  for (let i = 0; i < images.length; i++) images[i] = rng.next();
  const labels = Uint8Array.from({ length: count }, (_, i) => digits[i % digits.length]!);
  return { images, labels, count };
}

export const emptySplit = (): Split => ({ images: new Float32Array(0), labels: new Uint8Array(0), count: 0 });

/** n codes (row-major) drawn as mean + L·ε, L lower triangular, ε standard normal. */
export function gaussianCodes(n: number, mean: number[], chol: number[][], seed: number): Float32Array {
  const d = mean.length;
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  const eps = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) eps[j] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = mean[j]!;
      for (let k = 0; k <= j; k++) s += chol[j]![k]! * eps[k]!;
      out[i * d + j] = s;
    }
  }
  return out;
}
