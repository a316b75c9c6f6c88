// The numbers behind every picture: which test images, which codes, which latent points to
// decode. Every choice is drawn from a stream derived from the run's seed and the picture's
// name, so two runs on the same data show the same digits, and turning one picture off does not
// change what another one shows.
import { createRng, deriveSeed, type Rng } from '../shared/random.ts';
import { corruptBatch, type InputNoise } from '../shared/input-noise.ts';
import { columnVariance } from './code-stats.ts';
import { PRIOR_GRID_RANGE, priorQuantiles } from './prior.ts';
import type { OutputsSpec } from '../shared/spec-types.ts';
import type { Autoencoder, Dataset, DensityModel, PictureData, Split } from '../shared/types.ts';
import { checkModelFits, encodeSplit } from './metrics.ts';
import { columnMean, covariance, percentileOfSorted, symmetricEigen, toFloat64 } from '../shared/linalg.ts';

/** The manifold plane for latent ≠ 2 spans ±this many standard deviations along each principal axis. */
export const MANIFOLD_PLANE_STDS = 2.5;
/** Percentile box of the codes that the latent-2 lattice covers. */
export const MANIFOLD_PERCENTILES: [number, number] = [1, 99];
/** latent 1: half-height of the vertical jitter around each digit's row in the scatter. */
const STRIP_JITTER = 0.3;

/**
 * Picture data for render. trainCodes/testCodes (row-major codes of the whole splits, as from
 * encodeSplit) are used when given and computed otherwise. Parts whose count is 0 are omitted,
 * and so are samples when there is no density model.
 */
