// The comparison table: the spec parameters that differ between runs, then the headline metrics;
// sorted, with the best run (lowest test MSE) marked, and printed as text, Markdown, CSV or JSON.
import path from 'node:path';
import { keysIgnoredBySpec } from '../kinds/spec-keys.ts';
import { UserError } from '../shared/errors.ts';
import type { ComparedRun } from './inputs.ts';

/** Metric columns, in display order. */
export const COMPARE_METRICS = ['test_mse', 'val_mse', 'params', 'train_seconds', 'density_log_likelihood_test', 'fd_samples', 'sample_in_digits', 'recon_accuracy'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];
/** Sample-quality columns (evaluate.quality): shown only when some compared run has them. */
const QUALITY_METRICS: ReadonlySet<string> = new Set(['fd_samples', 'sample_in_digits', 'recon_accuracy']);

/** Metrics where larger is better; every other column sorts ascending. */
const DESCENDING: ReadonlySet<string> = new Set(['density_log_likelihood_test', 'sample_in_digits', 'recon_accuracy']);
/** Top-level spec keys that are labels or machinery, not settings of the experiment. */
const IGNORED_SPEC_KEYS: ReadonlySet<string> = new Set(['name', 'description', 'sweep', 'extends']);
const BEST_METRIC: CompareMetric = 'test_mse';

/**
 * Settings a run's kinds do not use (their descriptors say which; the spec stage warns about the
 * same keys when they are written): they hold defaults that did nothing, so they show '-' and never
 * count as a difference — else every pca-vs-deep table would list train.* and the layer keys.
 */
