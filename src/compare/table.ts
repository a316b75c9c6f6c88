// The comparison table: the spec parameters that differ between runs, then the headline metrics;
// sorted, with the best run (lowest test MSE) marked, and printed as text, Markdown, CSV or JSON.
import path from 'node:path';
import { keysIgnoredBySpec } from '../kinds/spec-keys.ts';
import { UserError } from '../shared/errors.ts';
import { isSamePath } from '../shared/fs.ts';
import type { ComparedRun } from './inputs.ts';
import { formatPercent, metricKeys, metricValue, relativeChange, resolveSettingKey, summarize, type Summary } from './stats.ts';

/** Default metric columns, in display order (the log-likelihood only when comparable, see below). */
export const COMPARE_METRICS = ['test_mse', 'val_mse', 'params', 'train_seconds', 'density_log_likelihood_test', 'fd_samples', 'sample_in_digits', 'recon_accuracy'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];
const LOG_LIKELIHOOD = /(^|\.)density_log_likelihood/;
/** Sample-quality columns (evaluate.quality): shown by default only when some compared run has them. */
const QUALITY_METRICS: ReadonlySet<string> = new Set(['fd_samples', 'sample_in_digits', 'recon_accuracy']);

/** Metrics where larger is better; every other column sorts ascending. */
const isDescending = (key: string) =>
  LOG_LIKELIHOOD.test(key) || key.endsWith('explained_variance_ratio') || key === 'sample_in_digits' || key.endsWith('accuracy');
/** Top-level spec keys that are labels or machinery, not settings of the experiment. */
const IGNORED_SPEC_KEYS: ReadonlySet<string> = new Set(['name', 'description', 'sweep', 'extends']);
const BEST_METRIC = 'test_mse';

/**
 * Settings a run's kinds do not use (their descriptors say which; the spec stage warns about the
 * same keys when they are written): they hold defaults that did nothing, so they show '-' and never
 * count as a difference — else every pca-vs-deep table would list train.* and the layer keys.
 */
