// Charts with text: Vega-Lite specs compiled with vega-lite, drawn to SVG by vega's headless view
// (renderer 'none', so no canvas is needed) and rasterised by resvg with the bundled DejaVu fonts.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { compareModelKinds } from '../kinds/model/registry.ts';
import type { EpochRecord, PictureData } from '../shared/types.ts';
import { FONT_FAMILY, svgToPng } from './raster.ts';

/** Vega's category10: a categorical palette (digits and model kinds are categories, not a scale). */
export const CATEGORY10 = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** Charts are rasterised at this zoom so their text stays crisp in the report. */
export const CHART_ZOOM = 2;

export interface ChartImage {
  svg: string;
  png: Buffer;
}

export const CONFIG = {
  font: `${FONT_FAMILY}, sans-serif`,
  background: 'white',
  padding: 12,
  view: { stroke: '#888' },
  title: { fontSize: 15, anchor: 'start', subtitleColor: '#555', subtitleFontSize: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 13, symbolOpacity: 1 },
} as const;

// Vega and Vega-Lite warn on console by default; charts run inside a CLI whose output is the user's.
const quietLogger = vega.logger(vega.Error);

/** Compiles a Vega-Lite spec, draws it to SVG and rasterises it (PNG = CHART_ZOOM × the SVG size). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<ChartImage> {
  const compiled = compile(spec, { logger: quietLogger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return { svg, png: svgToPng(svg, CHART_ZOOM) };
  } finally {
    view.finalize();
  }
}

function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Log scale only pays off when values span more than a decade (and all are positive). */
function spansDecade(values: number[]): boolean {
  if (values.length === 0) return false;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min > 0 && max / min > 10;
}

