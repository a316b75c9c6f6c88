// A mixture of K full-covariance Gaussians fitted by EM. Start: seeded k-means++ centres refined
// by a few Lloyd iterations, each component initialised from its hard cluster. Every covariance
// gets reg·I (reg relative to the codes' scale) so that no component collapses onto a single
// code; responsibilities are computed in log space (log-sum-exp) so that far-away codes do not
// underflow to 0/0. Stops when the mean log-likelihood changes by less than tol·max(|ℓ|, 1) or
// after maxIterations.
import { UserError } from '../../shared/errors.ts';
import { createRng, type Rng } from '../../shared/random.ts';
import type { DensityModel, GaussianComponent } from '../../shared/types.ts';
import { columnMean, covariance, logSumExp, toMatrix, toNumbers } from '../../shared/linalg.ts';
import { CholeskyGaussian } from './cholesky-gaussian.ts';
import { checkSampleCount, meanOf, numberList, squareMatrix, type DensityFitter, type DensityKindDescriptor } from './types.ts';

/** Covariance regularisation added to every component, as a fraction of the codes' scale. */
export const GMM_REG_COVAR = 1e-6;
export const GMM_TOLERANCE = 1e-5;
export const GMM_MAX_ITERATIONS = 300;
const LLOYD_ITERATIONS = 25;

export const fitGmm: DensityFitter = (codes, n, dim, scale, opts) => {
  const k = opts.components as number;
  if (!Number.isInteger(k) || k < 1) {
    throw new UserError([{ path: 'density.components', message: `must be a positive integer, got ${k}` }]);
  }
  if (n < k) {
    throw new UserError([
      {
        path: 'density.components',
        message: `gmm needs at least as many training codes as components, but there are ${n} codes for ${k} components; lower density.components to at most ${n} or use more training data`,
      },
    ]);
  }
  const reg = GMM_REG_COVAR * scale;
  const rng = createRng(opts.seed);

  const centres = kMeansPlusPlus(codes, n, dim, k, rng);
  const assignment = lloyd(codes, n, dim, k, centres);
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + assignment[i]!] = 1;

  const globalMean = columnMean(codes, n, dim);
  const globalCov = covariance(codes, n, dim, globalMean);
  for (let j = 0; j < dim; j++) globalCov[j * dim + j]! += reg;
  const fallback: Component[] = Array.from({ length: k }, (_, c) => ({
    weight: 0,
    gaussian: new CholeskyGaussian(centres.slice(c * dim, (c + 1) * dim), globalCov, scale),
  }));
  let components = mStep(codes, n, dim, k, resp, reg, scale, fallback);

  let previous = -Infinity;
  let meanLogLikelihood = -Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < GMM_MAX_ITERATIONS) {
    // E step: responsibilities of the current parameters, and their log-likelihood. Log
    // joint densities go into resp component by component (one Gaussian at a time keeps the
    // inner loop simple), then each row is normalised by its log-sum-exp.
    for (let c = 0; c < k; c++) {
      const comp = components[c]!;
      const logWeight = Math.log(comp.weight);
      for (let i = 0; i < n; i++) resp[i * k + c] = logWeight + comp.gaussian.logPdf(codes, i * dim);
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (resp[row + c]! > max) max = resp[row + c]!;
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(resp[row + c]! - max);
        resp[row + c] = e;
        sum += e;
      }
      total += max + Math.log(sum);
      for (let c = 0; c < k; c++) resp[row + c]! /= sum;
    }
    meanLogLikelihood = total / n;
    if (Math.abs(meanLogLikelihood - previous) <= GMM_TOLERANCE * Math.max(Math.abs(meanLogLikelihood), 1)) {
      converged = true;
      break;
    }
    previous = meanLogLikelihood;
    components = mStep(codes, n, dim, k, resp, reg, scale, components);
    iterations++;
  }

  const final = components;
  const logp = new Float64Array(k);
  const logPdf = (z: Float64Array, offset: number): number => {
    for (let c = 0; c < k; c++) {
      const comp = final[c]!;
      logp[c] = Math.log(comp.weight) + comp.gaussian.logPdf(z, offset);
    }
    return logSumExp(logp, k);
  };

  const model: DensityModel = {
    kind: 'gmm',
    dim,
    meanLogLikelihood: (z, count) => meanOf(dim, z, count, logPdf),
    sample: (count, seed) => {
      checkSampleCount(count);
      const sampler = createRng(seed);
      const out = new Float32Array(count * dim);
      for (let i = 0; i < count; i++) {
        let u = sampler.next();
        let chosen = k - 1;
        for (let c = 0; c < k; c++) {
          u -= final[c]!.weight;
          if (u < 0) {
            chosen = c;
            break;
          }
        }
        final[chosen]!.gaussian.drawInto(sampler, out, i * dim);
      }
      return out;
    },
    toJSON: () => ({
      kind: 'gmm',
      dim,
      n_fit: n,
      components: k,
      weights: final.map((c) => c.weight),
      means: final.map((c) => toNumbers(c.gaussian.mean)),
      covariances: final.map((c) => toMatrix(c.gaussian.covariance, dim)),
      reg_covar: reg,
      iterations,
      converged,
      mean_log_likelihood_fit: meanLogLikelihood,
      seed: opts.seed,
    }),
  };
  return model;
};

