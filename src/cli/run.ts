// `aelab run`: specs (or sweep specs) → versioned run folders. Prints each run folder on stdout,
// the last one as the last line, so scripts can `dir=$(aelab run spec.yaml | tail -n 1)`.
import fs from 'node:fs';
import path from 'node:path';

import { parseShardArg } from '../pipeline/plan.ts';
import { claimForResume, loadSpecForRun, prepareBackend, releaseResume, resumeRun, runSingle, type BackendName, type RunOutcome } from '../pipeline/run.ts';
import { runSweep } from '../pipeline/sweep.ts';
import { startWorkerPool } from '../pipeline/workers.ts';
import { InterruptedError, isUserError } from '../shared/errors.ts';
import { shellQuote } from '../shared/shell.ts';
import { parseCommandArgs, parseSetFlags, readStaleAfter } from './args.ts';
import type { Command } from './command.ts';
import { EXIT_OK, EXIT_USER_ERROR, UsageError, internalErrorReport } from './exit.ts';
import { expandFileArgs } from './files.ts';

const usage =
  'aelab run <specs|globs…> [--set key=value …] [--runs-dir DIR] [--backend tensorflow|wasm|cpu] [--jobs N] [--shard i/n|auto] [--trial K=V,…] [--fail-fast] [--stale-after DURATION]\n       aelab run --resume RUN_DIR [--backend NAME] [--stale-after DURATION]';