export function computePictureData(
  model: Autoencoder,
  data: Dataset,
  density: DensityModel | null,
  outputs: OutputsSpec,
  seed: number,
  trainCodes?: Float32Array,
  testCodes?: Float32Array,
  extra: PictureOptions = {},
): PictureData {
  checkModelFits(model, data);
  const latent = model.latent;
  const pictures: PictureData = { height: data.height, width: data.width };
  const needsTest = outputs.latent_points > 0 && data.test.count > 0;
  const needsAxes = needsTest || (outputs.manifold_grid > 0 && (data.train.count > 0 || data.test.count > 0));
  const test = needsTest ? codesOf(model, data.test, testCodes) : null;
  // The reference codes for principal axes and the manifold box: training codes, or the test
  // codes when there is no training split.
  const reference = needsAxes
    ? data.train.count > 0
      ? { codes: codesOf(model, data.train, trainCodes), n: data.train.count, name: 'training' }
      : { codes: codesOf(model, data.test, testCodes), n: data.test.count, name: 'test' }
    : null;
  const axes = reference !== null && latent > 2 ? principalAxes(reference.codes, reference.n, latent) : null;

  if (outputs.reconstructions > 0 && data.test.count > 0) {
    const picked = pickSpreadAcrossLabels(data.test, outputs.reconstructions, createRng(deriveSeed(seed, 'pictures:reconstructions')));
    const originals = gather(data.test.images, picked, data.dim);
    // A denoising run shows what it was trained for: the corrupted input, its clean target and
    // the output for the corrupted input.
    const noisy = extra.inputNoise ? new Float32Array(originals.length) : undefined;
    if (noisy) corruptBatch(originals, noisy, picked.length, data.dim, extra.inputNoise!, deriveSeed(seed, 'pictures:input-noise'), 0);
    pictures.reconstructions = {
      originals,
      reconstructed: model.reconstruct(noisy ?? originals, picked.length),
      labels: Uint8Array.from(picked, (i) => data.test.labels[i]!),
      count: picked.length,
      ...(noisy ? { noisy } : {}),
    };
  }

  if (test !== null && reference !== null) {
    const rng = createRng(deriveSeed(seed, 'pictures:latent'));
    const order = rng.shuffle(Int32Array.from({ length: data.test.count }, (_, i) => i));
    const count = Math.min(outputs.latent_points, data.test.count);
    // Kept in shuffled order so that no digit is systematically drawn on top of the others.
    const chosen = order.subarray(0, count);
    const labels = Uint8Array.from(chosen, (i) => data.test.labels[i]!);
    const codeName = model.codeName ? { codeName: model.codeName } : {};
    const x = new Float32Array(count);
    const y = new Float32Array(count);
    if (latent === 1) {
      for (let k = 0; k < count; k++) {
        x[k] = test[chosen[k]!]!;
        y[k] = labels[k]! + (2 * rng.next() - 1) * STRIP_JITTER;
      }
      pictures.latent = { x, y, labels, projected: false, xLabel: 'z (the only latent dimension)', yLabel: 'digit (rows jittered)', ...codeName };
    } else if (latent === 2) {
      for (let k = 0; k < count; k++) {
        x[k] = test[chosen[k]! * 2]!;
        y[k] = test[chosen[k]! * 2 + 1]!;
      }
      pictures.latent = { x, y, labels, projected: false, xLabel: 'z1', yLabel: 'z2', ...codeName };
    } else {
      const { mean, vectors, share } = axes!;
      const v1 = vectors[0]!;
      const v2 = vectors[1]!;
      for (let k = 0; k < count; k++) {
        const offset = chosen[k]! * latent;
        let p1 = 0;
        let p2 = 0;
        for (let j = 0; j < latent; j++) {
          const c = test[offset + j]! - mean[j]!;
          p1 += c * v1[j]!;
          p2 += c * v2[j]!;
        }
        x[k] = p1;
        y[k] = p2;
      }
      pictures.latent = {
        x,
        y,
        labels,
        projected: true,
        xLabel: `PC1 of z (${percent(share[0]!)} of ${reference.name}-code variance)`,
        yLabel: `PC2 of z (${percent(share[1]!)} of ${reference.name}-code variance)`,
        ...codeName,
      };
    }
  }

  if (outputs.manifold_grid > 0 && reference !== null) {
    const side = outputs.manifold_grid;
    const { codes: lattice, description } = density?.kind === 'prior'
      ? priorLattice(latent, side, test ?? reference.codes, test !== null ? data.test.count : reference.n)
      : latent === 2
        ? percentileLattice(toFloat64(reference.codes), reference.n, side, reference.name)
        : latent === 1
          ? percentileLine(toFloat64(reference.codes), reference.n, side, reference.name)
          : principalPlane(axes!, latent, side, reference.name);
    pictures.manifold = { images: model.decode(lattice, side * side), side, description };
  }

  if (outputs.interpolations > 0 && data.test.count > 0) {
    const rng = createRng(deriveSeed(seed, 'pictures:interpolation'));
    const steps = outputs.interpolation_steps;
    const pixel: Float32Array[] = [];
    const latentRows: Float32Array[] = [];
    const labels: [number, number][] = [];
    const byLabel = indicesByLabel(data.test);
    for (let p = 0; p < outputs.interpolations; p++) {
      const [a, b] = pickPair(byLabel, data.test.count, rng);
      const ends = gather(data.test.images, [a, b], data.dim);
      const z = model.encode(ends, 2);
      pixel.push(mixRows(ends, data.dim, steps));
      latentRows.push(model.decode(mixRows(z, latent, steps), steps));
      labels.push([data.test.labels[a]!, data.test.labels[b]!]);
    }
    pictures.interpolation = { pixel, latent: latentRows, steps, labels };
  }

  if (outputs.samples > 0 && density !== null) {
    if (density.dim !== latent) {
      throw new Error(`density model has dimension ${density.dim} but the model's latent size is ${latent}`);
    }
    const z = density.sample(outputs.samples, deriveSeed(seed, 'samples'));
    pictures.samples = { images: model.decode(z, outputs.samples), count: outputs.samples };
  }
  return pictures;
}

export interface PictureOptions {
  /** train.input_noise of a denoising run: the reconstructions picture adds the corrupted inputs. */
  inputNoise?: InputNoise;
}

/**
 * The prior's manifold (Kingma & Welling 2014, fig. 4): z = (Φ⁻¹(u), Φ⁻¹(v)) for u, v evenly
 * spaced over [0.05, 0.95], so equal areas hold equal prior mass. Beyond 2 latent dimensions it
 * walks the two most active ones (largest variance of μ(x) over the codes given) at the prior's
 * mean 0 in the others; with 1, one line of side² quantiles.
 */