interface Component {
  weight: number;
  gaussian: CholeskyGaussian;
}

/**
 * M step: weights, means and covariances (+ reg·I) from the responsibilities. A component that
 * received no responsibility at all keeps its previous Gaussian with weight 0 (it is dead, and
 * log 0 = −∞ keeps it out of every later E step).
 */
function mStep(
  z: Float64Array,
  n: number,
  d: number,
  k: number,
  resp: Float64Array,
  reg: number,
  scale: number,
  previous: Component[],
): Component[] {
  const nk = new Float64Array(k);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      nk[c]! += r;
      for (let j = 0; j < d; j++) means[c * d + j]! += r * z[i * d + j]!;
    }
  }
  const covs = new Float64Array(k * d * d);
  const diff = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    if (nk[c]! > 0) for (let j = 0; j < d; j++) means[c * d + j]! /= nk[c]!;
  }
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      const base = c * d * d;
      for (let j = 0; j < d; j++) diff[j] = z[i * d + j]! - means[c * d + j]!;
      for (let a = 0; a < d; a++) {
        const ra = r * diff[a]!;
        for (let b = 0; b <= a; b++) covs[base + a * d + b]! += ra * diff[b]!;
      }
    }
  }
  const out: Component[] = [];
  for (let c = 0; c < k; c++) {
    const weight = nk[c]! / n;
    if (!(nk[c]! > 1e-12)) {
      out.push({ weight: 0, gaussian: previous[c]!.gaussian });
      continue;
    }
    const cov = new Float64Array(d * d);
    const base = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = covs[base + a * d + b]! / nk[c]! + (a === b ? reg : 0);
        cov[a * d + b] = v;
        cov[b * d + a] = v;
      }
    }
    out.push({ weight, gaussian: new CholeskyGaussian(means.slice(c * d, (c + 1) * d), cov, scale) });
  }
  return out;
}

/** k-means++ seeding: each new centre is a code drawn with probability ∝ squared distance to the nearest centre so far. */
function kMeansPlusPlus(z: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    if (c > 0) {
      let total = 0;
      for (let i = 0; i < n; i++) total += nearest[i]!;
      if (total > 0) {
        let u = rng.next() * total;
        pick = n - 1;
        for (let i = 0; i < n; i++) {
          u -= nearest[i]!;
          if (u < 0) {
            pick = i;
            break;
          }
        }
      } else {
        // Every code coincides with a centre already (fewer distinct codes than components).
        pick = rng.int(n);
      }
    }
    for (let j = 0; j < d; j++) centres[c * d + j] = z[pick * d + j]!;
    for (let i = 0; i < n; i++) {
      const dist = squaredDistance(z, i * d, centres, c * d, d);
      if (dist < nearest[i]!) nearest[i] = dist;
    }
  }
  return centres;
}

/** Lloyd iterations from the given centres (updated in place); returns each code's cluster. */
function lloyd(z: Float64Array, n: number, d: number, k: number, centres: Float64Array): Int32Array {
  const assignment = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let iter = 0; iter < LLOYD_ITERATIONS; iter++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDist = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = squaredDistance(z, i * d, centres, c * d, d);
        if (dist < bestDist) {
          bestDist = dist;
          best = c;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]! += 1;
      for (let j = 0; j < d; j++) sums[c * d + j]! += z[i * d + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // an empty cluster keeps its centre
      for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j]! / counts[c]!;
    }
  }
  return assignment;
}

function squaredDistance(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = a[ao + j]! - b[bo + j]!;
    s += v * v;
  }
  return s;
}

export const gmmKind: DensityKindDescriptor<'gmm'> = {
  kind: 'gmm',
  label: 'Gaussian mixture',
  order: 2,
  uses: ['density.components'],
  describe: (spec) => `Gaussian mixture with ${spec.components} components`,
  fit: fitGmm,
  mixture: (saved) => {
    const weights = numberList(saved['weights']);
    const means = saved['means'];
    const covariances = saved['covariances'];
    if (!weights || !Array.isArray(means) || !Array.isArray(covariances) || means.length !== weights.length) return null;
    const components = weights.map((weight, k) => {
      const mean = numberList(means[k]);
      const covariance = mean && squareMatrix(covariances[k], mean.length);
      return mean && covariance ? { weight, mean, covariance } : null;
    });
    return components.every((c) => c !== null) ? (components as GaussianComponent[]) : null;
  },
};
