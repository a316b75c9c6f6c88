// `aelab compare`: runs side by side — a table on stdout and compare.html with charts and pictures.
import path from 'node:path';

import { compareRuns, type CompareFormat } from '../pipeline/compare.ts';
import { parseCommandArgs } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK, UsageError } from './exit.ts';
import { readStaleAfter } from './run.ts';

const usage = 'aelab compare <run folders|sweep folder|globs…> [--format table|md|csv|json] [--sort METRIC] [--out DIR] [--stale-after DURATION]';
const FORMATS: CompareFormat[] = ['table', 'md', 'csv', 'json'];

export const compareCommand: Command = {
  usage,
  help: `usage: ${usage}

Puts runs side by side: the spec parameters that differ, then test_mse, val_mse, params,
train_seconds and density_log_likelihood_test, and when runs have quality metrics fd_samples,
sample_in_digits and recon_accuracy; the best run (lowest test MSE) is marked.
Arguments are run folders, sweep folders (all their trials) or globs such as 'runs/*/0*'.
Also writes compare.html: the table, test MSE (and fd_samples) against latent size (one line per
model kind) and each run's reconstructions and samples side by side.

options:
  --format F     table (default), md, csv or json
  --sort METRIC  sort by a metric or a differing parameter (default test_mse)
  --out DIR      where compare.html goes (default: the sweep folder when comparing one sweep,
                 otherwise a new .compare/NNNN/ in the runs' nearest common folder)
  --runs-dir DIR put the default .compare/NNNN/ in DIR instead
  --stale-after D  a running run whose heartbeat is older than D shows as lost (default 10m)
  -h, --help     show this help`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      { format: { type: 'string' }, sort: { type: 'string' }, out: { type: 'string' }, 'runs-dir': { type: 'string' }, 'stale-after': { type: 'string' } },
      { min: 1, name: 'run folder' },
    );
    const format = (values.format ?? 'table') as CompareFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${format}: choose one of ${FORMATS.join(', ')}`);
    const result = await compareRuns(positionals, {
      format,
      sort: values.sort,
      outDir: values.out,
      runsDir: values['runs-dir'] === undefined ? undefined : path.resolve(ctx.cwd, values['runs-dir']),
      cwd: ctx.cwd,
      staleAfterMs: readStaleAfter(values['stale-after']),
    });
    for (const s of result.skipped) ctx.err(`aelab: skipped ${s.path}: ${s.reason}`);
    ctx.stdout.write(result.text.endsWith('\n') ? result.text : result.text + '\n');
    ctx.err(`aelab: wrote ${result.htmlPath}`);
    return EXIT_OK;
  },
};
