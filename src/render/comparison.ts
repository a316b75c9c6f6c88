// compare.html: runs side by side — a table of the parameters that differ and the metrics, the
// test-MSE-against-latent-size chart, and each run's reconstructions and samples.
import type { TopLevelSpec } from 'vega-lite';
import { CHART_ZOOM, comparisonChartSpec, renderVegaLite, type ComparisonPoint } from './charts.ts';
import { escapeHtml, relativeHref } from './escape.ts';
import { formatMetric, metricLabel } from './format.ts';
import { htmlPage, pngDataUri, statusBadge } from './page.ts';
import type { RenderedFile } from './pictures.ts';
import { renderExplorer } from './explorer/html.ts';
import type { ExplorerInput } from './explorer/payload.ts';

export interface ComparisonRun {
  /** Run id (or any unique key); `best.runId` refers to it. */
  id: string;
  /** Readable name shown in the table and above the pictures, e.g. 'kind=pca,latent=8'. */
  label: string;
  status?: string | null;
  kind: string | null;
  latent: number | null;
  /** Dotted parameter key → value; the table shows the keys in ComparisonInput.parameterKeys. */
  parameters: Record<string, unknown>;
  /** Metric name → value; the table shows the keys in ComparisonInput.metricKeys. */
  metrics: Record<string, unknown>;
  /** Paths relative to compare.html, as on disk (not URL-encoded); null or absent when there is none. */
  reportPath?: string | null;
  reconstructionsPath?: string | null;
  samplesPath?: string | null;
  /** The run's latent scatter (latent.png). */
  latentPath?: string | null;
}

/** With --group-by: a table of preformatted cells (mean ± std) and the chart's points with error bars. */
export interface ComparisonGroups {
  columns: string[];
  rows: { cells: string[]; best: boolean }[];
  /** How to read the table (pooled keys, the baseline). */
  legend: string[];
}

export interface ComparisonInput {
  title?: string;
  /** The parameters that differ between the runs, in column order. */
  parameterKeys: string[];
  /** Metric columns, e.g. test_mse, val_mse, params, train_seconds, density_log_likelihood_test. */
  metricKeys: string[];
  /** Runs in display order (the caller sorts). */
  runs: ComparisonRun[];
  /** The run the caller ranks best, marked in the table. */
  best?: { runId: string; metric: string } | null;
  /** Points of the MSE-vs-latent chart; when absent, taken from each run's kind, latent and metrics.test_mse. */
  chart?: ComparisonPoint[];
  groups?: ComparisonGroups | null;
  /**
   * Whether the chart files will be written beside the page (`aelab compare`), so that its
   * captions may link them; false for a page built in memory (`aelab ui`), whose captions then
   * say how to get the files instead of linking ones that do not exist.
   */
  chartFilesWritten?: boolean;
  /** Caveats shown above the table. */
  notes?: string[];
  /**
   * The latent explorer with up to four runs' decoders on one shared z (runs of one latent size
   * on the same test images), or a sentence saying why there is none (shown instead).
   */
  explorer?: ExplorerInput | { unavailable: string } | null;
}

/** File names of the chart written beside compare.html (the PNG is also embedded in the page). */
export const COMPARISON_CHART_PNG = 'compare-mse-latent.png';
export const COMPARISON_CHART_SVG = 'compare-mse-latent.svg';
export const COMPARISON_FD_CHART_PNG = 'compare-fd-latent.png';
export const COMPARISON_FD_CHART_SVG = 'compare-fd-latent.svg';

/** Table headers stay narrow; the full metric name is the header's tooltip. */
const SHORT_METRIC_LABELS: Record<string, string> = {
  test_mse: 'test MSE',
  val_mse: 'val MSE',
  train_mse: 'train MSE',
  params: 'params',
  train_seconds: 'train time',
  density_log_likelihood_test: 'test log-lik.',
  density_log_likelihood_train: 'train log-lik.',
  fd_samples: 'FD samples',
  sample_in_digits: 'in digits',
  recon_accuracy: 'recon. acc.',
};

function chartPoints(input: ComparisonInput): ComparisonPoint[] {
  if (input.chart) return input.chart;
  const points: ComparisonPoint[] = [];
  for (const run of input.runs) {
    const mse = run.metrics['test_mse'];
    const fd = run.metrics['fd_samples'];
    if (run.kind !== null && run.latent !== null && typeof mse === 'number') {
      points.push({ kind: run.kind, latent: run.latent, test_mse: mse, fd_samples: typeof fd === 'number' ? fd : null });
    }
  }
  return points;
}

function parameterValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The comparison table alone (the sweep page of `aelab ui` shows it for the completed trials). */
export function renderComparisonTable(input: ComparisonInput): string {
  return table(input);
}

function table(input: ComparisonInput): string {
  const bestId = input.best?.runId ?? null;
  const head =
    '<th></th><th>run</th><th>status</th>' +
    input.parameterKeys.map((k) => `<th class="mono">${escapeHtml(k)}</th>`).join('') +
    input.metricKeys
      .map((k) => `<th class="num" title="${escapeHtml(`${metricLabel(k)} (${k})`)}">${escapeHtml(SHORT_METRIC_LABELS[k] ?? metricLabel(k))}</th>`)
      .join('');
  const rows = input.runs.map((run) => {
    const isBest = run.id === bestId;
    const href = relativeHref(run.reportPath);
    const label = href ? `<a href="${escapeHtml(href)}">${escapeHtml(run.label)}</a>` : escapeHtml(run.label);
    const cells =
      `<td>${isBest ? '<span title="best run" aria-label="best run">★</span>' : ''}</td>` +
      `<td>${label}</td><td>${statusBadge(run.status ?? 'completed')}</td>` +
      input.parameterKeys.map((k) => `<td class="mono">${escapeHtml(parameterValue(run.parameters[k]))}</td>`).join('') +
      input.metricKeys.map((k) => `<td class="num">${escapeHtml(formatCell(k, run.metrics[k]))}</td>`).join('');
    return `<tr class="run${isBest ? ' best' : ''}">${cells}</tr>`;
  });
  return `<div class="table-wrap"><table class="comparison"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** Change columns ('Δ test_mse') hold a relative change (−0.37 → '−37 %'), or 'base' for a baseline run. */
function formatCell(key: string, value: unknown): string {
  if (!key.startsWith('Δ ')) return formatMetric(key, value);
  if (typeof value === 'string') return value;
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const pct = value * 100;
  const digits = Math.abs(pct) >= 100 ? Math.abs(pct).toFixed(0) : String(Number(Math.abs(pct).toPrecision(3)));
  return Number(digits) === 0 ? '0 %' : `${pct < 0 ? '−' : '+'}${digits} %`;
}

function groupTable(groups: ComparisonGroups): string {
  const head = '<th></th>' + groups.columns.map((c) => `<th class="${c.includes('.') ? 'mono' : 'num'}">${escapeHtml(c)}</th>`).join('');
  const rows = groups.rows.map(
    (row) =>
      `<tr class="group${row.best ? ' best' : ''}"><td>${row.best ? '<span title="best group" aria-label="best group">★</span>' : ''}</td>` +
      row.cells.map((cell, j) => `<td class="${groups.columns[j]!.includes('.') ? 'mono' : 'num'}">${escapeHtml(cell)}</td>`).join('') +
      '</tr>',
  );
  return (
    `<div class="table-wrap"><table class="comparison groups"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    groups.legend.map((l) => `<p class="muted">${escapeHtml(l)}</p>`).join('')
  );
}

function pictureCards(runs: ComparisonRun[], pick: (r: ComparisonRun) => string | null | undefined, fileName: string): string {
  const cards = runs.map((run) => {
    const href = relativeHref(pick(run));
    const body = href
      ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(`${fileName} of ${run.label}`)}" loading="lazy">`
      : `<p class="muted">This run has no ${escapeHtml(fileName)}.</p>`;
    return `<div class="card"><h3>${escapeHtml(run.label)}</h3>${body}</div>`;
  });
  return `<div class="cards">${cards.join('')}</div>`;
}

/** A chart as a figure (PNG embedded, caption linking the PNG and SVG written beside the page), or null without a spec. */
async function chartFigure(spec: TopLevelSpec | null, pngName: string, svgName: string, alt: string, caption: string, filesWritten = true): Promise<{ html: string; files: RenderedFile[] } | null> {
  if (!spec) return null;
  const chart = await renderVegaLite(spec);
  const width = chart.png.readUInt32BE(16);
  const height = chart.png.readUInt32BE(20);
  const html =
    `<figure><img class="chart" src="${pngDataUri(chart.png)}" width="${Math.round(width / CHART_ZOOM)}" height="${Math.round(height / CHART_ZOOM)}" alt="${escapeHtml(alt)}">` +
    `<figcaption>${escapeHtml(caption)} ${filesWritten ? `Also written as <a href="${pngName}">PNG</a> and <a href="${svgName}">SVG</a>.` : `<code>aelab compare</code> writes it as ${pngName} and ${svgName}.`}</figcaption></figure>`;
  return { html, files: [{ name: pngName, data: chart.png }, { name: svgName, data: chart.svg }] };
}

