// Number and date formatting for the HTML pages. Output is plain text (callers escape it) and does
// not depend on the machine's locale or time zone, so two machines write the same report.

const METRIC_LABELS: Record<string, string> = {
  n_train: 'training images',
  n_val: 'validation images',
  n_test: 'test images',
  train_mse: 'train MSE',
  val_mse: 'validation MSE',
  test_mse: 'test MSE',
  test_mse_by_digit: 'test MSE by digit',
  params: 'parameters',
  epochs: 'epochs run',
  best_epoch: 'best epoch',
  train_seconds: 'training time',
  samples_per_second: 'training speed',
  explained_variance: 'explained variance',
  explained_variance_ratio: 'explained variance ratio',
  density_kind: 'density model',
  density_log_likelihood_train: 'density log-likelihood, train codes',
  density_log_likelihood_test: 'density log-likelihood, test codes',
  fd_samples: 'Fréchet distance, samples vs test images',
  fd_reconstructions: 'Fréchet distance, reconstructions vs test images',
  fd_real: 'Fréchet distance, validation vs test images (floor)',
  recon_accuracy: 'classifier accuracy on reconstructions',
  original_accuracy: 'classifier accuracy on the test images',
  sample_in_digits: 'samples classified as one of data.digits',
  sample_class_share: 'samples per class',
  quality_samples: 'samples scored',
  classifier_test_accuracy: 'feature classifier test accuracy (all labels)',
  quality_skipped: 'quality metrics skipped',
};

/** Metrics in the order a reader wants them; others follow alphabetically. */
export const METRIC_ORDER = Object.keys(METRIC_LABELS);

export function metricLabel(key: string): string {
  return METRIC_LABELS[key] ?? key.replace(/_/g, ' ');
}

export function groupThousands(n: number): string {
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (n < 0 ? '−' : '') + grouped + (frac ? `.${frac}` : '');
}

/** Four significant digits; exponent notation for tiny values; grouped integers for large ones. */
export function formatSignificant(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  let text: string;
  if (abs >= 1000) text = groupThousands(Math.round(abs));
  else if (abs < 1e-3) text = abs.toExponential(3).replace(/\.?0+e/, 'e').replace('e-', 'e−').replace('e+', 'e');
  else text = String(Number(abs.toPrecision(4)));
  return (v < 0 ? '−' : '') + text;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes - hours * 60} min`;
}

/** ISO time → '2025-11-28 11:53:02 UTC'; anything unparsable is shown as given. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  return t.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

const INTEGER_KEYS = /^(n_|params$|epochs$|best_epoch$|count$|.*_count$|quality_samples$)/;
/** Shares in [0, 1], shown as percentages. */
const SHARE_KEYS: ReadonlySet<string> = new Set(['recon_accuracy', 'original_accuracy', 'sample_in_digits', 'sample_class_share', 'classifier_test_accuracy']);

/** Formats one metric value for display, choosing the unit from the key. */
export function formatMetric(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return formatSignificant(value);
    if (key.endsWith('_seconds')) return formatDuration(value);
    if (key === 'samples_per_second') return `${groupThousands(Math.round(value))} images/s`;
    if (SHARE_KEYS.has(key)) return `${(100 * value).toFixed(1)} %`;
    if (INTEGER_KEYS.test(key) && Number.isInteger(value)) return groupThousands(value);
    return formatSignificant(value);
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, 10).map((v) => formatMetric(key, v));
    return shown.join(', ') + (value.length > 10 ? `, … (${value.length} values)` : '');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${formatMetric(key, v)}`)
      .join(' · ');
  }
  return String(value);
}