const BACKENDS: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export const runCommand: Command = {
  usage,
  help: `usage: ${usage}

Trains each spec and writes a versioned run folder runs/<name>/NNNN/ with run.json, spec.yaml,
resolved.json, metrics.json, history.csv, log.jsonl, model/, the pictures and report.html.
A spec with a sweep: block runs every trial into runs/<name>/sweep-NNNN/<trial>/; running it
again resumes it: completed trials are skipped; interrupted and lost ones with a checkpoint
continue in their folders; failed ones, and those without a checkpoint, run again (the earlier
attempt is kept as <trial>.attempt-N). A trial is lost when its process is gone (same
host, pid not alive) or its heartbeat in run.json is older than --stale-after.
Each run folder is printed on stdout (for a sweep, the sweep folder last).

Training writes a checkpoint into the run folder at the end of every epoch (train.checkpoint_every;
only the latest is kept, deleted when the run completes or fails). --resume RUN_DIR continues an
interrupted or lost run in that same folder from its checkpoint; it ends with the loss history
and metrics an uninterrupted run would have had (same seed, same backend). A sweep rerun resumes
its interrupted and lost trials from their checkpoints the same way.

options:
  --set key=value    override a key (dotted key, YAML value; repeatable), recorded in the run
  --runs-dir DIR     where runs go (default: ./runs)
  --backend NAME     tensorflow (tfjs-node), wasm or cpu (default: the fastest that loads)
  --jobs N           run N sweep trials at a time: this process and N − 1 workers (default 1)
  --shard i/n        run only the i-th of n slices of a sweep (i counts from 0)
  --shard auto       take the slice from the job engine: a Slurm job array (SLURM_ARRAY_TASK_ID,
                     any start, e.g. --array=1-8) or, as auto/N, a Kubernetes indexed Job
                     (JOB_COMPLETION_INDEX, N = its completions)
  --trial K=V,…      run only the sweep trials whose name has these key=value pairs (repeatable;
                     e.g. --trial 'latent=8' or --trial 'kind=pca,latent=8'), in the same sweep folder
  --fail-fast        stop a sweep at the first failed trial (default: keep going, list failures)
  --stale-after D    a running run whose heartbeat is older than D is lost, and a sweep takes
                     its trial over (default 10m, at least 1m; e.g. 90s, 30m, 2h)
  --reclaim          also take over trials that look alive on another machine (it is gone)
  --resume RUN_DIR   continue an interrupted or lost run in its folder from its last checkpoint
                     (refused for a completed or failed run, a run whose process still lives, and
                     a run without a checkpoint: rerun that one from scratch with aelab run RUN_DIR)
  -h, --help         show this help

Ctrl-C or SIGTERM stops after the current batch and marks the run interrupted, keeping what it
has written (press Ctrl-C again to quit now).

exit status: 0 all runs completed, 1 a spec is invalid or a run failed, 2 bad command line,
130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM`,

  interruptible: true,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        set: { type: 'string', multiple: true },
        'runs-dir': { type: 'string' },
        backend: { type: 'string' },
        jobs: { type: 'string' },
        shard: { type: 'string' },
        trial: { type: 'string', multiple: true },
        'fail-fast': { type: 'boolean' },
        reclaim: { type: 'boolean' },
        'stale-after': { type: 'string' },
        resume: { type: 'string' },
      },
      { name: 'spec file' },
    );
    if (values.resume !== undefined) {
      if (positionals.length > 0) throw new UsageError(`--resume continues one run folder as it ran; give no spec files with it (got ${positionals.join(' ')})`);
      const clash = (['set', 'jobs', 'shard', 'trial', 'fail-fast', 'reclaim'] as const).filter((k) => values[k] !== undefined);
      if (clash.length > 0) throw new UsageError(`--resume continues the run exactly as it ran: ${clash.map((k) => `--${k}`).join(', ')} cannot be combined with it`);
    } else if (positionals.length === 0) {
      throw new UsageError('missing spec file');
    }
    const backend = values.backend as BackendName | undefined;
    if (backend !== undefined && !BACKENDS.includes(backend)) {
      throw new UsageError(`--backend ${backend}: choose one of ${BACKENDS.join(', ')}`);
    }
    const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${values.jobs}: must be a whole number ≥ 1`);
    const shardChoice = values.shard === undefined ? undefined : readShard(values.shard, ctx.env);
    const shard = shardChoice && { index: shardChoice.index, count: shardChoice.count };
    const staleAfterMs = readStaleAfter(values['stale-after']);
    const overrides = parseSetFlags(values.set);
    const { terminal, signal } = ctx;
    if (values.resume !== undefined) return resumeCommand(values.resume, { backend, staleAfterMs, runsDir: values['runs-dir'] }, ctx);
    const runsDir = path.resolve(ctx.cwd, values['runs-dir'] ?? 'runs');
    if (shardChoice && shardChoice.source !== values.shard) terminal.line(`aelab: --shard ${values.shard}: slice ${shardChoice.index}/${shardChoice.count} (${shardChoice.source})`);

    // Every spec is checked before anything trains: a typo in the third file should not surface
    // after the first two have run for an hour.
    const specs = expandFileArgs(positionals, ctx.cwd).map((file) => loadSpecForRun(path.resolve(ctx.cwd, file), overrides, terminal));
    if (shard && !specs.some((s) => s.spec.sweep)) throw new UsageError('--shard applies to sweep specs only');
    if (values.trial && !specs.some((s) => s.spec.sweep)) throw new UsageError('--trial applies to sweep specs only (the spec has no sweep: block)');

    // Workers boot while this process loads its own backend (see startWorkerPool).
    const pool = jobs > 1 && specs.some((s) => s.spec.sweep)
      ? startWorkerPool(jobs - 1, { runsDir, backend, command: ctx.argv, staleAfterMs, jobs }, ctx.env)
      : undefined;
    // A `kill` of this process alone must also interrupt the workers' trials.
    const forwardSignal = () => pool?.signal(signal.reason as NodeJS.Signals);
    signal.addEventListener('abort', forwardSignal);

    const outcomes: RunOutcome[] = [];
    const sweepDirs: string[] = [];
    try {
      const backendInfo = await prepareBackend(backend, terminal);
      const session = { runsDir, terminal, command: ctx.argv, signal, backendInfo, staleAfterMs };
      for (const loaded of specs) {
        if (signal.aborted) break;
        if (loaded.spec.sweep) {
          const sweep = await runSweep(loaded, { ...session, jobs, pool, shard, trials: values.trial, failFast: values['fail-fast'] ?? false, reclaimForeign: values.reclaim ?? false });
          for (const o of sweep.outcomes) ctx.out(o.dir);
          outcomes.push(...sweep.outcomes);
          const failed = sweep.outcomes.filter((o) => o.status === 'failed');
          const completed = sweep.outcomes.filter((o) => o.status === 'completed').length;
          const interrupted = sweep.outcomes.filter((o) => o.status === 'interrupted').length;
          terminal.line(
            `aelab: sweep ${sweep.dir}: ${completed} completed` +
              (sweep.reused.length > 0 ? ` (${sweep.reused.length} reused from earlier sweeps, not retrained)` : '') +
              `, ${failed.length} failed, ` +
              (interrupted > 0 ? `${interrupted} interrupted (rerun to resume), ` : '') +
              `${sweep.skipped.length} skipped` +
              (sweep.notStarted.length > 0 ? `, ${sweep.notStarted.length} not started (rerun to run them)` : '') +
              (failed.length > 0 ? `\n  failed: ${failed.map((o) => `${o.trial} (${o.error ?? 'see its run.json'})`).join('\n  failed: ')}` : ''),
          );
          ctx.out(sweep.dir);
          sweepDirs.push(sweep.dir);
        } else {
          const outcome = await runSingle(loaded, session);
          outcomes.push(outcome);
          if (outcome.status === 'failed') reportFailure(outcome, ctx);
          ctx.out(outcome.dir);
        }
      }
    } finally {
      signal.removeEventListener('abort', forwardSignal);
      pool?.close();
    }

    if (signal.aborted) throw new InterruptedError(String(signal.reason));
    const completed = outcomes.filter((o) => o.status === 'completed');
    if (sweepDirs.length > 0) {
      // After a sweep the question is how its trials compare, not what the last trial looks like.
      const here = (p: string) => (path.relative(ctx.cwd, p).startsWith('..') ? p : path.relative(ctx.cwd, p) || '.');
      terminal.line(
        `aelab: done — ${completed.length} run${completed.length === 1 ? '' : 's'} completed. ` +
          `Compare the trials: aelab compare ${sweepDirs.map((d) => shellQuote(here(d))).join(' ')}` +
          ` (all runs: ${path.join(runsDir, 'index.html')})`,
      );
    } else if (completed.length > 0) {
      terminal.line(
        `aelab: done — ${completed.length} run${completed.length === 1 ? '' : 's'} completed. ` +
          `Open ${path.join(completed.at(-1)!.dir, 'report.html')} or ${path.join(runsDir, 'index.html')} for all runs.`,
      );
    }
    return outcomes.every((o) => o.status === 'completed') ? EXIT_OK : EXIT_USER_ERROR;
  },
};

/** A failed run's lines: a user mistake gets one line; a bug of ours gets its stack (also kept in run.json). */
function reportFailure(outcome: RunOutcome, ctx: Parameters<Command['run']>[1]): void {
  if (outcome.internalStack) ctx.terminal.line(internalErrorReport(Object.assign(new Error(outcome.error), { stack: outcome.internalStack }), ctx.env.AELAB_DEBUG === '1'));
  ctx.terminal.line(`aelab: run failed: ${outcome.error ?? 'unknown error'} (details in ${path.join(outcome.dir, 'run.json')})`);
}

/** `aelab run --resume RUN_DIR`: one run, continued in its folder. */
async function resumeCommand(dirArg: string, options: { backend: BackendName | undefined; staleAfterMs: number | undefined; runsDir: string | undefined }, ctx: Parameters<Command['run']>[1]): Promise<number> {
  const { terminal, signal } = ctx;
  const dir = path.resolve(ctx.cwd, dirArg);
  // The runs folder the run lives in (runs/<name>/NNNN, or runs/<name>/sweep-NNNN/<trial>): its
  // index page is refreshed and its quality classifier cache used.
  const inSweep = fs.existsSync(path.join(path.dirname(dir), 'sweep.json'));
  const runsDir = options.runsDir !== undefined ? path.resolve(ctx.cwd, options.runsDir) : path.resolve(dir, inSweep ? '../../..' : '../..');
  // Refusals (completed, still running, no checkpoint, …) come before the backend loads.
  const claimed = claimForResume(dirArg, options.staleAfterMs);
  let backendInfo: Awaited<ReturnType<typeof prepareBackend>>;
  try {
    backendInfo = await prepareBackend(options.backend, terminal);
  } catch (err) {
    releaseResume(claimed);
    throw err;
  }
  const session = { runsDir, terminal, command: ctx.argv, signal, backendInfo, ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}) };
  const outcome = await resumeRun(claimed, session);
  if (outcome.status === 'failed') reportFailure(outcome, ctx);
  ctx.out(outcome.dir);
  if (signal.aborted) throw new InterruptedError(String(signal.reason));
  if (outcome.status === 'completed') terminal.line(`aelab: done — resumed run completed. Open ${path.join(outcome.dir, 'report.html')}`);
  return outcome.status === 'completed' ? EXIT_OK : EXIT_USER_ERROR;
}


/** --shard i/n or auto; a value that cannot be read is a command-line mistake (exit 2). */
function readShard(text: string, env: Record<string, string | undefined>): ReturnType<typeof parseShardArg> {
  try {
    return parseShardArg(text, env);
  } catch (err) {
    if (isUserError(err)) throw new UsageError(err.message);
    throw err;
  }
}
