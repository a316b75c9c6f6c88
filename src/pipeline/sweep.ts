// Sweeps: plan → validate every trial → open (or resume) the sweep folder → run my shard's trials,
// in this process (--jobs 1) or also in worker processes, each trial claimed exclusively.
import type { LoadedSpec } from '../spec/index.ts';
import { checkpointFile, claimTrial, completedTrialsByHash, createOrOpenSweep, describePlanChange, readRunJson, reuseTrial, safeRunPath, updateSweepStatus } from '../runs/index.ts';
import { systemProbe } from '../shared/liveness.ts';
import { planSweep, selectTrials, shardTrials } from './plan.ts';
import { runTrial, type RunOutcome, type RunSession, type TrialTask } from './run.ts';
import { serveTrialsWithWorkers, type WorkerPool } from './workers.ts';

export interface SweepOptions extends RunSession {
  jobs: number;
  /** Worker processes for the other jobs (see startWorkerPool); none runs every trial here. */
  pool?: WorkerPool;
  shard?: { index: number; count: number };
  /** --trial filters: run only the matching trials (into the same sweep folder). */
  trials?: string[];
  failFast: boolean;
  /** Also take over trials that look alive on another host (their machines are known to be gone). */
  reclaimForeign: boolean;
}

export interface SweepOutcome {
  dir: string;
  outcomes: (RunOutcome & { trial: string })[];
  skipped: { trial: string; reason: string }[];
  /** Trials of this process's share that never started (the sweep was interrupted or stopped). */
  notStarted: string[];
  /** Trials not trained again: the same configuration completed in an earlier sweep. */
  reused: { trial: string; from: string }[];
}

export async function runSweep(loaded: LoadedSpec, opts: SweepOptions): Promise<SweepOutcome> {
  const planned = planSweep(loaded);
  const name = loaded.spec.name;
  const nameDir = safeRunPath(opts.runsDir, name);
  const selected = selectTrials(planned, opts.trials ?? []);
  const opened = createOrOpenSweep(nameDir, { name, spec_hash: loaded.hash, trials: planned });
  const mine = opts.shard ? shardTrials(selected, opts.shard.index, opts.shard.count) : selected;
  const swept = new Set(planned.flatMap((t) => Object.keys(t.overrides)));
  for (const key of Object.keys(loaded.overrides).filter((k) => swept.has(k))) {
    opts.terminal.line(`aelab: warning: --set ${key} has no effect: the sweep sets ${key} in every trial`);
  }
  const done = opened.sweep.trials.filter((t) => t.status === 'completed').length;
  opts.terminal.line(
    `aelab: sweep ${name}/${opened.id}: ${planned.length} trials` +
      (opts.trials?.length ? `, --trial selects ${selected.length}` : '') +
      (opts.shard ? `, shard ${opts.shard.index}/${opts.shard.count} takes ${mine.length}` : '') +
      (opened.created ? '' : `, resuming (${done} already completed)`) +
      (opts.jobs > 1 ? `, ${opts.jobs} jobs` : '') +
      ` → ${opened.dir}`,
  );

  // A changed sweep opens a new folder; say why, and take over the trials that already ran.
  const change = opened.created ? describePlanChange(nameDir, opened.dir, planned) : null;
  if (change) opts.terminal.line(`aelab: new sweep folder ${opened.id}: ${change}`);
  const reusable = completedTrialsByHash(nameDir, opened.dir);

  const result: SweepOutcome = { dir: opened.dir, outcomes: [], skipped: [], notStarted: [], reused: [] };
  const queue = [...mine];
  let stop = false;
  // Only this process claims trials; the claimed ones go to whichever job asks next.
  const nextTask = (): TrialTask | null => {
    while (!stop && !opts.signal.aborted && queue.length > 0) {
      const trial = queue.shift()!;
      const source = reusable.get(trial.hash);
      // An interrupted or lost attempt of this very configuration with a checkpoint continues in
      // its folder (unless a completed twin can simply be reused).
      const resumable = (dir: string) => !source && checkpointFile(dir) !== null && readRunJson(dir)?.spec_hash === trial.hash;
      const claim = claimTrial(opened.dir, trial.name, { reclaimForeign: opts.reclaimForeign, probe: systemProbe(opts.staleAfterMs), resumable });
      if (claim.claimed && claim.resume) {
        const previous = readRunJson(claim.dir)!;
        opts.terminal.line(`aelab: [${trial.name}] ${claim.resume.status}: resuming from its checkpoint`);
        const was = claim.resume.status === 'lost' ? 'lost' : 'interrupted';
        return { file: loaded.file, overrides: loaded.overrides, trialOverrides: trial.overrides, trial: trial.name, runDir: claim.dir, sweepDir: opened.dir, shard: opts.shard, resume: { previous, was } };
      }
      if (claim.claimed && source) {
        const how = reuseTrial(source, claim.dir, { id: trial.name, sweep: { dir: opened.dir, trial: trial.name } });
        opts.terminal.line(`aelab: [${trial.name}] same configuration (spec hash) completed in ${source}: reused, files ${how}`);
        result.reused.push({ trial: trial.name, from: source });
        result.outcomes.push({ dir: claim.dir, status: 'completed', trial: trial.name });
        updateSweepStatus(opened.dir, { probe: systemProbe(opts.staleAfterMs) });
        continue;
      }
      if (claim.claimed) {
        if (claim.previous) opts.terminal.line(`aelab: [${trial.name}] rerunning (earlier attempt ${claim.previous.status}, kept in ${claim.previous.movedTo})`);
        return { file: loaded.file, overrides: loaded.overrides, trialOverrides: trial.overrides, trial: trial.name, runDir: claim.dir, sweepDir: opened.dir, shard: opts.shard };
      }
      result.skipped.push({ trial: trial.name, reason: claim.reason });
      if (claim.reason === 'completed') opts.terminal.line(`aelab: [${trial.name}] already completed, skipped`);
      else opts.terminal.line(`aelab: [${trial.name}] ${claim.reason} by another process, skipped`);
    }
    return null;
  };
  const refreshStatus = () => updateSweepStatus(opened.dir, { probe: systemProbe(opts.staleAfterMs) });
  const record = (trial: string, outcome: RunOutcome) => {
    result.outcomes.push({ ...outcome, trial });
    refreshStatus();
    if (outcome.status === 'failed') {
      if (outcome.internalStack) opts.terminal.line(`aelab: [${trial}] internal error (a bug in aelab):\n${outcome.internalStack}`);
      opts.terminal.line(`aelab: [${trial}] failed: ${outcome.error ?? 'unknown error'}`);
      if (opts.failFast) {
        stop = true;
        opts.terminal.line('aelab: --fail-fast: not starting further trials');
      }
    }
  };

  // This process is one of the jobs (its backend and data are already loaded); the other jobs are
  // worker processes fed from the same queue.
  const runHere = async () => {
    for (let task = nextTask(); task; task = nextTask()) record(task.trial, await runTrial(task, opts));
  };
  if (!opts.pool || opts.pool.size === 0) await runHere();
  else await Promise.all([serveTrialsWithWorkers(opts.pool, nextTask, record, opts.signal), runHere()]);
  refreshStatus();
  result.notStarted = queue.map((t) => t.name);
  return result;
}