function appliesTo(key: string, flat: Map<string, unknown>): boolean {
  const unused = keysIgnoredBySpec({ model: { kind: flat.get('model.kind') }, density: { kind: flat.get('density.kind') } });
  return !unused.some((prefix) => key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`));
}


export interface ComparisonRow {
  /** Short name: the run folder relative to the folder all compared runs share. */
  label: string;
  dir: string;
  status: string;
  /** Differing dotted spec key → value (undefined when the run's spec lacks the key). */
  parameters: Record<string, unknown>;
  metrics: Record<CompareMetric, number | null>;
  /** Lowest test_mse of all rows. */
  best: boolean;
  /** The run as loaded, for charts that need more than the table (e.g. kind and latent). */
  run: ComparedRun;
}

export interface Comparison {
  /** Dotted spec keys whose values differ between the runs, in spec order. */
  parameters: string[];
  metrics: readonly CompareMetric[];
  /** True when some run is not completed (the status column is then shown). */
  showStatus: boolean;
  sort: { key: string; descending: boolean };
  rows: ComparisonRow[];
}

/**
 * Builds the table. Rows are sorted by `sort` (default test_mse; a metric or a differing
 * parameter): ascending, except the log-likelihood, which sorts largest first; missing values last.
 */
export function buildComparison(runs: ComparedRun[], opts: { sort?: string } = {}): Comparison {
  if (runs.length === 0) throw new UserError('no runs to compare');
  const fullFlat = runs.map((run) => (run.spec ? flattenSpec(run.spec as unknown as Record<string, unknown>) : null));
  // Runs without a resolved spec show '-' for every parameter; they do not make every key "differ".
  // Nor do runs whose kind does not use a key: only the runs that use it are compared on it.
  const withSpec = fullFlat.filter((map): map is Map<string, unknown> => map !== null);
  const allKeys: string[] = [];
  for (const map of withSpec) for (const key of map.keys()) if (!allKeys.includes(key)) allKeys.push(key);
  const parameters = allKeys.filter(
    (key) => new Set(withSpec.filter((map) => appliesTo(key, map)).map((map) => (map.has(key) ? JSON.stringify(map.get(key)) : '<missing>'))).size > 1,
  );
  const flat = fullFlat.map((map) => (map === null ? null : new Map([...map].filter(([key]) => appliesTo(key, map)))));

  const sortKey = opts.sort ?? BEST_METRIC;
  const valid = [...COMPARE_METRICS, ...parameters];
  if (!valid.includes(sortKey)) {
    throw new UserError(`--sort ${sortKey}: not a column of this comparison; choose one of ${valid.join(', ')}`);
  }
  const descending = DESCENDING.has(sortKey);

  const labels = shortLabels(runs.map((r) => r.dir));
  const rows: ComparisonRow[] = runs.map((run, i) => ({
    label: labels[i]!,
    dir: run.dir,
    status: run.status,
    parameters: Object.fromEntries(parameters.map((key) => [key, flat[i]?.get(key)])),
    metrics: Object.fromEntries(COMPARE_METRICS.map((m) => [m, finiteOrNull(run.metrics?.[m])])) as Record<CompareMetric, number | null>,
    best: false,
    run,
  }));

  const sortValue = (row: ComparisonRow): unknown =>
    (COMPARE_METRICS as readonly string[]).includes(sortKey) ? row.metrics[sortKey as CompareMetric] : row.parameters[sortKey];
  rows.sort((a, b) => {
    const byValue = compareValues(sortValue(a), sortValue(b), descending);
    return byValue !== 0 ? byValue : a.label.localeCompare(b.label, 'en', { numeric: true });
  });

  let best: ComparisonRow | null = null;
  for (const row of rows) {
    const value = row.metrics[BEST_METRIC];
    if (value !== null && (best === null || value < best.metrics[BEST_METRIC]!)) best = row;
  }
  if (best) best.best = true;

  const hasQuality = rows.some((row) => row.metrics.fd_samples !== null);
  const metrics = COMPARE_METRICS.filter((m) => hasQuality || !QUALITY_METRICS.has(m));
  return { parameters, metrics, showStatus: runs.some((r) => r.status !== 'completed'), sort: { key: sortKey, descending }, rows };
}

/**
 * table: aligned columns for a terminal (4 significant digits, '*' marks the best run);
 * md: a Markdown table; csv: a header line, then one line per run, full precision, RFC 4180
 * quoting, '\n' line ends; json: an array of objects, one per run, full precision.
 */
export function formatComparison(c: Comparison, format: 'table' | 'md' | 'csv' | 'json'): string {
  switch (format) {
    case 'table':
      return formatTable(c);
    case 'md':
      return formatMarkdown(c);
    case 'csv':
      return formatCsv(c);
    case 'json':
      return JSON.stringify(c.rows.map((row) => toRecord(c, row)), null, 2) + '\n';
    default:
      throw new UserError(`--format ${String(format)}: choose one of table, md, csv, json`);
  }
}

interface Column {
  header: string;
  numeric: boolean;
  cell: (row: ComparisonRow) => string;
}

/** Display columns shared by the table and Markdown outputs. */
function displayColumns(c: Comparison): Column[] {
  const columns: Column[] = [{ header: 'run', numeric: false, cell: (r) => r.label }];
  if (c.showStatus) columns.push({ header: 'status', numeric: false, cell: (r) => r.status });
  for (const key of c.parameters) {
    const numeric = c.rows.every((r) => r.parameters[key] === undefined || typeof r.parameters[key] === 'number');
    columns.push({ header: key, numeric, cell: (r) => displayValue(r.parameters[key]) });
  }
  for (const metric of c.metrics) columns.push({ header: metric, numeric: true, cell: (r) => displayValue(r.metrics[metric]) });
  return columns;
}

function formatTable(c: Comparison): string {
  const columns = displayColumns(c);
  const grid = [columns.map((col) => col.header), ...c.rows.map((row) => columns.map((col) => col.cell(row)))];
  const widths = columns.map((_, j) => Math.max(...grid.map((line) => line[j]!.length)));
  const render = (cells: string[], marker: string) =>
    (marker + ' ' + cells.map((cell, j) => (columns[j]!.numeric ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join('  ')).trimEnd();
  const lines = [render(grid[0]!, ' '), render(widths.map((w) => '-'.repeat(w)), ' ')];
  c.rows.forEach((row, i) => lines.push(render(grid[i + 1]!, row.best ? '*' : ' ')));
  if (c.rows.some((r) => r.best)) lines.push('', `* lowest ${BEST_METRIC}`);
  return lines.join('\n') + '\n';
}

function formatMarkdown(c: Comparison): string {
  const columns = displayColumns(c);
  const escapeCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    line(['best', ...columns.map((col) => escapeCell(col.header))]),
    line([':---:', ...columns.map((col) => (col.numeric ? '---:' : ':---'))]),
    ...c.rows.map((row) => line([row.best ? '\\*' : '', ...columns.map((col) => escapeCell(col.cell(row)))])),
  ];
  return lines.join('\n') + '\n';
}

function formatCsv(c: Comparison): string {
  const headers = ['run', 'status', ...c.parameters, ...c.metrics, 'best', 'dir'];
  const lines = [headers.map(csvField).join(',')];
  for (const row of c.rows) {
    const record = toRecord(c, row);
    lines.push(headers.map((h) => csvField(rawValue(record[h]))).join(','));
  }
  return lines.join('\n') + '\n';
}

function toRecord(c: Comparison, row: ComparisonRow): Record<string, unknown> {
  const record: Record<string, unknown> = { run: row.label, status: row.status };
  for (const key of c.parameters) record[key] = row.parameters[key] ?? null;
  for (const metric of c.metrics) record[metric] = row.metrics[metric];
  record.best = row.best;
  record.dir = row.dir;
  return record;
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function rawValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return formatNumber(value);
  return rawValue(value);
}

/** Integers as they are (parameter counts, latent sizes); other numbers to 4 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(4)));
}

function compareValues(a: unknown, b: unknown, descending: boolean): number {
  const missingA = a === null || a === undefined;
  const missingB = b === null || b === undefined;
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  let order: number;
  if (typeof a === 'number' && typeof b === 'number') order = a - b;
  else order = rawValue(a).localeCompare(rawValue(b), 'en', { numeric: true });
  return descending ? -order : order;
}

/** Dotted key → leaf value; arrays are leaves (an encoder's widths are one setting). */
function flattenSpec(spec: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, prefix: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (prefix === '' && IGNORED_SPEC_KEYS.has(key)) continue;
        walk(child, prefix === '' ? key : `${prefix}.${key}`);
      }
    } else if (value !== undefined) {
      out.set(prefix, value);
    }
  };
  walk(spec, '');
  return out;
}

/** Each dir relative to the deepest folder containing all of them ('0003', 'kind=pca,latent=2', 'other/0001'). */
function shortLabels(dirs: string[]): string[] {
  const split = dirs.map((d) => path.resolve(d).split(path.sep));
  let common = split[0]!.slice(0, -1);
  for (const parts of split) {
    let k = 0;
    while (k < common.length && k < parts.length - 1 && common[k] === parts[k]) k++;
    common = common.slice(0, k);
  }
  return split.map((parts) => parts.slice(common.length).join('/'));
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