function priorLattice(latent: number, side: number, codes: Float32Array, n: number): { codes: Float32Array; description: string } {
  const [lo, hi] = PRIOR_GRID_RANGE;
  if (latent === 1) {
    const q = priorQuantiles(side * side);
    return { codes: Float32Array.from(q), description: `decoded walk along z over the prior's quantiles Φ⁻¹(${lo}) … Φ⁻¹(${hi}), read row by row` };
  }
  const variance = columnVariance(codes, n, latent);
  const order = Array.from({ length: latent }, (_, j) => j).sort((a, b) => variance[b]! - variance[a]! || a - b);
  const [d1, d2] = latent === 2 ? [0, 1] : [order[0]!, order[1]!];
  const q = priorQuantiles(side);
  const out = new Float32Array(side * side * latent);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      out[(r * side + c) * latent + d1] = q[c]!;
      out[(r * side + c) * latent + d2] = q[side - 1 - r]!;
    }
  }
  const others = latent > 2 ? `; the other ${latent - 2} dimensions at the prior mean 0` : '';
  return {
    codes: out,
    description:
      `decoded ${side}×${side} lattice over the prior N(0, I): z${d1 + 1} = Φ⁻¹(u) left to right and z${d2 + 1} = Φ⁻¹(v) top to bottom (falling), ` +
      `u, v evenly spaced from ${lo} to ${hi}, i.e. z from ${fmt(q[0]!)} to ${fmt(q[side - 1]!)}${latent > 2 ? ` (the two most active dimensions)${others}` : ''}`,
  };
}

function codesOf(model: Autoencoder, split: Split, given: Float32Array | undefined): Float32Array {
  if (given === undefined) return encodeSplit(model, split);
  if (given.length !== split.count * model.latent) {
    throw new Error(`computePictureData: codes hold ${given.length} values, expected ${split.count}×${model.latent}`);
  }
  return given;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
}

/** Copies the images at the given indices into one row-major array. */
function gather(images: Float32Array, indices: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(indices.length * dim);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.set(images.subarray(i * dim, (i + 1) * dim), k * dim);
  }
  return out;
}

