// The contract every density kind implements: one descriptor per kind (its file in this folder)
// holding everything about it — name, spec keys, how it is described, how it is fitted.
import type { DensityKind, DensitySpec } from '../../shared/spec-types.ts';
import type { DensityModel, GaussianComponent } from '../../shared/types.ts';

/**
 * The spec's density block (each kind reads the keys it `uses`, e.g. gmm's components; a caller
 * passes the whole block so that a new kind's keys arrive without touching the caller) and a seed
 * for anything random in the fit (gmm's k-means++ start).
 */
export type DensityFitOptions = Partial<Omit<DensitySpec, 'kind'>> & { seed: number };

/**
 * Fits a density on n codes of dimension dim (row-major, float64, already checked to be finite
 * and n ≥ 1). scale is the codes' mean per-dimension variance, for floors and jitter.
 */
export type DensityFitter = (
  codes: Float64Array,
  n: number,
  dim: number,
  scale: number,
  opts: DensityFitOptions,
) => DensityModel;

export interface DensityKindDescriptor<K extends DensityKind = DensityKind> {
  readonly kind: K;
  /** Short name for legends and tables, e.g. 'diagonal Gaussian'. */
  readonly label: string;
  /** Position among the density kinds wherever they are listed (ascending). */
  readonly order: number;
  /**
   * The kind-specific spec keys this kind reads (dotted, e.g. 'density.components'). A key that
   * some density kind uses but this one does not is ignored for this kind: a warning when
   * written, left out of the spec hash, shown as '-' by compare.
   */
  readonly uses: readonly string[];
  /** What the report calls the fitted density, e.g. 'Gaussian mixture with 5 components'. */
  describe(spec: DensitySpec): string;
  /** Pure JavaScript (no tfjs): density kinds run wherever the codes are. */
  readonly fit: DensityFitter;
  /**
   * The fitted density, from its toJSON (what density.json holds), as a Gaussian mixture, so that
   * the report's latent explorer can sample it in the browser; null when the JSON is damaged.
   */
  mixture(saved: Record<string, unknown>): GaussianComponent[] | null;
}

/** A list of numbers, or null. */
export function numberList(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
}

/** A square matrix of numbers of size dim, or null. */
export function squareMatrix(v: unknown, dim: number): number[][] | null {
  return Array.isArray(v) && v.length === dim && v.every((r) => numberList(r)?.length === dim) ? (v as number[][]) : null;
}

/** Mean log-likelihood over n codes, with the checks every kind needs. */
export function meanOf(
  dim: number,
  z: Float32Array,
  n: number,
  logPdf: (z: Float64Array, offset: number) => number,
): number {
  if (z.length !== n * dim) {
    throw new Error(`meanLogLikelihood: expected ${n}×${dim} = ${n * dim} values, got ${z.length}`);
  }
  if (n === 0) return NaN;
  const z64 = Float64Array.from(z);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += logPdf(z64, i * dim);
  return sum / n;
}

export function checkSampleCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`sample: n must be a non-negative integer, got ${n}`);
}