/** Test codes, one translucent dot per image, coloured by digit. Null when no code is finite. */
export function latentScatterSpec(latent: NonNullable<PictureData['latent']>): TopLevelSpec | null {
  const n = Math.min(latent.x.length, latent.y.length, latent.labels.length);
  const values: { x: number; y: number; digit: string }[] = [];
  for (let i = 0; i < n; i++) {
    const x = latent.x[i]!;
    const y = latent.y[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) values.push({ x, y, digit: String(latent.labels[i]) });
  }
  if (values.length === 0) return null;
  const digits = [...new Set(values.map((v) => v.digit))].sort((a, b) => Number(a) - Number(b));
  const crowded = values.length > 2000;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Test codes ${latent.codeName ? `z = ${latent.codeName}` : 'z = f(x)'}${latent.projected ? ' on their first two principal axes' : ''}`,
      subtitle: `${values.length} test images, coloured by digit`,
    },
    width: 440,
    height: 380,
    data: { values },
    mark: { type: 'circle', size: crowded ? 10 : 16, opacity: crowded ? 0.45 : 0.6 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: latent.xLabel, scale: { zero: false, nice: true } },
      y: { field: 'y', type: 'quantitative', title: latent.yLabel, scale: { zero: false, nice: true } },
      color: {
        field: 'digit',
        type: 'nominal',
        // Colours follow the sorted digits, so the classic {1, 5, 6} gets the three most distinct
        // colours and every run on the same digits colours them alike.
        scale: { domain: digits, range: digits.map((_, i) => CATEGORY10[i % 10]!) },
        legend: { title: 'digit', symbolSize: 90 },
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/**
 * Train and validation loss per epoch, and the training means of the loss's parts when it has any
 * (a VAE's reconstruction and KL). Null when no epoch has a finite loss. `what` names the loss
 * for the subtitle (the kind's objective; mean squared error by default).
 */
export function lossChartSpec(history: EpochRecord[], what = 'mean squared error'): TopLevelSpec | null {
  const raw: { epoch: number; loss: number; split: string }[] = [];
  for (const h of history) {
    if (isFiniteNumber(h.loss)) raw.push({ epoch: h.epoch, loss: h.loss, split: 'train' });
    if (isFiniteNumber(h.val_loss)) raw.push({ epoch: h.epoch, loss: h.val_loss, split: 'validation' });
    for (const [part, value] of Object.entries(h.parts ?? {})) if (isFiniteNumber(value)) raw.push({ epoch: h.epoch, loss: value, split: `train: ${part}` });
  }
  const log = spansDecade(raw.map((v) => v.loss));
  // A log axis cannot show zero; a loss of exactly 0 is dropped rather than breaking the chart.
  const values = log ? raw.filter((v) => v.loss > 0) : raw;
  if (values.length === 0) return null;
  const partSplits = [...new Set(values.map((v) => v.split).filter((s) => s.startsWith('train: ')))];
  const splits = [...['train', 'validation'].filter((s) => values.some((v) => v.split === s)), ...partSplits];
  const colour = (s: string) => (s === 'train' ? CATEGORY10[0]! : s === 'validation' ? CATEGORY10[1]! : CATEGORY10[(2 + partSplits.indexOf(s)) % CATEGORY10.length]!);
  const epochs = new Set(values.map((v) => v.epoch)).size;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Loss per epoch', subtitle: log ? `${what}, log scale` : what },
    width: 440,
    height: 260,
    data: { values },
    mark: { type: 'line', point: epochs <= 40, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { zero: false } },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: log ? { type: 'log', nice: false, padding: 10 } : { zero: false } },
      color: {
        field: 'split',
        type: 'nominal',
        scale: { domain: splits, range: splits.map(colour) },
        legend: { title: null, labelLimit: 240 },
      },
      ...(partSplits.length > 0 ? { strokeDash: { field: 'split', type: 'nominal', scale: { domain: splits, range: splits.map((s) => (s.startsWith('train: ') ? [4, 3] : [1, 0])) }, legend: null } } : {}),
    },
    config: CONFIG,
  } as TopLevelSpec;
}

export interface ComparisonPoint {
  kind: string;
  latent: number;
  test_mse: number;
  /** Present when the run has quality metrics. */
  fd_samples?: number | null;
  /** A group's mean ± this (sample std over its runs) is drawn as an error bar. */
  test_mse_std?: number | null;
}

/** The metrics the comparison charts can plot against latent size (lower is better for both). */
export type ComparisonChartMetric = 'test_mse' | 'fd_samples';
const COMPARISON_CHART_TITLES: Record<ComparisonChartMetric, { axis: string; title: string }> = {
  test_mse: { axis: 'test MSE', title: 'Test MSE against latent size' },
  fd_samples: { axis: 'fd_samples (Fréchet distance of samples)', title: 'Sample quality (fd_samples) against latent size' },
};


/** Mean ± std as a vertical rule per point that has a std (kept above zero for a log axis). */
function errorBarLayers(points: { value: number; std?: number | null }[], x: object, y: { title: string }, color: object): object[] {
  const bars = points
    .filter((p) => isFiniteNumber(p.std ?? null) && p.std! > 0)
    .map((p) => ({ ...p, lo: Math.max(p.value - p.std!, p.value * 0.05), hi: p.value + p.std! }));
  if (bars.length === 0) return [];
  return [
    {
      data: { values: bars },
      mark: { type: 'rule', strokeWidth: 1.5 },
      encoding: { x, y: { field: 'lo', type: 'quantitative', title: y.title }, y2: { field: 'hi' }, color },
    },
  ];
}

/**
 * A metric (test MSE by default, or fd_samples) against latent size, one line per model kind
 * through the best (lowest) value at each size, and a dot for every run. Null when no point is usable.
 */
export function comparisonChartSpec(allPoints: ComparisonPoint[], metric: ComparisonChartMetric = 'test_mse'): TopLevelSpec | null {
  // Error bars (a group's ± std) exist for test MSE only.
  const points = allPoints.map((p) => ({ kind: p.kind, latent: p.latent, value: p[metric], std: metric === 'test_mse' ? p.test_mse_std : null }));
  const usable = points.filter((p): p is { kind: string; latent: number; value: number; std: number | null | undefined } => isFiniteNumber(p.latent) && p.latent > 0 && isFiniteNumber(p.value) && p.value > 0);
  if (usable.length === 0) return null;
  const best = new Map<string, (typeof usable)[number]>();
  for (const p of usable) {
    const key = `${p.kind}\u0000${p.latent}`;
    const seen = best.get(key);
    if (!seen || p.value < seen.value) best.set(key, p);
  }
  const kinds = [...new Set(usable.map((p) => p.kind))].sort(compareModelKinds);
  const latents = [...new Set(usable.map((p) => p.latent))].sort((a, b) => a - b);
  const allPowersOfTwo = latents.every((l) => Number.isInteger(Math.log2(l)));
  const log = spansDecade(usable.map((p) => p.value));
  const color = {
    field: 'kind',
    type: 'nominal',
    scale: { domain: kinds, range: kinds.map((_, i) => CATEGORY10[i % 10]!) },
    legend: { title: 'model kind' },
  };
  const x = {
    field: 'latent',
    type: 'quantitative',
    title: 'latent size',
    // Latent sizes of a sweep are usually 2, 4, 8, …: a base-2 log axis spaces them evenly.
    scale: allPowersOfTwo && latents.length > 1 ? { type: 'log', base: 2 } : { zero: false },
    axis: { values: latents, format: 'd' },
  };
  const names = COMPARISON_CHART_TITLES[metric];
  const y = { field: 'value', type: 'quantitative', title: names.axis, scale: log ? { type: 'log', nice: false, padding: 10 } : { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: names.title, subtitle: 'one line per model kind (best run at each size)' },
    width: 440,
    height: 300,
    layer: [
      { data: { values: [...best.values()] }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
      { data: { values: usable }, mark: { type: 'point', filled: true, size: 50, opacity: 0.9 }, encoding: { x, y, color } },
      ...errorBarLayers(usable, x, { title: names.axis }, color),
    ],
    config: CONFIG,
  } as TopLevelSpec;
}
