// One full-covariance Gaussian held as its mean and Cholesky factor: the building block of
// gaussian-full (one of them) and gmm (one per component).
import { LOG_2PI, affineSample, choleskyWithJitter, logDetFromCholesky, mahalanobisSq } from '../../shared/linalg.ts';
import type { Rng } from '../../shared/random.ts';

export class CholeskyGaussian {
  readonly dim: number;
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
  /** Lower Cholesky factor of covariance + jitter·I. */
  readonly factor: Float64Array;
  /** Diagonal jitter that was needed to make the covariance positive definite (0 when none). */
  readonly jitter: number;
  /** −½(d log 2π + log det Σ): the log-density at the mean. */
  private readonly logNorm: number;
  private readonly scratch: Float64Array;

  constructor(mean: Float64Array, covariance: Float64Array, scale: number) {
    const d = mean.length;
    this.dim = d;
    this.mean = mean;
    const { factor, jitter } = choleskyWithJitter(covariance, d, scale);
    this.factor = factor;
    this.jitter = jitter;
    this.covariance = covariance;
    this.logNorm = -0.5 * (d * LOG_2PI + logDetFromCholesky(factor, d));
    this.scratch = new Float64Array(d);
  }

  /** Log-density of the code at z[offset…offset+dim). */
  logPdf(z: Float64Array, offset: number): number {
    return this.logNorm - 0.5 * mahalanobisSq(this.factor, this.dim, z, offset, this.mean, this.scratch);
  }

  /** Writes one draw into out[offset…offset+dim). */
  drawInto(rng: Rng, out: Float32Array, offset: number): void {
    const eps = this.scratch;
    for (let i = 0; i < this.dim; i++) eps[i] = rng.normal();
    affineSample(this.factor, this.dim, this.mean, eps, out, offset);
  }
}
