// compare: runs → table (stdout) and compare.html with the MSE-vs-latent chart and pictures side by side.
import fs from 'node:fs';
import path from 'node:path';

import { buildComparison, formatComparison, loadComparedRun, resolveCompareInputs } from '../compare/index.ts';
import { renderComparison } from '../render/index.ts';
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
  htmlPath: string;
  skipped: { path: string; reason: string }[];
}

/**
 * Compares runs. compare.html goes to `outDir` when given; else into the sweep folder when one
 * sweep folder is compared; else into a fresh .compare/NNNN/ in `runsDir` or, without it, in the
 * runs' nearest common folder (a dot name can never clash with an experiment's name).
 */
export async function compareRuns(
  args: string[],
  opts: { format: CompareFormat; sort?: string; outDir?: string; runsDir?: string; cwd: string; staleAfterMs?: number },
): Promise<CompareResult> {
  const skipped: CompareResult['skipped'] = [];
  const dirs = resolveCompareInputs(args, opts.cwd, (s) => skipped.push(s));
  const probe = systemProbe(opts.staleAfterMs);
  const comparison = buildComparison(dirs.map((dir) => loadComparedRun(dir, probe)), { sort: opts.sort });
  const text = formatComparison(comparison, opts.format);

  let outDir = opts.outDir ? path.resolve(opts.cwd, opts.outDir) : undefined;
  if (!outDir && args.length === 1) {
    const only = path.resolve(opts.cwd, args[0]!);
    if (fs.existsSync(path.join(only, 'sweep.json'))) outDir = only;
  }
  // Without --out: beside the compared runs (their nearest common folder), not in the cwd.
  outDir ??= allocateNumberedDir(path.join(opts.runsDir ?? commonAncestor(dirs.map((d) => path.dirname(d))), '.compare'), '').dir;
  fs.mkdirSync(outDir, { recursive: true });

  const picture = (dir: string, file: string) => (fs.existsSync(path.join(dir, file)) ? path.relative(outDir, path.join(dir, file)) : null);
  const best = comparison.rows.find((r) => r.best);
  const { html, files } = await renderComparison({
    title: `aelab compare — ${comparison.rows.length} runs`,
    parameterKeys: comparison.parameters,
    metricKeys: [...comparison.metrics],
    best: best ? { runId: best.dir, metric: 'test_mse' } : null,
    runs: comparison.rows.map((row) => ({
      id: row.dir,
      label: row.label,
      status: row.status,
      kind: row.run.spec?.model.kind ?? null,
      latent: row.run.spec?.model.latent ?? null,
      parameters: row.parameters,
      metrics: row.metrics,
      reportPath: picture(row.dir, 'report.html'),
      reconstructionsPath: picture(row.dir, 'reconstructions.png'),
      samplesPath: picture(row.dir, 'samples.png'),
    })),
    explorer: await compareExplorer(comparison.rows.map((row) => ({ dir: row.dir, label: row.label, status: row.status, spec: row.run.spec }))),
  });
  for (const f of files) writeFileAtomic(path.join(outDir, f.name), f.data);
  const htmlPath = path.join(outDir, 'compare.html');
  writeFileAtomic(htmlPath, html);
  return { text, htmlPath, skipped };
}

