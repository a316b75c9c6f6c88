// Autoencoder.exportDecoder: the plain dense layers it returns, applied in float64 here, must give
// the model's own decode (tfjs) for every kind and every hidden activation.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel, hiddenActivations } from '../../src/model/index.ts';
import type { DecoderExport } from '../../src/shared/types.ts';
import type { ModelSpec } from '../../src/shared/spec-types.ts';
import { deepSpec, syntheticImages } from './fixtures.ts';

const DIM = 36;

/** Reference evaluation of an exported decoder, written from the activations' definitions. */
function applyExport(exp: DecoderExport, z: Float64Array): Float64Array {
  const erf = (x: number): number => {
    // Abramowitz & Stegun 7.1.26 (what tfjs's erf computes).
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return Math.sign(x) * y;
  };
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  let x = z;
  for (const l of exp.layers) {
    const y = new Float64Array(l.out);
    for (let j = 0; j < l.out; j++) {
      let s = l.bias[j]!;
      for (let i = 0; i < l.in; i++) s += x[i]! * l.weights[i * l.out + j]!;
      y[j] = s;
    }
    const f: Record<string, (v: number) => number> = {
      linear: (v) => v,
      relu: (v) => Math.max(0, v),
      sigmoid: sig,
      tanh: Math.tanh,
      elu: (v) => (v > 0 ? v : Math.expm1(v)),
      selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)),
      softplus: (v) => Math.log1p(Math.exp(v)),
      leaky_relu: (v) => (v > 0 ? v : l.alpha! * v),
      swish: (v) => v * sig(v),
      gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    };
    x = y.map(f[l.activation]!);
  }
  return x;
}

function codes(n: number, latent: number, scale: number): Float32Array {
  return Float32Array.from({ length: n * latent }, (_, i) => scale * Math.sin(1.7 * i + 0.3));
}

function expectExportMatches(model: { latent: number; decode(z: Float32Array, n: number): Float32Array; exportDecoder(): DecoderExport }, scale: number): void {
  const n = 5;
  const z = codes(n, model.latent, scale);
  const expected = model.decode(z, n);
  const exp = model.exportDecoder();
  expect(exp.layers[0]!.in).toBe(model.latent);
  expect(exp.layers[exp.layers.length - 1]!.out).toBe(DIM);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const got = applyExport(exp, Float64Array.from(z.subarray(i * model.latent, (i + 1) * model.latent)));
    for (let p = 0; p < DIM; p++) worst = Math.max(worst, Math.abs(got[p]! - expected[i * DIM + p]!));
  }
  expect(worst).toBeLessThan(1e-5);
}

describe('exportDecoder', () => {
  const train = syntheticImages(200, DIM, 4);

  it('pca: one affine layer Wᵀ, μ that reproduces decode', async () => {
    const model = await buildModel({ ...deepSpec(), kind: 'pca', latent: 3 }, { inputDim: DIM, seed: 1, train: { images: train, count: 200 } });
    const exp = model.exportDecoder();
    expect(exp.layers.map((l) => [l.in, l.out, l.activation])).toEqual([[3, DIM, 'linear']]);
    expectExportMatches(model, 2);
    model.dispose();
  });

  for (const output of ['sigmoid', 'linear'] as const) {
    it(`linear (output ${output})`, async () => {
      const model = await buildModel({ ...deepSpec(), kind: 'linear', latent: 4, output_activation: output }, { inputDim: DIM, seed: 2 });
      expect(model.exportDecoder().layers.map((l) => l.activation)).toEqual([output]);
      expectExportMatches(model, 1.5);
      model.dispose();
    });
  }

  for (const activation of hiddenActivations) {
    it(`deep with ${activation} hidden layers, without leaking tensors`, async () => {
      const spec: ModelSpec = deepSpec({ latent: 3, encoder: [20, 12], activation });
      const model = await buildModel(spec, { inputDim: DIM, seed: 3 });
      const before = tf.memory().numTensors;
      const exp = model.exportDecoder();
      expect(tf.memory().numTensors).toBe(before);
      expect(exp.layers.map((l) => [l.in, l.out, l.activation])).toEqual([
        [3, 12, activation],
        [12, 20, activation],
        [20, DIM, 'sigmoid'],
      ]);
      // Large codes drive the hidden units into their nonlinear ranges.
      expectExportMatches(model, 3);
      model.dispose();
    });
  }

  it('the exported arrays are copies: changing them does not change the model', async () => {
    const model = await buildModel(deepSpec({ latent: 2, encoder: [8] }), { inputDim: DIM, seed: 4 });
    const z = codes(1, 2, 1);
    const before = model.decode(z, 1);
    model.exportDecoder().layers[0]!.weights.fill(0);
    expect(Array.from(model.decode(z, 1))).toEqual(Array.from(before));
    model.dispose();
  });
});
