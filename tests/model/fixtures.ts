// Synthetic image data for model and training tests: a few smooth "strokes" mixed with seeded
// weights, plus noise, clipped to [0, 1]. Low-rank enough that PCA and autoencoders have structure
// to find, small enough that every test runs in well under a second on wasm.
import fs from 'node:fs';
import { createRng } from '../../src/shared/random.ts';
import type { Dataset, Split } from '../../src/shared/types.ts';
import type { ModelSpec, TrainSpec } from '../../src/shared/spec-types.ts';

export function syntheticImages(count: number, dim: number, seed = 7, opts: { factors?: number; noise?: number; zeroPixels?: number[] } = {}): Float32Array {
  const rng = createRng(seed);
  const factors = opts.factors ?? 4;
  const noise = opts.noise ?? 0.05;
  const basis: Float64Array[] = [];
  for (let f = 0; f < factors; f++) {
    const phase = rng.next() * Math.PI * 2;
    const freq = 1 + f;
    basis.push(Float64Array.from({ length: dim }, (_, j) => Math.sin((freq * 2 * Math.PI * j) / dim + phase)));
  }
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const w = Array.from({ length: factors }, (_, f) => rng.normal() / (1 + f));
    for (let j = 0; j < dim; j++) {
      let v = 0.5 + noise * rng.normal();
      for (let f = 0; f < factors; f++) v += 0.15 * w[f]! * basis[f]![j]!;
      out[i * dim + j] = Math.min(1, Math.max(0, v));
    }
    for (const j of opts.zeroPixels ?? []) out[i * dim + j] = 0;
  }
  return out;
}

function split(images: Float32Array, count: number): Split {
  return { images, labels: new Uint8Array(count), count };
}

/** An in-memory Dataset with train/validation/test splits of synthetic images (side×side pixels). */
export function syntheticDataset(opts: { side?: number; nTrain?: number; nVal?: number; nTest?: number; seed?: number } = {}): Dataset {
  const side = opts.side ?? 8;
  const dim = side * side;
  const nTrain = opts.nTrain ?? 256;
  const nVal = opts.nVal ?? 64;
  const nTest = opts.nTest ?? 32;
  const all = syntheticImages(nTrain + nVal + nTest, dim, opts.seed ?? 7);
  const train = all.slice(0, nTrain * dim);
  const validation = all.slice(nTrain * dim, (nTrain + nVal) * dim);
  const test = all.slice((nTrain + nVal) * dim);
  return {
    height: side,
    width: side,
    dim,
    train: split(train, nTrain),
    validation: split(validation, nVal),
    test: split(test, nTest),
    counts: { n_train: nTrain, n_val: nVal, n_test: nTest, train_by_digit: {}, val_by_digit: {}, test_by_digit: {} },
    origin: 'synthetic',
  };
}

export function deepSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return { kind: 'deep', latent: 2, encoder: [32], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', likelihood: 'bernoulli', beta: 1, code_l1: 0, dropout: 0, batch_norm: false, tied: false, ...overrides };
}

export function trainSpec(overrides: Partial<TrainSpec> = {}): TrainSpec {
  return { epochs: 2, batch_size: 32, optimizer: 'adam', learning_rate: 0.01, lr_schedule: { kind: 'constant' }, warmup_epochs: 0, weight_decay: 0, gradient_clip: 0, loss: 'mse', early_stopping: { patience: 0, min_delta: 0 }, kl_warmup_epochs: 0, workers: 1, checkpoint_every: 1, ...overrides };
}

/** Mean squared error over all images and pixels, in float64. */
export function mse(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum / a.length;
}

/** The enum of a model property in the experiment schema (so tests follow the schema). */
export function schemaModelEnum(property: 'kind' | 'activation' | 'output_activation'): string[] {
  const schema = JSON.parse(fs.readFileSync(new URL('../../schemas/experiment.schema.json', import.meta.url), 'utf8')) as {
    properties: { model: { properties: Record<string, { enum?: string[]; anyOf?: { enum?: string[] }[] }> } };
  };
  const node = schema.properties.model.properties[property]!;
  // activation is one value or a list of them: its enum sits in the first anyOf branch.
  return node.enum ?? node.anyOf!.find((b) => b.enum)!.enum!;
}

/** Classic cyclic Jacobi eigen-decomposition, slow but simple: the brute-force reference. */
export function jacobiEigen(aIn: Float64Array, n: number): { values: number[]; vectors: Float64Array[] } {
  const a = Float64Array.from(aIn);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]!);
  return {
    values: order.map((i) => a[i * n + i]!),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i]!)),
  };
}

/** Largest |x − y| relative to the largest |y| (at least 1): kernels compared across backends. */
export function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`relativeError: lengths differ (${x.length} vs ${y.length})`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / scale;
}

/** What float32 kernels that sum in a different order agree to, relative to the result's scale. */
export const FLOAT32_TOLERANCE = 1e-5;