function indicesByLabel(split: Split): Map<number, number[]> {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i]!;
    const list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, [i]);
    else list.push(i);
  }
  return new Map([...byLabel.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * Up to `count` distinct images, round-robin over the labels present (ascending), each label's
 * images in a seeded random order: 12 pictures of digits {1, 5, 6} show four of each.
 */
export function pickSpreadAcrossLabels(split: Split, count: number, rng: Rng): number[] {
  const queues = [...indicesByLabel(split).values()].map((list) => rng.shuffle(list.slice()));
  const picked: number[] = [];
  const want = Math.min(count, split.count);
  for (let round = 0; picked.length < want; round++) {
    for (const queue of queues) {
      if (round < queue.length && picked.length < want) picked.push(queue[round]!);
    }
  }
  return picked;
}

/** Two test images, of different digits when there are at least two digits. */
function pickPair(byLabel: Map<number, number[]>, count: number, rng: Rng): [number, number] {
  const lists = [...byLabel.values()];
  if (lists.length >= 2) {
    const first = rng.int(lists.length);
    let second = rng.int(lists.length - 1);
    if (second >= first) second++;
    const a = lists[first]!;
    const b = lists[second]!;
    return [a[rng.int(a.length)]!, b[rng.int(b.length)]!];
  }
  if (count === 1) return [0, 0];
  const a = rng.int(count);
  let b = rng.int(count - 1);
  if (b >= a) b++;
  return [a, b];
}

/** steps rows (1 − α)·u + α·v for α = 0, 1/(steps−1), …, 1, from the two rows of `ends`. */
function mixRows(ends: Float32Array, width: number, steps: number): Float32Array {
  const out = new Float32Array(steps * width);
  for (let s = 0; s < steps; s++) {
    const alpha = steps === 1 ? 0 : s / (steps - 1);
    for (let j = 0; j < width; j++) {
      const u = ends[j]!;
      const v = ends[width + j]!;
      // Exact at both ends: α = 0 gives u and α = 1 gives v with no rounding.
      out[s * width + j] = alpha === 0 ? u : alpha === 1 ? v : (1 - alpha) * u + alpha * v;
    }
  }
  return out;
}

interface PrincipalAxes {
  mean: Float64Array;
  /** Unit eigenvectors of the codes' covariance, largest eigenvalue first. */
  vectors: Float64Array[];
  /** Standard deviation of the codes along each vector. */
  stds: Float64Array;
  /** Fraction of the total code variance along each vector. */
  share: Float64Array;
}

function principalAxes(codes: Float32Array, n: number, d: number): PrincipalAxes {
  const z = toFloat64(codes);
  const mean = columnMean(z, n, d);
  const { values, vectors } = symmetricEigen(covariance(z, n, d, mean), d);
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  return {
    mean,
    vectors,
    stds: values.map((v) => Math.sqrt(Math.max(v, 0))),
    share: values.map((v) => (total > 0 ? Math.max(v, 0) / total : 0)),
  };
}

/** [low, high] percentile range of one code dimension, widened when the codes do not vary. */
function percentileRange(z: Float64Array, n: number, d: number, j: number): [number, number] {
  const column = new Float64Array(n);
  for (let i = 0; i < n; i++) column[i] = z[i * d + j]!;
  column.sort();
  let lo = percentileOfSorted(column, MANIFOLD_PERCENTILES[0]);
  let hi = percentileOfSorted(column, MANIFOLD_PERCENTILES[1]);
  if (!(hi > lo)) {
    const pad = Math.max(Math.abs(lo), 1) * 0.5;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** From lo to hi in `side` steps (the midpoint when side is 1). */
function linspace(lo: number, hi: number, side: number, k: number): number {
  return side === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * k) / (side - 1);
}

/** latent 2: columns walk z1 upwards left→right, rows walk z2 downwards top→bottom (as in the scatter plot). */
function percentileLattice(z: Float64Array, n: number, side: number, name: string): { codes: Float32Array; description: string } {
  const [lo1, hi1] = percentileRange(z, n, 2, 0);
  const [lo2, hi2] = percentileRange(z, n, 2, 1);
  const codes = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      codes[(r * side + c) * 2] = linspace(lo1, hi1, side, c);
      codes[(r * side + c) * 2 + 1] = linspace(hi2, lo2, side, r);
    }
  }
  const [p1, p2] = MANIFOLD_PERCENTILES;
  return {
    codes,
    description:
      `decoded ${side}×${side} lattice over the ${p1}st–${p2}th percentile box of the ${name} codes: ` +
      `z1 from ${fmt(lo1)} to ${fmt(hi1)} left to right, z2 from ${fmt(hi2)} to ${fmt(lo2)} top to bottom`,
  };
}

/** latent 1: side² points from the low to the high percentile, read row by row. */
function percentileLine(z: Float64Array, n: number, side: number, name: string): { codes: Float32Array; description: string } {
  const [lo, hi] = percentileRange(z, n, 1, 0);
  const total = side * side;
  const codes = new Float32Array(total);
  for (let k = 0; k < total; k++) codes[k] = linspace(lo, hi, total, k);
  const [p1, p2] = MANIFOLD_PERCENTILES;
  return {
    codes,
    description: `decoded walk along the only latent dimension, z from ${fmt(lo)} to ${fmt(hi)} (${p1}st–${p2}th percentile of the ${name} codes), read row by row`,
  };
}

/** latent > 2: mean + a·σ1·v1 + b·σ2·v2, a rising left→right, b falling top→bottom. */
function principalPlane(axes: PrincipalAxes, d: number, side: number, name: string): { codes: Float32Array; description: string } {
  const { mean, vectors, stds } = axes;
  const v1 = vectors[0]!;
  const v2 = vectors[1]!;
  const s1 = stds[0]!;
  const s2 = stds[1]!;
  const codes = new Float32Array(side * side * d);
  for (let r = 0; r < side; r++) {
    const b = linspace(MANIFOLD_PLANE_STDS, -MANIFOLD_PLANE_STDS, side, r) * s2;
    for (let c = 0; c < side; c++) {
      const a = linspace(-MANIFOLD_PLANE_STDS, MANIFOLD_PLANE_STDS, side, c) * s1;
      const offset = (r * side + c) * d;
      for (let j = 0; j < d; j++) codes[offset + j] = mean[j]! + a * v1[j]! + b * v2[j]!;
    }
  }
  return {
    codes,
    description:
      `decoded ${side}×${side} grid on the plane through the mean of the ${name} codes along their two principal directions, ` +
      `±${MANIFOLD_PLANE_STDS} standard deviations: PC1 left to right (σ = ${fmt(s1)}), PC2 top to bottom falling (σ = ${fmt(s2)})`,
  };
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
