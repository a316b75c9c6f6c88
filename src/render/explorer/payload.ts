// What the latent explorer embeds in a page: every decoder's dense layers (float32, base64), the
// test codes (float32), their labels, a capped stratified subset of the test images (uint8), each
// model's density for "Sample" (a Gaussian mixture: the fitted density's kind converts itself, a
// VAE gives its prior N(0, I)) and the principal plane of the codes. Plain JSON; the page's script decodes it.
import { symmetricTopEigen } from '../../shared/eigen.ts';
import type { DecoderExport, GaussianComponent } from '../../shared/types.ts';

/** A density to sample from, as a mixture of Gaussians (the page factors each covariance), with a name for the button. */
export interface ExplorerDensity {
  label: string;
  components: GaussianComponent[];
}

export interface ExplorerModel {
  /** Shown above the model's decoded image, e.g. 'deep' or a run's label in compare.html. */
  label: string;
  kind: string;
  decoder: DecoderExport;
  /** The model's codes of the test images, n×latent row-major (n = ExplorerInput.labels.length). */
  codes: Float32Array;
  /** Where "Sample" draws from; null hides the button for this model. */
  density: ExplorerDensity | null;
}

export interface ExplorerInput {
  height: number;
  width: number;
  latent: number;
  /** Labels of the test images, one per code. */
  labels: Uint8Array;
  /** The test images, n×(height·width) in [0, 1]; only a capped subset is embedded. */
  images: Float32Array;
  /** One model for report.html; up to four sharing one latent space for compare.html. */
  models: ExplorerModel[];
  /** At most this many test images go into the page (default DEFAULT_MAX_IMAGES). */
  maxImages?: number;
  /** Seeds the page's random pairs and samples, so a page behaves the same on every load. */
  seed: number;
}

/** 600 MNIST images are 470 kB as uint8 (630 kB in base64): enough to find a near neighbour anywhere. */
export const DEFAULT_MAX_IMAGES = 600;
/** compare.html shows at most this many decoders side by side. */
export const MAX_EXPLORER_MODELS = 4;

export interface ExplorerPayload {
  height: number;
  width: number;
  latent: number;
  n: number;
  seed: number;
  labels: string;
  /** Indices (into the codes) of the embedded images, ascending. */
  imageIndex: number[];
  images: string;
  models: {
    label: string;
    kind: string;
    layers: { in: number; out: number; activation: string; alpha: number; weights: string; bias: string }[];
    codes: string;
    density: ExplorerDensity | null;
    /** Mean of the codes and their first two principal directions (latent > 2 only). */
    plane: { mean: number[]; axes: number[][]; stds: number[] } | null;
  }[];
}

function base64(data: Float32Array | Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/**
 * Picks up to `max` of the n images, the same share of every label as in the whole set (at least
 * one per label), evenly spread through each label's images, so the subset is deterministic.
 */
export function stratifiedSubset(labels: Uint8Array, max: number): number[] {
  const n = labels.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const byLabel = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byLabel.get(label) ?? [];
    list.push(i);
    byLabel.set(label, list);
  });
  const picked: number[] = [];
  for (const list of byLabel.values()) {
    const quota = Math.max(1, Math.floor((max * list.length) / n));
    for (let k = 0; k < quota && k < list.length; k++) picked.push(list[Math.floor((k * list.length) / quota)]!);
  }
  return picked.sort((a, b) => a - b);
}

function checkModel(m: ExplorerModel, input: ExplorerInput, n: number): void {
  const layers = m.decoder.layers;
  const dim = input.height * input.width;
  if (layers.length === 0) throw new Error(`explorer: model ${m.label} has no decoder layers`);
  if (layers[0]!.in !== input.latent || layers[layers.length - 1]!.out !== dim) {
    throw new Error(`explorer: model ${m.label}'s decoder maps ${layers[0]!.in} → ${layers[layers.length - 1]!.out}, expected ${input.latent} → ${dim}`);
  }
  layers.forEach((l, i) => {
    if (l.weights.length !== l.in * l.out || l.bias.length !== l.out || (i > 0 && layers[i - 1]!.out !== l.in)) {
      throw new Error(`explorer: model ${m.label}'s decoder layer ${i} has inconsistent sizes`);
    }
  });
  if (m.codes.length !== n * input.latent) throw new Error(`explorer: model ${m.label} has ${m.codes.length} code values, expected ${n}×${input.latent}`);
}

/** Mean, first two principal directions and the standard deviations along them, of n codes of size d. */
export function principalPlane(codes: Float32Array, n: number, d: number): { mean: number[]; axes: number[][]; stds: number[] } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += codes[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const ca = codes[i * d + a]! - mean[a]!;
      for (let b = 0; b <= a; b++) cov[a * d + b]! += (ca * (codes[i * d + b]! - mean[b]!)) / n;
    }
  }
  const { values, vectors } = symmetricTopEigen(cov, d, 2);
  return {
    mean: Array.from(mean),
    axes: [0, 1].map((k) => Array.from(vectors.subarray(k * d, (k + 1) * d))),
    stds: [0, 1].map((k) => Math.sqrt(Math.max(0, values[k]!))),
  };
}

export function explorerPayload(input: ExplorerInput): ExplorerPayload {
  const n = input.labels.length;
  const dim = input.height * input.width;
  if (input.models.length < 1 || input.models.length > MAX_EXPLORER_MODELS) {
    throw new Error(`explorer: needs 1 to ${MAX_EXPLORER_MODELS} models, got ${input.models.length}`);
  }
  if (input.images.length !== n * dim) throw new Error(`explorer: ${input.images.length} pixel values for ${n} images of ${dim}`);
  for (const m of input.models) checkModel(m, input, n);
  const imageIndex = stratifiedSubset(input.labels, input.maxImages ?? DEFAULT_MAX_IMAGES);
  const images = new Uint8Array(imageIndex.length * dim);
  imageIndex.forEach((src, k) => {
    for (let p = 0; p < dim; p++) {
      const v = input.images[src * dim + p]!;
      images[k * dim + p] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
  });
  return {
    height: input.height,
    width: input.width,
    latent: input.latent,
    n,
    seed: input.seed >>> 0,
    labels: base64(input.labels),
    imageIndex,
    images: base64(images),
    models: input.models.map((m) => ({
      label: m.label,
      kind: m.kind,
      layers: m.decoder.layers.map((l) => ({
        in: l.in,
        out: l.out,
        activation: l.activation,
        alpha: l.alpha ?? 0,
        weights: base64(l.weights),
        bias: base64(l.bias),
      })),
      codes: base64(m.codes),
      density: m.density,
      plane: input.latent > 2 && n > 0 ? principalPlane(m.codes, n, input.latent) : null,
    })),
  };
}