/**
 * compare.html plus the chart files to write beside it (compare-mse-latent.png and .svg; none when
 * no run has a latent size and a test MSE). The chart PNG is embedded in the page; the runs'
 * reconstructions.png and samples.png are referenced by their relative paths.
 */
export async function renderComparison(input: ComparisonInput): Promise<{ html: string; files: RenderedFile[] }> {
  const title = input.title ?? 'aelab comparison';
  const files: RenderedFile[] = [];
  const mse = await chartFigure(comparisonChartSpec(chartPoints(input)), COMPARISON_CHART_PNG, COMPARISON_CHART_SVG, 'test MSE against latent size',
    input.chart?.some((p) => p.test_mse_std !== undefined)
      ? 'Mean test MSE of each group (dots; bars: ± one standard deviation over its runs) against its latent size; the line of each model kind joins its best group at each size.'
      : 'Test MSE of every run (dots) against its latent size; the line of each model kind joins its best run at each size.',
    input.chartFilesWritten);
  if (mse) files.push(...mse.files);
  const chartHtml = mse?.html ?? '<p class="muted">No chart: no run has both a latent size and a test MSE.</p>';
  // fd_samples against latent size, when some run has quality metrics.
  const fd = await chartFigure(comparisonChartSpec(chartPoints(input), 'fd_samples'), COMPARISON_FD_CHART_PNG, COMPARISON_FD_CHART_SVG, 'fd_samples against latent size',
    'fd_samples of every run (dots): the Fréchet distance between decoded density samples and the test images in the feature space of a digit classifier (lower is better); the line of each model kind joins its best run at each size.',
    input.chartFilesWritten);
  if (fd) files.push(...fd.files);
  const fdChartHtml = fd ? `<h2>Sample quality against latent size</h2>${fd.html}` : '';

  const best = input.best ? input.runs.find((r) => r.id === input.best!.runId) : undefined;
  const body: string[] = [];
  body.push(`<h1>${escapeHtml(title)}</h1>`);
  body.push(
    `<p class="muted">${input.runs.length} run${input.runs.length === 1 ? '' : 's'}.` +
      (best && input.best
        ? ` Best by ${escapeHtml(metricLabel(input.best.metric))}: <strong>${escapeHtml(best.label)}</strong> (${escapeHtml(formatMetric(input.best.metric, best.metrics[input.best.metric]))}), marked ★.`
        : '') +
      '</p>',
  );
  for (const note of input.notes ?? []) body.push(`<p class="note"><strong>Note:</strong> ${escapeHtml(note)}</p>`);
  if (input.groups) {
    body.push('<h2>Groups (mean ± std)</h2>');
    body.push(groupTable(input.groups));
  }
  body.push('<h2>Runs</h2>');
  body.push(input.parameterKeys.length > 0 ? '' : '<p class="muted">The runs share every parameter.</p>');
  body.push(table(input));
  body.push('<h2>Test MSE against latent size</h2>');
  body.push(chartHtml);
  if (fdChartHtml) body.push(fdChartHtml);
  if (input.explorer && 'unavailable' in input.explorer) {
    body.push('<h2>One latent point, every decoder</h2>');
    body.push(`<p class="muted">No interactive explorer: ${escapeHtml(input.explorer.unavailable)}</p>`);
  } else if (input.explorer) {
    body.push(renderExplorer(input.explorer, 'One latent point, every decoder').html);
  }
  body.push('<h2>Reconstructions</h2>');
  body.push(
    '<p>Every run on the same data reconstructs the same test digits. In each pair of rows, top: the test images; bottom: that run’s reconstructions.</p>',
  );
  body.push(pictureCards(input.runs, (r) => r.reconstructionsPath, 'reconstructions.png'));
  body.push('<h2>Latent codes</h2>');
  body.push('<p>Each run’s test codes (the first two latent dimensions), coloured by digit.</p>');
  body.push(pictureCards(input.runs, (r) => r.latentPath, 'latent.png'));
  body.push('<h2>Samples</h2>');
  body.push('<p>Decoded samples from each run’s density model fitted on its training codes.</p>');
  body.push(pictureCards(input.runs, (r) => r.samplesPath, 'samples.png'));
  body.push('<footer>Written by <code>aelab compare</code>.</footer>');
  return { html: htmlPage({ title, body: body.join('\n') }), files };
}
