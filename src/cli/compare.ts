// `aelab compare`: runs side by side — a table on stdout and compare.html with charts and pictures.
import path from 'node:path';

import { compareRuns, type CompareFormat } from '../pipeline/compare.ts';
import { parseCommandArgs, readStaleAfter } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK, UsageError } from './exit.ts';

const usage = 'aelab compare <run folders|sweep folder|globs…> [--baseline RUN|KEY=VALUE] [--group-by KEYS] [--metrics A,B,…] [--format table|md|csv|json] [--sort COLUMN] [--out DIR] [--stale-after DURATION]';
const FORMATS: CompareFormat[] = ['table', 'md', 'csv', 'json'];

export const compareCommand: Command = {
  usage,
  help: `usage: ${usage}

Puts runs side by side: the spec parameters that differ, then test_mse, val_mse, params and
train_seconds, and when runs have quality metrics fd_samples, sample_in_digits and recon_accuracy;
the best run (lowest test MSE) is marked. density_log_likelihood_test is shown by default only
when all runs share an encoder (it is measured in each encoder's own code space).
Arguments are run folders, sweep folders (all their trials) or globs such as 'runs/*/0*'.
Also writes compare.html: the table, test MSE (and fd_samples) against latent size (one line per
model kind, with error bars under --group-by) and each run's reconstructions, latent scatter and samples.

  aelab compare runs/lecture/sweep-0001 --baseline model.kind=pca --group-by kind,latent

options:
  --baseline B     add each metric's relative change against a baseline: a compared run folder,
                   or KEY=VALUE (model.kind=pca); when the baseline runs differ in latent size,
                   each run is compared with the baseline run(s) of its own latent size
  --group-by KEYS  one line per combination of these settings (comma-separated; full keys or
                   their last part, e.g. kind,latent): mean ± std over its runs, with n
  --metrics LIST   metric columns, comma-separated; nested keys such as test_mse_by_digit.5
  --format F       table (default), md, csv or json; csv and json write no compare.html
                   unless --out is given
  --sort COLUMN    sort by a metric or a differing parameter (default test_mse)
  --out DIR        where compare.html goes (default: the sweep folder when comparing one sweep,
                   otherwise a new .compare/NNNN/ in the runs' nearest common folder)
  --runs-dir DIR   put the default .compare/NNNN/ in DIR instead
  --stale-after D  a running run whose heartbeat is older than D shows as lost (default 10m)
  -h, --help       show this help`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        format: { type: 'string' },
        sort: { type: 'string' },
        out: { type: 'string' },
        'runs-dir': { type: 'string' },
        baseline: { type: 'string' },
        'group-by': { type: 'string' },
        metrics: { type: 'string' },
        'stale-after': { type: 'string' },
      },
      { min: 1, name: 'run folder' },
    );
    const format = (values.format ?? 'table') as CompareFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${format}: choose one of ${FORMATS.join(', ')}`);
    const result = await compareRuns(positionals, {
      format,
      sort: values.sort,
      baseline: values.baseline,
      groupBy: splitList(values['group-by'], '--group-by'),
      metrics: splitList(values.metrics, '--metrics'),
      outDir: values.out,
      runsDir: values['runs-dir'] === undefined ? undefined : path.resolve(ctx.cwd, values['runs-dir']),
      cwd: ctx.cwd,
      staleAfterMs: readStaleAfter(values['stale-after']),
    });
    for (const s of result.skipped) ctx.err(`aelab: skipped ${s.path}: ${s.reason}`);
    ctx.stdout.write(result.text.endsWith('\n') ? result.text : result.text + '\n');
    for (const note of result.notes) ctx.err(`aelab: note: ${note}`);
    if (result.htmlPath) ctx.err(`aelab: wrote ${result.htmlPath}`);
    return EXIT_OK;
  },
};

function splitList(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`${flag}: give one or more comma-separated names`);
  return items;
}