function appliesTo(key: string, flat: Map<string, unknown>): boolean {
  const unused = keysIgnoredBySpec({ model: { kind: flat.get('model.kind') }, density: { kind: flat.get('density.kind') } });
  return !unused.some((prefix) => key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`));
}

/**
 * What fixes a run's code space: every setting except the density model and the pictures. Two runs
 * with the same encoder identity produce the same codes, so their density log-likelihoods compare.
 */
function encoderIdentity(flat: Map<string, unknown> | null): string | null {
  if (flat === null) return null;
  return JSON.stringify([...flat].filter(([key]) => !key.startsWith('density.') && !key.startsWith('outputs.')).sort(([a], [b]) => a.localeCompare(b)));
}

export interface ComparisonRow {
  /** Short name: the run folder relative to the folder all compared runs share. */
  label: string;
  dir: string;
  status: string;
  /** Differing dotted spec key → value (undefined when the run's spec lacks the key). */
  parameters: Record<string, unknown>;
  /** Metric column → value (null when the run has none). */
  metrics: Record<string, number | null>;
  /** With a baseline: metric column → relative change against the matched baseline run(s). */
  changes: Record<string, number | null>;
  /** With a baseline: this run is one of the baseline runs. */
  isBaseline: boolean;
  /** Lowest test_mse of all rows. */
  best: boolean;
  /** The run as loaded, for charts that need more than the table (e.g. kind and latent). */
  run: ComparedRun;
}

/** Runs that share the values of the --group-by keys: mean ± std over them. */
export interface ComparisonGroup {
  /** 'kind=pca,latent=2': the group keys' last parts and values. */
  label: string;
  /** Group key → value. */
  parameters: Record<string, unknown>;
  rows: ComparisonRow[];
  metrics: Record<string, Summary>;
  changes: Record<string, Summary>;
  isBaseline: boolean;
  best: boolean;
}

export interface Comparison {
  /** Dotted spec keys whose values differ between the runs, in spec order. */
  parameters: string[];
  metrics: readonly string[];
  /** True when some run is not completed (the status column is then shown). */
  showStatus: boolean;
  sort: { key: string; descending: boolean };
  rows: ComparisonRow[];
  /** With --baseline: how it was given and what the runs were matched on. */
  baseline: { selector: string; matchedOn: string[] } | null;
  /** With --group-by: the groups (sorted), the keys, and the differing keys averaged over. */
  groups: ComparisonGroup[] | null;
  groupBy: string[];
  averagedOver: string[];
  /** Things the reader must know to read the table right (printed on stderr, shown in compare.html). */
  notes: string[];
}

export interface CompareOptions {
  sort?: string;
  /** Metric columns (dotted keys into metrics.json); default COMPARE_METRICS, comparable ones only. */
  metrics?: string[];
  /** A run folder (absolute), a row label, or KEY=VALUE. */
  baseline?: string;
  /** Setting keys to group by (full dotted keys or unambiguous last parts). */
  groupBy?: string[];
}

/**
 * Builds the table. Rows are sorted by `sort` (default test_mse; a metric or a differing
 * parameter): ascending, except the log-likelihood, which sorts largest first; missing values last.
 */
export function buildComparison(runs: ComparedRun[], opts: CompareOptions = {}): Comparison {
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

  const notes: string[] = [];
  const encoders = new Set(runs.flatMap((r, i) => (r.metrics ? [encoderIdentity(flat[i] ?? null)] : [])));
  const shareEncoder = encoders.size <= 1 && !encoders.has(null);
  let metrics: string[];
  if (opts.metrics && opts.metrics.length > 0) {
    const known = new Set(runs.flatMap((r) => metricKeys(r.metrics as Record<string, unknown> | null)));
    for (const m of opts.metrics) {
      if (!known.has(m)) {
        const near = [...known].filter((k) => k.startsWith(m + '.')).slice(0, 6);
        throw new UserError(
          `--metrics ${m}: no run has this metric` +
            (near.length > 0 ? `; it holds several, e.g. ${near.join(', ')}` : `; numeric metrics of these runs: ${[...known].filter((k) => !/\.\d+$|_by_digit\./.test(k)).join(', ')}`),
        );
      }
    }
    metrics = [...opts.metrics];
    if (!shareEncoder && metrics.some((m) => LOG_LIKELIHOOD.test(m))) {
      notes.push('the density log-likelihood is measured in each run\'s own code space; these runs have different encoders, so compare it only between runs that share an encoder');
    }
  } else {
    // A density log-likelihood is only comparable on the same codes: left out unless all runs share an encoder.
    const hasQuality = runs.some((r) => typeof (r.metrics as Record<string, unknown> | null)?.fd_samples === 'number');
    metrics = COMPARE_METRICS.filter((m) => (m !== 'density_log_likelihood_test' || shareEncoder) && (hasQuality || !QUALITY_METRICS.has(m)));
  }

  const groupBy = (opts.groupBy ?? []).map((k) => resolveSettingKey('--group-by', k, parameters, allKeys));

  const labels = shortLabels(runs.map((r) => r.dir));
  const rows: ComparisonRow[] = runs.map((run, i) => ({
    label: labels[i]!,
    dir: run.dir,
    status: run.status,
    parameters: Object.fromEntries([...new Set([...parameters, ...groupBy])].map((key) => [key, flat[i]?.get(key)])),
    metrics: Object.fromEntries(metrics.map((m) => [m, metricValue(run.metrics as Record<string, unknown> | null, m)])),
    changes: {},
    isBaseline: false,
    best: false,
    run,
  }));
  const flatOf = new Map(rows.map((row, i) => [row, flat[i] ?? null]));

  const baseline = opts.baseline === undefined ? null : applyBaseline(rows, flatOf, opts.baseline, metrics, parameters, allKeys);

  const sortKey = opts.sort ?? BEST_METRIC;
  const valid = [...metrics, ...parameters];
  if (!valid.includes(sortKey)) {
    throw new UserError(`--sort ${sortKey}: not a column of this comparison; choose one of ${valid.join(', ')}`);
  }
  const descending = isDescending(sortKey);
  const sortValue = (row: ComparisonRow): unknown => (metrics.includes(sortKey) ? row.metrics[sortKey] : row.parameters[sortKey]);
  rows.sort((a, b) => {
    const byValue = compareValues(sortValue(a), sortValue(b), descending);
    return byValue !== 0 ? byValue : a.label.localeCompare(b.label, 'en', { numeric: true });
  });
  let best: ComparisonRow | null = null;
  for (const row of rows) {
    const value = row.metrics[BEST_METRIC] ?? null;
    if (value !== null && (best === null || value < (best.metrics[BEST_METRIC] ?? Infinity))) best = row;
  }
  if (best && metrics.includes(BEST_METRIC)) best.best = true;

  let groups: ComparisonGroup[] | null = null;
  let averagedOver: string[] = [];
  if (groupBy.length > 0) {
    groups = groupRows(rows, groupBy, metrics, baseline !== null);
    groups.sort((a, b) => {
      const value = (g: ComparisonGroup) => (metrics.includes(sortKey) ? g.metrics[sortKey]!.mean : g.parameters[sortKey]);
      const byValue = compareValues(value(a), value(b), descending);
      return byValue !== 0 ? byValue : a.label.localeCompare(b.label, 'en', { numeric: true });
    });
    let bestGroup: ComparisonGroup | null = null;
    for (const g of groups) {
      const m = g.metrics[BEST_METRIC]?.mean ?? null;
      if (m !== null && (bestGroup === null || m < bestGroup.metrics[BEST_METRIC]!.mean!)) bestGroup = g;
    }
    if (bestGroup) bestGroup.best = true;
    averagedOver = parameters.filter((p) => !groupBy.includes(p));
  }

  return {
    parameters,
    metrics,
    showStatus: runs.some((r) => r.status !== 'completed'),
    sort: { key: sortKey, descending },
    rows,
    baseline,
    groups,
    groupBy,
    averagedOver,
    notes,
  };
}

/**
 * Marks the baseline runs and fills every row's relative change. A run is compared with the
 * baseline runs at its own latent size when the baseline runs differ in latent size (a strict
 * match: no baseline at that size, no change); other settings in which the baseline runs differ
 * (the seed, say) are matched when a baseline run with the same value exists, else averaged over.
 */
function applyBaseline(
  rows: ComparisonRow[],
  flatOf: Map<ComparisonRow, Map<string, unknown> | null>,
  selector: string,
  metrics: string[],
  parameters: string[],
  allKeys: string[],
): Comparison['baseline'] {
  let base: ComparisonRow[];
  const eq = selector.indexOf('=');
  const asPath = rows.filter((r) => samePath(r.dir, selector) || r.label === selector);
  if (asPath.length > 0) {
    base = asPath;
  } else if (eq > 0) {
    const key = resolveSettingKey('--baseline', selector.slice(0, eq), parameters, allKeys);
    const wanted = selector.slice(eq + 1);
    base = rows.filter((r) => {
      const v = flatOf.get(r)?.get(key);
      return v !== undefined && (String(v) === wanted || JSON.stringify(v) === wanted);
    });
    if (base.length === 0) {
      const seen = [...new Set(rows.map((r) => flatOf.get(r)?.get(key)).filter((v) => v !== undefined).map((v) => String(v)))];
      throw new UserError(`--baseline ${selector}: no compared run has ${key}=${wanted}; its values here: ${seen.join(', ') || '(none)'}`);
    }
  } else {
    throw new UserError(`--baseline ${selector}: not one of the compared runs; give a run folder that is compared, or KEY=VALUE such as model.kind=pca`);
  }
  for (const b of base) b.isBaseline = true;

  const baseFlat = base.map((b) => flatOf.get(b) ?? new Map<string, unknown>());
  const varying = [...new Set(baseFlat.flatMap((m) => [...m.keys()]))].filter((key) => new Set(baseFlat.map((m) => JSON.stringify(m.get(key)))).size > 1);
  const strict = varying.filter((k) => k === 'model.latent');
  const soft = varying.filter((k) => k !== 'model.latent');
  for (const row of rows) {
    const mine = flatOf.get(row);
    let candidates = base.filter((_, i) => strict.every((k) => mine !== null && mine !== undefined && JSON.stringify(baseFlat[i]!.get(k)) === JSON.stringify(mine.get(k))));
    for (const k of soft) {
      const same = candidates.filter((b) => mine && JSON.stringify(flatOf.get(b)?.get(k)) === JSON.stringify(mine.get(k)));
      if (same.length > 0) candidates = same;
    }
    for (const m of metrics) {
      const reference = summarize(candidates.map((c) => c.metrics[m] ?? null)).mean;
      row.changes[m] = relativeChange(row.metrics[m] ?? null, reference);
    }
  }
  return { selector, matchedOn: varying };
}

function samePath(dir: string, arg: string): boolean {
  return path.isAbsolute(arg) && isSamePath(dir, arg);
}

function groupRows(rows: ComparisonRow[], groupBy: string[], metrics: string[], withBaseline: boolean): ComparisonGroup[] {
  const byKey = new Map<string, ComparisonRow[]>();
  for (const row of rows) {
    const key = JSON.stringify(groupBy.map((k) => row.parameters[k] ?? null));
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  return [...byKey.values()].map((members) => {
    const parameters = Object.fromEntries(groupBy.map((k) => [k, members[0]!.parameters[k]]));
    return {
      label: groupBy.map((k) => `${k.split('.').at(-1)}=${rawValue(parameters[k])}`).join(','),
      parameters,
      rows: members,
      metrics: Object.fromEntries(metrics.map((m) => [m, summarize(members.map((r) => r.metrics[m] ?? null))])),
      changes: withBaseline ? Object.fromEntries(metrics.map((m) => [m, summarize(members.map((r) => r.changes[m] ?? null))])) : {},
      isBaseline: members.every((r) => r.isBaseline),
      best: false,
    };
  });
}

/**
 * table: aligned columns for a terminal (4 significant digits, '*' marks the best run);
 * md: a Markdown table; csv: a header line, then one line per run, full precision, RFC 4180
 * quoting, '\n' line ends; json: an array of objects, one per run, full precision.
 * With --group-by, one line (object) per group instead: mean ± std and n.
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
      return JSON.stringify(c.groups ? c.groups.map((g) => groupRecord(c, g)) : c.rows.map((row) => toRecord(c, row)), null, 2) + '\n';
    default:
      throw new UserError(`--format ${String(format)}: choose one of table, md, csv, json`);
  }
}

/** The header of a change column. */
export const changeHeader = (metric: string) => `Δ ${metric}`;

interface Column {
  header: string;
  numeric: boolean;
  cell: (line: TableLine) => string;
}

/** A line of the displayed table: a run, or with --group-by a group. */
type TableLine = ComparisonRow | ComparisonGroup;

/** Display columns shared by the table and Markdown outputs. */
function displayColumns(c: Comparison): Column[] {
  const columns: Column[] = [];
  const withChange = c.baseline !== null;
  if (c.groups) {
    for (const key of c.groupBy) {
      const numeric = c.groups.every((g) => g.parameters[key] === undefined || typeof g.parameters[key] === 'number');
      columns.push({ header: key, numeric, cell: (g) => displayValue(g.parameters[key]) });
    }
    columns.push({ header: 'n', numeric: true, cell: (g) => String((g as ComparisonGroup).rows.length) });
    for (const metric of c.metrics) {
      columns.push({ header: metric, numeric: true, cell: (g) => displaySummary((g as ComparisonGroup).metrics[metric]!, formatNumber) });
      if (withChange) {
        columns.push({
          header: changeHeader(metric),
          numeric: true,
          cell: (g) => ((g as ComparisonGroup).isBaseline ? 'base' : displayChangeSummary((g as ComparisonGroup).changes[metric]!)),
        });
      }
    }
    return columns;
  }
  columns.push({ header: 'run', numeric: false, cell: (r) => (r as ComparisonRow).label });
  if (c.showStatus) columns.push({ header: 'status', numeric: false, cell: (r) => (r as ComparisonRow).status });
  for (const key of c.parameters) {
    const numeric = c.rows.every((r) => r.parameters[key] === undefined || typeof r.parameters[key] === 'number');
    columns.push({ header: key, numeric, cell: (r) => displayValue((r as ComparisonRow).parameters[key]) });
  }
  for (const metric of c.metrics) {
    columns.push({ header: metric, numeric: true, cell: (r) => displayValue((r as ComparisonRow).metrics[metric]) });
    if (withChange) {
      columns.push({
        header: changeHeader(metric),
        numeric: true,
        cell: (r) => {
          const row = r as ComparisonRow;
          const change = row.changes[metric] ?? null;
          return row.isBaseline ? 'base' : change === null ? '-' : formatPercent(change);
        },
      });
    }
  }
  return columns;
}

function displaySummary(s: Summary, format: (n: number) => string): string {
  if (s.mean === null) return '-';
  return s.std === null ? format(s.mean) : `${format(s.mean)} ± ${format(s.std)}`;
}

function displayChangeSummary(s: Summary): string {
  if (s.mean === null) return '-';
  if (s.std === null) return formatPercent(s.mean);
  return `${formatPercent(s.mean).replace(/ %$/, '')} ± ${formatNumber(Number((s.std * 100).toPrecision(2)))} %`;
}

/** The displayed table as cells (for compare.html): headers, one line per run or group, the legend. */
export function displayTable(c: Comparison): { columns: string[]; rows: { cells: string[]; best: boolean }[]; legend: string[] } {
  const columns = displayColumns(c);
  return {
    columns: columns.map((col) => col.header),
    rows: tableLines(c).map((line) => ({ cells: columns.map((col) => col.cell(line)), best: line.best })),
    legend: legend(c),
  };
}

function tableLines(c: Comparison): TableLine[] {
  return c.groups ?? c.rows;
}

function formatTable(c: Comparison): string {
  const columns = displayColumns(c);
  const lines = tableLines(c);
  const grid = [columns.map((col) => col.header), ...lines.map((line) => columns.map((col) => col.cell(line)))];
  const widths = columns.map((_, j) => Math.max(...grid.map((line) => line[j]!.length)));
  const render = (cells: string[], marker: string) =>
    (marker + ' ' + cells.map((cell, j) => (columns[j]!.numeric ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join('  ')).trimEnd();
  const out = [render(grid[0]!, ' '), render(widths.map((w) => '-'.repeat(w)), ' ')];
  lines.forEach((line, i) => out.push(render(grid[i + 1]!, line.best ? '*' : ' ')));
  const footer: string[] = [];
  if (lines.some((l) => l.best)) footer.push(`* lowest ${c.groups ? `mean ${BEST_METRIC}` : BEST_METRIC}`);
  footer.push(...legend(c));
  if (footer.length > 0) out.push('', ...footer);
  return out.join('\n') + '\n';
}

/** What the reader needs to read the numbers: grouping, baseline, caveats. */
function legend(c: Comparison): string[] {
  const lines: string[] = [];
  if (c.groups) {
    lines.push(
      `mean ± std (sample standard deviation) over the n runs of each group` +
        (c.averagedOver.length > 0 ? `; runs differing in ${c.averagedOver.join(', ')} are pooled` : ''),
    );
  }
  if (c.baseline) {
    lines.push(
      `Δ: relative change against the baseline ${c.baseline.selector}` +
        (c.baseline.matchedOn.length > 0 ? `, matched on ${c.baseline.matchedOn.join(', ')}` : '') +
        ' (negative = lower than the baseline)',
    );
  }
  return lines;
}

function formatMarkdown(c: Comparison): string {
  const columns = displayColumns(c);
  const escapeCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\*/g, '\\*').replace(/\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    line(['best', ...columns.map((col) => escapeCell(col.header))]),
    line([':---:', ...columns.map((col) => (col.numeric ? '---:' : ':---'))]),
    ...tableLines(c).map((row) => line([row.best ? '\\*' : '', ...columns.map((col) => escapeCell(col.cell(row)))])),
  ];
  const notes = legend(c);
  // Plain sentences under the table: only the characters Markdown would read as markup are escaped.
  if (notes.length > 0) lines.push('', ...notes.map((note) => note.replace(/\\/g, '\\\\').replace(/\*/g, '\\*')));
  return lines.join('\n') + '\n';
}

function formatCsv(c: Comparison): string {
  if (c.groups) {
    const records = c.groups.map((g) => flatGroupRecord(c, g));
    const headers = Object.keys(records[0] ?? {});
    return [headers.map(csvField).join(','), ...records.map((r) => headers.map((h) => csvField(rawValue(r[h]))).join(','))].join('\n') + '\n';
  }
  const changes = c.baseline ? c.metrics.map((m) => `${m}_change`) : [];
  const headers = ['run', 'status', ...c.parameters, ...c.metrics, ...changes, ...(c.baseline ? ['baseline'] : []), 'best', 'dir'];
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
  for (const metric of c.metrics) record[metric] = row.metrics[metric] ?? null;
  if (c.baseline) {
    for (const metric of c.metrics) record[`${metric}_change`] = row.changes[metric] ?? null;
    record.baseline = row.isBaseline;
  }
  record.best = row.best;
  record.dir = row.dir;
  return record;
}

/** JSON: one object per group, each metric as { mean, std, n }. */
function groupRecord(c: Comparison, g: ComparisonGroup): Record<string, unknown> {
  const record: Record<string, unknown> = { ...Object.fromEntries(c.groupBy.map((k) => [k, g.parameters[k] ?? null])), n: g.rows.length };
  for (const metric of c.metrics) {
    record[metric] = g.metrics[metric];
    if (c.baseline) record[`${metric}_change`] = g.changes[metric];
  }
  if (c.baseline) record.baseline = g.isBaseline;
  record.best = g.best;
  record.runs = g.rows.map((r) => r.dir);
  return record;
}

/** CSV: one line per group, mean and std in columns of their own. */
function flatGroupRecord(c: Comparison, g: ComparisonGroup): Record<string, unknown> {
  const record: Record<string, unknown> = { ...Object.fromEntries(c.groupBy.map((k) => [k, g.parameters[k] ?? null])), n: g.rows.length };
  for (const metric of c.metrics) {
    record[`${metric}_mean`] = g.metrics[metric]!.mean;
    record[`${metric}_std`] = g.metrics[metric]!.std;
    if (c.baseline) {
      record[`${metric}_change_mean`] = g.changes[metric]!.mean;
      record[`${metric}_change_std`] = g.changes[metric]!.std;
    }
  }
  if (c.baseline) record.baseline = g.isBaseline;
  record.best = g.best;
  record.runs = g.rows.map((r) => r.label).join(' ');
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
