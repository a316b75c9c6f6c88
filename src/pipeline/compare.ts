// compare: runs → table (stdout) and compare.html with the MSE-vs-latent chart and pictures side by side.
import fs from 'node:fs';
import path from 'node:path';

import { buildComparison, changeHeader, displayTable, formatComparison, loadComparedRun, resolveCompareInputs, type CompareOptions, type Comparison } from '../compare/index.ts';
import { renderComparison, renderComparisonTable, type ComparisonInput, type ComparisonPoint } from '../render/index.ts';
import { allocateNumberedDir } from '../runs/index.ts';
import { writeFileAtomic } from '../shared/fs.ts';
import { systemProbe } from '../shared/liveness.ts';
import { compareExplorer } from './explorer.ts';

/** The deepest folder containing all of `dirs`. */
function commonAncestor(dirs: string[]): string {
  let common = path.resolve(dirs[0]!);
  for (const d of dirs.slice(1)) {
    const abs = path.resolve(d);
    while (abs !== common && !abs.startsWith(common + path.sep)) common = path.dirname(common);
  }
  return common;
}

export type CompareFormat = 'table' | 'md' | 'csv' | 'json';

export interface CompareResult {
  text: string;
  /** Null when no compare.html was written (--format json|csv without --out). */
  htmlPath: string | null;
  /** Caveats for the reader (stderr). */
  notes: string[];
  skipped: { path: string; reason: string }[];
}

/**
 * Compares runs. compare.html goes to `outDir` when given; else into the sweep folder when one
 * sweep folder is compared; else into a fresh .compare/NNNN/ in `runsDir` or, without it, in the
 * runs' nearest common folder (a dot name can never clash with an experiment's name).
 */
export async function compareRuns(
  args: string[],
  opts: { format: CompareFormat; outDir?: string; runsDir?: string; cwd: string; staleAfterMs?: number } & CompareOptions,
): Promise<CompareResult> {
  const skipped: CompareResult['skipped'] = [];
  const dirs = resolveCompareInputs(args, opts.cwd, (s) => skipped.push(s));
  const probe = systemProbe(opts.staleAfterMs);
  // A baseline given as a folder is matched by path; anything else (KEY=VALUE, a row label) as typed.
  const baselinePath = opts.baseline !== undefined && !/^[^/\\]+=/.test(opts.baseline) ? path.resolve(opts.cwd, opts.baseline) : undefined;
  const baseline = baselinePath !== undefined && fs.existsSync(baselinePath) ? baselinePath : opts.baseline;
  const comparison = buildComparison(
    dirs.map((dir) => loadComparedRun(dir, probe)),
    { sort: opts.sort, metrics: opts.metrics, baseline, groupBy: opts.groupBy },
  );
  const text = formatComparison(comparison, opts.format);
  // Machine-readable output is for a pipe: no HTML unless asked for with --out.
  if ((opts.format === 'json' || opts.format === 'csv') && !opts.outDir) return { text, htmlPath: null, notes: comparison.notes, skipped };

  let outDir = opts.outDir ? path.resolve(opts.cwd, opts.outDir) : undefined;
  if (!outDir && args.length === 1) {
    const only = path.resolve(opts.cwd, args[0]!);
    if (fs.existsSync(path.join(only, 'sweep.json'))) outDir = only;
  }
  // Without --out: beside the compared runs (their nearest common folder), not in the cwd.
  outDir ??= allocateNumberedDir(path.join(opts.runsDir ?? commonAncestor(dirs.map((d) => path.dirname(d))), '.compare'), '').dir;
  fs.mkdirSync(outDir, { recursive: true });

  const { html, files } = await renderComparison(await comparisonPage(comparison, outDir));
  for (const f of files) writeFileAtomic(path.join(outDir, f.name), f.data);
  const htmlPath = path.join(outDir, 'compare.html');
  writeFileAtomic(htmlPath, html);
  return { text, htmlPath, notes: comparison.notes, skipped };
}

/**
 * What compare.html shows for already-built comparison rows, with the runs' pictures and reports
 * linked relative to `pageDir` (the folder compare.html goes in, or the folder `aelab ui` serves
 * the page from). Reads the runs; writes nothing.
 */
async function comparisonPage(comparison: Comparison, pageDir: string, options: { explorer?: boolean } = {}): Promise<ComparisonInput> {
  const picture = (dir: string, file: string) => (fs.existsSync(path.join(dir, file)) ? path.relative(pageDir, path.join(dir, file)) : null);
  const best = comparison.rows.find((r) => r.best);
  const withChange = comparison.baseline !== null;
  const metricColumns = comparison.metrics.flatMap((m) => (withChange ? [m, changeHeader(m)] : [m]));
  return {
    title: `aelab compare — ${comparison.rows.length} runs`,
    parameterKeys: comparison.parameters,
    metricKeys: metricColumns,
    notes: comparison.notes,
    groups: comparison.groups ? displayTable(comparison) : null,
    chart: comparison.groups ? groupChartPoints(comparison) : undefined,
    best: best ? { runId: best.dir, metric: 'test_mse' } : null,
    runs: comparison.rows.map((row) => ({
      id: row.dir,
      label: row.label,
      status: row.status,
      kind: row.run.spec?.model.kind ?? null,
      latent: row.run.spec?.model.latent ?? null,
      parameters: row.parameters,
      metrics: {
        ...row.metrics,
        ...Object.fromEntries(withChange ? comparison.metrics.map((m) => [changeHeader(m), row.isBaseline ? 'base' : (row.changes[m] ?? null)]) : []),
      },
      reportPath: picture(row.dir, 'report.html'),
      reconstructionsPath: picture(row.dir, 'reconstructions.png'),
      samplesPath: picture(row.dir, 'samples.png'),
      latentPath: picture(row.dir, 'latent.png'),
    })),
    explorer: options.explorer === false ? null : await compareExplorer(comparison.rows.map((row) => ({ dir: row.dir, label: row.label, status: row.status, spec: row.run.spec }))),
  };
}

/**
 * compare.html for run folders, built in memory and linking pictures relative to `pageDir`
 * (`aelab ui` serves it from there); `tableOnly` gives just the table, without chart or explorer.
 */
export async function compareToHtml(dirs: string[], opts: { sort?: string; pageDir: string; tableOnly?: boolean }): Promise<string> {
  const comparison = buildComparison(dirs.map((dir) => loadComparedRun(dir)), { sort: opts.sort });
  const page = await comparisonPage(comparison, opts.pageDir, { explorer: !opts.tableOnly });
  return opts.tableOnly ? renderComparisonTable(page) : (await renderComparison({ ...page, chartFilesWritten: false })).html;
}

/** One chart point per group with a model kind and latent size: its mean test MSE ± std. */
function groupChartPoints(c: Comparison): ComparisonPoint[] {
  const points: ComparisonPoint[] = [];
  for (const g of c.groups ?? []) {
    const kinds = new Set(g.rows.map((r) => r.run.spec?.model.kind ?? null));
    const latents = new Set(g.rows.map((r) => r.run.spec?.model.latent ?? null));
    const mse = g.metrics['test_mse'];
    const [kind] = kinds;
    const [latent] = latents;
    if (kinds.size !== 1 || latents.size !== 1 || !kind || !latent || !mse || mse.mean === null) continue;
    points.push({ kind, latent, test_mse: mse.mean, test_mse_std: mse.std });
  }
  return points;
}
