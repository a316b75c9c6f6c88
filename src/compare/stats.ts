// What compare computes beyond the raw numbers: metric lookup by dotted key, which runs share an
// encoder (their density log-likelihoods live in one code space), the change against a baseline,
// and mean ± std over the runs of a group.
import { UserError } from '../shared/errors.ts';

/** A metric by dotted key: `test_mse`, `test_mse_by_digit.5`, `explained_variance_ratio.0`. */
export function metricValue(metrics: Record<string, unknown> | null | undefined, key: string): number | null {
  let value: unknown = metrics ?? null;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Every numeric leaf of a metrics object as a dotted key (what `--metrics` accepts). */
export function metricKeys(metrics: Record<string, unknown> | null | undefined): string[] {
  const keys: string[] = [];
  const walk = (value: unknown, prefix: string) => {
    if (typeof value === 'number') keys.push(prefix);
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
  };
  walk(metrics ?? null, '');
  return keys;
}

/**
 * The setting a user names on the command line: a dotted key as written (`model.latent`) or its
 * last part(s) (`latent`, `kind`) when that names one key unambiguously; differing parameters
 * are preferred, so `kind` is `model.kind` when only the model kind varies.
 */
export function resolveSettingKey(flag: string, name: string, differing: readonly string[], allKeys: readonly string[]): string {
  if (allKeys.includes(name)) return name;
  const suffix = (keys: readonly string[]) => keys.filter((k) => k.endsWith(`.${name}`));
  for (const pool of [differing, allKeys]) {
    const hits = suffix(pool);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new UserError(`${flag} ${name}: ambiguous, it could be ${hits.join(' or ')}; write the full key`);
  }
  throw new UserError(`${flag} ${name}: no run has this setting; settings that differ between these runs: ${differing.join(', ') || '(none)'}`);
}

/** (value − base) / |base|: −0.37 means 37 % lower. Null without a usable base. */
export function relativeChange(value: number | null, base: number | null): number | null {
  if (value === null || base === null || base === 0) return null;
  return (value - base) / Math.abs(base);
}

export interface Summary {
  mean: number | null;
  /** Sample standard deviation (n − 1); null for fewer than two values. */
  std: number | null;
  /** How many runs had the value. */
  n: number;
}

export function summarize(values: (number | null)[]): Summary {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { mean: null, std: null, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, std: null, n: xs.length };
  // Equal values (PCA's seeds) have no spread; summing rounding errors would print 8e-18.
  if (xs.every((x) => x === xs[0])) return { mean: xs[0]!, std: 0, n: xs.length };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), n: xs.length };
}

/** '−37.2 %', '+5.1 %', '0 %'. */
export function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  const text = Math.abs(pct) >= 100 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toPrecision(3).replace(/\.?0+$/, '');
  if (Number(text) === 0) return '0 %';
  return `${pct < 0 ? '−' : '+'}${text} %`;
}
