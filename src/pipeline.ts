// The only composer: spec → plan → data → model → train → evaluate → render → runs.
// Every stage is imported through its index; this file decides the order and where files go.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadSpec, type LoadedSpec } from './spec/index.ts';
import { loadDataset } from './data/index.ts';
import { buildModel, selectBackend } from './model/index.ts';
import { trainModel } from './train/index.ts';
import { computePictureData, computeReconstructionMetrics, encodeSplit, fitDensity } from './evaluate/index.ts';
import { formatDuration, renderComparison, renderRunPictures, renderRunReport, renderRunsIndex, pictureNotes } from './render/index.ts';
import { buildComparison, formatComparison, loadComparedRun, resolveCompareInputs } from './compare/index.ts';
import { shardTrials } from './plan/index.ts';
import { loadTrialSpec, planSweep, type PlannedTrial } from './pipeline-plan.ts';
import {
  allocateNumberedDir,
  allocateRunDir,
  claimTrial,
  createOrOpenSweep,
  createRunRecord,
  releaseTrial,
  updateSweepStatus,
  gitInfo,
  listRuns,
  safeRunPath,
  updateLatest,
  type RunRecord,
} from './runs/index.ts';
import { InterruptedError, UserError, errorMessage, formatIssue, isUserError } from './shared/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from './shared/fs.ts';
import { createFileLogger, type Logger } from './shared/log.ts';
import { deriveSeed } from './shared/random.ts';
import { createTerminal, type Terminal } from './shared/terminal.ts';
import type { BackendInfo, Dataset, EpochRecord, Metrics, ResolvedSpec, TrainingResult } from './shared/types.ts';
import { isTrainable } from './shared/types.ts';
import { aelabVersion, projectRoot } from './shared/version.ts';

export type BackendName = BackendInfo['name'];

export interface RunOptions {
  /** Root of all runs (default ./runs). Nothing is written outside it. */
  runsDir: string;
  /** Dotted key → value, from `--set`. */
  overrides: Record<string, unknown>;
  backend?: BackendName;
  terminal: Terminal;
  /** The command line, recorded in run.json. */
  command: string[];
  /** Aborted on SIGINT/SIGTERM; the run is then marked interrupted. */
  signal: AbortSignal;
}

export interface RunOutcome {
  dir: string;
  status: 'completed' | 'failed' | 'interrupted';
  error?: string;
  /** Set when a run failed on a bug of ours rather than the user's input: the stack to show. */
  internalStack?: string;
}

/** Selects the numeric backend once per process and tells the user which one runs. */
export async function prepareBackend(preference: BackendName | undefined, terminal: Terminal): Promise<BackendInfo> {
  const info = await selectBackend(preference);
  terminal.line(`aelab: backend ${info.name}${info.fast_matmul ? ' (fast matmul)' : ''} — ${info.reason}`);
  return info;
}

/**
 * Runs one resolved spec into a fresh run folder below `parentDir`. Data is loaded before the
 * folder is made, so a spec whose data cannot be read is refused without leaving an empty run.
 */
export async function runSingle(
  loaded: LoadedSpec,
  opts: RunOptions & { parentDir?: string; runDir?: string; backendInfo: BackendInfo; sweep?: { dir: string; trial: string } },
): Promise<RunOutcome> {
  const { spec } = loaded;
  throwIfAborted(opts.signal);
  const data = loadDatasetCached(spec, loaded.dir);

  let dir: string;
  let id: string;
  if (opts.runDir) {
    dir = opts.runDir;
    id = path.basename(dir);
  } else {
    const parent = opts.parentDir ?? safeRunPath(opts.runsDir, spec.name);
    ({ id, dir } = allocateRunDir(parent));
  }
  const logger = createFileLogger(path.join(dir, 'log.jsonl'), { run: `${spec.name}/${id}` });
  writeFileAtomic(path.join(dir, 'spec.yaml'), loaded.text);
  writeJsonAtomic(path.join(dir, 'resolved.json'), { spec, hash: loaded.hash });

  const record = createRunRecord(dir, {
    id,
    name: spec.name,
    status: 'running',
    command: opts.command,
    spec_file: path.resolve(loaded.file),
    spec_hash: loaded.hash,
    overrides: loaded.overrides,
    backend: opts.backendInfo,
    versions: { node: process.version, tfjs: opts.backendInfo.tfjs_version, aelab: aelabVersion() },
    git: gitInfoOnce() ?? undefined,
    ...(opts.sweep ? { sweep: opts.sweep } : {}),
  });
  logger.info({ event: 'start', spec_file: loaded.file, hash: loaded.hash, backend: opts.backendInfo.name }, 'run started');
  for (const w of loaded.warnings) logger.warn({ event: 'spec-warning', path: w.path }, w.message);
  const label = opts.sweep ? `${spec.name}/${opts.sweep.trial}` : `${spec.name}/${id}`;
  opts.terminal.line(`aelab: run ${label} → ${dir}`);

  try {
    await executeRun(spec, loaded.text, data, dir, record, logger, opts, label);
    record.complete();
    logger.info({ event: 'completed', seconds: record.data.duration_seconds }, 'run completed');
    if (!opts.sweep) updateLatest(path.dirname(dir), id);
    opts.terminal.line(`aelab: ${label} completed in ${formatDuration(record.data.duration_seconds ?? 0)}`);
    return { dir, status: 'completed' };
  } catch (err) {
    if (err instanceof InterruptedError) {
      record.fail(err); // marks it interrupted, with the signal
      logger.warn({ event: 'interrupted' }, err.message);
      opts.terminal.line(`aelab: ${label} interrupted; partial run kept in ${dir}`);
      return { dir, status: 'interrupted', error: err.message };
    }
    record.fail(err);
    logger.error({ event: 'failed', err: errorMessage(err), stack: isUserError(err) ? undefined : (err as Error)?.stack }, 'run failed');
    return isUserError(err)
      ? { dir, status: 'failed', error: errorMessage(err) }
      : { dir, status: 'failed', error: errorMessage(err), internalStack: (err as Error)?.stack ?? String(err) };
  } finally {
    logger.flush?.();
    refreshRunsIndex(opts.runsDir);
  }
}

async function executeRun(
  spec: ResolvedSpec,
  specText: string,
  data: Dataset,
  dir: string,
  record: RunRecord,
  logger: Logger,
  opts: RunOptions & { backendInfo: BackendInfo; sweep?: { dir: string; trial: string } },
  label: string,
): Promise<void> {
  logger.info({ event: 'data', ...data.counts, origin: data.origin }, 'data loaded');
  record.update({ stage: 'model' });
  const fitStart = performance.now();
  const model = await buildModel(spec.model, {
    inputDim: data.dim,
    seed: spec.seed,
    train: { images: data.train.images, count: data.train.count },
  });
  try {
    let training: TrainingResult | null = null;
    if (isTrainable(model)) {
      throwIfAborted(opts.signal);
      record.update({ stage: 'train' });
      // history.csv grows every epoch, so a failed or interrupted run keeps what it learned.
      const soFar: EpochRecord[] = [];
      training = await trainModel(model, data, spec.train, {
        seed: spec.seed,
        terminal: prefixedTerminal(opts.terminal, opts.sweep ? label : ''),
        logger,
        signal: opts.signal,
        onEpoch: (rec) => {
          soFar.push(rec);
          writeFileAtomic(path.join(dir, 'history.csv'), historyCsv(soFar));
        },
      });
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    throwIfAborted(opts.signal);
    await model.save(path.join(dir, 'model'));

    record.update({ stage: 'evaluate' });
    const recon = computeReconstructionMetrics(model, data);
    const trainCodes = encodeSplit(model, data.train);
    const testCodes = encodeSplit(model, data.test);
    const density = fitDensity(spec.density.kind, trainCodes, data.train.count, model.latent, {
      ...spec.density,
      seed: deriveSeed(spec.seed, 'density'),
    });
    writeJsonAtomic(path.join(dir, 'density.json'), density.toJSON());
    const metrics: Metrics = {
      n_train: data.counts.n_train,
      n_val: data.counts.n_val,
      n_test: data.counts.n_test,
      ...recon,
      params: model.paramCount(),
      epochs: training?.epochs ?? 0,
      best_epoch: training?.best_epoch ?? null,
      stopped_early: training?.stopped_early ?? false,
      train_seconds: training?.train_seconds ?? fitSeconds,
      samples_per_second: training?.samples_per_second ?? null,
      ...model.summary(),
      density_kind: spec.density.kind,
      density_log_likelihood_train: density.meanLogLikelihood(trainCodes, data.train.count),
      density_log_likelihood_test: density.meanLogLikelihood(testCodes, data.test.count),
      counts_by_digit: { train: data.counts.train_by_digit, val: data.counts.val_by_digit, test: data.counts.test_by_digit },
      backend: opts.backendInfo.name,
    };
    writeJsonAtomic(path.join(dir, 'metrics.json'), metrics);
    logger.info({ event: 'metrics', ...metrics }, 'metrics written');
    opts.terminal.line(
      `aelab: ${label} test MSE ${metrics.test_mse.toFixed(5)}` +
        (metrics.val_mse !== null ? `, val MSE ${metrics.val_mse.toFixed(5)}` : '') +
        `, density log-likelihood (test) ${metrics.density_log_likelihood_test.toFixed(3)}`,
    );

    throwIfAborted(opts.signal);
    record.update({ stage: 'render' });
    const pictures = computePictureData(model, data, density, spec.outputs, spec.seed, trainCodes, testCodes);
    const files = await renderRunPictures(pictures, training?.history ?? null);
    for (const f of files) writeFileAtomic(path.join(dir, f.name), f.data);
    const html = renderRunReport({
      dir,
      run: { ...record.data, status: 'completed' },
      metrics,
      specYaml: specText,
      resolved: spec,
      pictures: files.filter((f) => f.name.endsWith('.png')).map((f) => f.name),
      notes: pictureNotes(pictures),
    });
    writeFileAtomic(path.join(dir, 'report.html'), html);
    record.update({ stage: 'done' });
  } finally {
    model.dispose();
  }
}

// One dataset per process and data spec: sweeps over model keys reuse the loaded images.
const datasetCache = new Map<string, Dataset>();
function loadDatasetCached(spec: ResolvedSpec, baseDir: string): Dataset {
  const key = JSON.stringify([path.resolve(baseDir), spec.data]);
  let data = datasetCache.get(key);
  if (!data) {
    datasetCache.clear(); // keep at most one dataset in memory
    data = loadDataset(spec.data, { baseDir });
    datasetCache.set(key, data);
  }
  return data;
}

/** Rewrites runs/index.html from what is on disk; a failure here must never fail a run. */
export function refreshRunsIndex(runsDir: string): void {
  try {
    const rows = listRuns(runsDir);
    writeFileAtomic(path.join(runsDir, 'index.html'), renderRunsIndex(rows));
  } catch (err) {
    process.emitWarning(`could not refresh ${path.join(runsDir, 'index.html')}: ${errorMessage(err)}`);
  }
}

export function historyCsv(history: EpochRecord[]): string {
  const lines = ['epoch,loss,val_loss,seconds'];
  for (const h of history) lines.push(`${h.epoch},${h.loss},${h.val_loss ?? ''},${h.seconds}`);
  return lines.join('\n') + '\n';
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError(String(signal.reason ?? 'SIGINT'));
}

function prefixedTerminal(t: Terminal, prefix: string): Terminal {
  if (!prefix) return t;
  return { ...t, isTTY: t.isTTY, line: (s) => t.line(`[${prefix}] ${s}`), status: (s) => t.status(`[${prefix}] ${s}`) };
}

// git is asked once per process, not once per run: a sweep worker runs many.
let gitCached: ReturnType<typeof gitInfo> | undefined;
function gitInfoOnce(): ReturnType<typeof gitInfo> {
  if (gitCached === undefined) gitCached = gitInfo(projectRoot);
  return gitCached;
}

/** Loads a spec for running: the CLI's overrides applied, warnings shown once. */
export function loadSpecForRun(file: string, overrides: Record<string, unknown>, terminal: Terminal): LoadedSpec {
  const loaded = loadSpec(file, { overrides });
  for (const w of loaded.warnings) terminal.line(`aelab: warning: ${formatIssue(w)}`);
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Sweeps: plan → validate every trial → open (or resume) the sweep folder → run my shard's trials,
// in this process (--jobs 1) or in worker processes, each trial claimed exclusively.

export interface SweepOptions extends RunOptions {
  jobs: number;
  /** Worker processes for the other jobs (see startWorkerPool); none runs every trial here. */
  pool?: WorkerPool;
  shard?: { index: number; count: number };
  failFast: boolean;
  /** Take over trials marked running on another host (their machines are known to be gone). */
  reclaimForeign: boolean;
  backendInfo: BackendInfo;
}

export interface SweepOutcome {
  dir: string;
  outcomes: (RunOutcome & { trial: string })[];
  skipped: { trial: string; reason: string }[];
}

export async function runSweep(loaded: LoadedSpec, opts: SweepOptions): Promise<SweepOutcome> {
  const planned = planSweep(loaded);
  const name = loaded.spec.name;
  const nameDir = safeRunPath(opts.runsDir, name);
  const opened = createOrOpenSweep(nameDir, { name, spec_hash: loaded.hash, trials: planned });
  const mine = opts.shard ? shardTrials(planned, opts.shard.index, opts.shard.count) : planned;
  const swept = new Set(planned.flatMap((t) => Object.keys(t.overrides)));
  for (const key of Object.keys(loaded.overrides).filter((k) => swept.has(k))) {
    opts.terminal.line(`aelab: warning: --set ${key} has no effect: the sweep sets ${key} in every trial`);
  }
  const done = opened.sweep.trials.filter((t) => t.status === 'completed').length;
  opts.terminal.line(
    `aelab: sweep ${name}/${opened.id}: ${planned.length} trials` +
      (opts.shard ? `, shard ${opts.shard.index}/${opts.shard.count} takes ${mine.length}` : '') +
      (opened.created ? '' : `, resuming (${done} already completed)`) +
      (opts.jobs > 1 ? `, ${opts.jobs} jobs` : '') +
      ` → ${opened.dir}`,
  );

  const result: SweepOutcome = { dir: opened.dir, outcomes: [], skipped: [] };
  const queue = [...mine];
  let stop = false;
  const nextTrial = (): { trial: PlannedTrial; dir: string } | null => {
    while (!stop && !opts.signal.aborted && queue.length > 0) {
      const trial = queue.shift()!;
      const claim = claimTrial(opened.dir, trial.name, { reclaimForeign: opts.reclaimForeign });
      if (claim.claimed) {
        if (claim.previous) opts.terminal.line(`aelab: [${trial.name}] rerunning (earlier attempt ${claim.previous.status}, kept in ${claim.previous.movedTo})`);
        return { trial, dir: claim.dir };
      }
      result.skipped.push({ trial: trial.name, reason: claim.reason });
      if (claim.reason === 'completed') opts.terminal.line(`aelab: [${trial.name}] already completed, skipped`);
      else opts.terminal.line(`aelab: [${trial.name}] ${claim.reason} by another process, skipped`);
    }
    return null;
  };
  const record = (trial: string, outcome: RunOutcome) => {
    result.outcomes.push({ ...outcome, trial });
    updateSweepStatus(opened.dir);
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
    for (let next = nextTrial(); next; next = nextTrial()) {
      let outcome: RunOutcome;
      try {
        const trialLoaded = loadTrialSpec(loaded.file, loaded.overrides, next.trial);
        outcome = await runSingle(trialLoaded, { ...opts, runDir: next.dir, sweep: { dir: opened.dir, trial: next.trial.name } });
      } catch (err) {
        // Refused before the run started (e.g. unreadable data): give the claim back.
        releaseTrial(next.dir);
        outcome = isUserError(err)
          ? { dir: next.dir, status: 'failed', error: errorMessage(err) }
          : { dir: next.dir, status: 'failed', error: errorMessage(err), internalStack: (err as Error)?.stack ?? String(err) };
      }
      record(next.trial.name, outcome);
    }
  };
  if (!opts.pool || opts.pool.size === 0) await runHere();
  else await Promise.all([runWithWorkers(loaded, opts, opts.pool, opened.dir, nextTrial, record), runHere()]);
  updateSweepStatus(opened.dir);
  return result;
}

// Worker processes: each selects its backend once and runs the trials the parent hands it, so the
// data set is loaded once per worker and only the parent claims trials.
interface WorkerTask {
  type: 'trial';
  file: string;
  /** The command's --set overrides; the trial's own keys are in trialOverrides. */
  overrides: Record<string, unknown>;
  trialOverrides: Record<string, unknown>;
  trial: string;
  runDir: string;
  sweepDir: string;
}
interface WorkerInit {
  type: 'init';
  runsDir: string;
  backend?: BackendName;
  command: string[];
}
type WorkerReply = { type: 'ready'; backend: BackendInfo } | { type: 'done'; trial: string; outcome: RunOutcome };

const WORKER_ENTRY = fileURLToPath(new URL('./sweep-worker.ts', import.meta.url));
const TS_RUNNER = path.join(projectRoot, 'bin', 'run-ts.mjs');

/** A started sweep worker: resolves `ready` once its backend is up; runs one trial at a time. */
interface SweepWorker {
  ready: Promise<boolean>;
  readonly alive: boolean;
  runTrial(task: WorkerTask): Promise<RunOutcome>;
  close(): void;
}

/**
 * Worker processes for `--jobs N` (N − 1 of them: this process is a job too). Started before the
 * parent initialises its own backend, so that their start-up (tsx, tfjs, wasm: ~1.5 s) overlaps
 * the parent's instead of delaying the sweep; one pool serves every sweep spec of the command.
 */
export interface WorkerPool {
  readonly size: number;
  workers: SweepWorker[];
  /** Passes SIGINT/SIGTERM on, so that a `kill` of the parent alone also interrupts the workers' trials. */
  signal(sig: NodeJS.Signals): void;
  close(): void;
}

export function startWorkerPool(count: number, init: Omit<WorkerInit, 'type'>): WorkerPool {
  const workers: SweepWorker[] = [];
  const children: ReturnType<typeof fork>[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(TS_RUNNER, [WORKER_ENTRY], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env } });
    let pending: { resolve: (o: RunOutcome) => void; reject: (e: Error) => void } | null = null;
    let exited = false;
    const ready = new Promise<boolean>((resolve) => {
      child.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') resolve(true);
        else if (msg.type === 'done' && pending) {
          const p = pending;
          pending = null;
          p.resolve(msg.outcome);
        }
      });
      child.on('exit', (code, signal) => {
        exited = true;
        resolve(false);
        if (pending) {
          const p = pending;
          pending = null;
          p.reject(new Error(`worker exited (${signal ?? code})`));
        }
      });
      child.on('error', () => resolve(false));
    });
    children.push(child);
    child.send({ type: 'init', ...init } satisfies WorkerInit);
    workers.push({
      ready,
      get alive() {
        return !exited;
      },
      runTrial: (task) =>
        new Promise<RunOutcome>((resolve, reject) => {
          if (exited) return reject(new Error('worker is gone'));
          pending = { resolve, reject };
          child.send(task);
        }),
      close: () => {
        if (!exited && child.connected) child.disconnect();
      },
    });
  }
  return {
    size: count,
    workers,
    signal: (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig)),
    close: () => workers.forEach((w) => w.close()),
  };
}

async function runWithWorkers(
  loaded: LoadedSpec,
  opts: SweepOptions,
  pool: WorkerPool,
  sweepDir: string,
  nextTrial: () => { trial: PlannedTrial; dir: string } | null,
  record: (trial: string, outcome: RunOutcome) => void,
): Promise<void> {
  const serve = async (worker: SweepWorker) => {
    if (!(await worker.ready)) return; // a worker that failed to start leaves its share to the others
    while (worker.alive) {
      const next = nextTrial();
      if (!next) break;
      const task: WorkerTask = {
        type: 'trial',
        file: loaded.file,
        overrides: loaded.overrides,
        trialOverrides: next.trial.overrides,
        trial: next.trial.name,
        runDir: next.dir,
        sweepDir,
      };
      try {
        record(next.trial.name, await worker.runTrial(task));
      } catch (err) {
        // The worker died mid-trial: a trial it never started goes back to pending; one it started
        // still says running with a dead pid, so a rerun reclaims it. Stop feeding this worker.
        releaseTrial(next.dir);
        record(next.trial.name, { dir: next.dir, status: opts.signal.aborted ? 'interrupted' : 'failed', error: errorMessage(err) });
        return;
      }
    }
  };
  await Promise.all(pool.workers.map(serve));
}

/** The body of a sweep worker process (src/sweep-worker.ts). */
export async function serveSweepWorker(): Promise<void> {
  const terminal = createTerminal(process.stderr, { allowStatus: false });
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => controller.abort(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let init: WorkerInit | null = null;
  let backendInfo: BackendInfo | null = null;
  let busy = Promise.resolve();
  // After the parent disconnects, process.send emits an 'error' event that would crash us.
  const reply = (m: WorkerReply) => {
    if (process.connected) process.send!(m, undefined, {}, () => {});
  };
  process.on('message', (msg: WorkerInit | WorkerTask) => {
    busy = busy.then(async () => {
      if (msg.type === 'init') {
        init = msg;
        backendInfo = await selectBackend(msg.backend);
        reply({ type: 'ready', backend: backendInfo });
        return;
      }
      if (!init || !backendInfo) throw new Error('sweep worker got a trial before init');
      let outcome: RunOutcome;
      try {
        const trialLoaded = loadTrialSpec(msg.file, msg.overrides, { name: msg.trial, overrides: msg.trialOverrides });
        outcome = await runSingle(trialLoaded, {
          runsDir: init.runsDir,
          overrides: trialLoaded.overrides,
          terminal,
          command: init.command,
          signal: controller.signal,
          backendInfo,
          runDir: msg.runDir,
          sweep: { dir: msg.sweepDir, trial: msg.trial },
        });
      } catch (err) {
        releaseTrial(msg.runDir);
        outcome = isUserError(err)
          ? { dir: msg.runDir, status: 'failed', error: errorMessage(err) }
          : { dir: msg.runDir, status: 'failed', error: errorMessage(err), internalStack: (err as Error)?.stack ?? String(err) };
      }
      reply({ type: 'done', trial: msg.trial, outcome });
    }).catch((err: unknown) => {
      // E.g. the backend cannot load: say so once and leave; the parent runs the trials itself.
      terminal.line(`aelab: sweep worker ${process.pid}: ${errorMessage(err)}`);
      process.exitCode = 1;
      if (process.connected) process.disconnect();
    });
  });
  // The parent is gone (second Ctrl-C, or it failed): finish nothing for nobody.
  await new Promise<void>((resolve) =>
    process.on('disconnect', () => {
      controller.abort('SIGHUP');
      resolve();
    }),
  );
  await busy;
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = controller.signal.aborted ? 130 : 0;
}

// ---------------------------------------------------------------------------------------------
// compare: runs → table (stdout) and compare.html with the MSE-vs-latent chart and pictures side by side.

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
  opts: { format: CompareFormat; sort?: string; outDir?: string; runsDir?: string; cwd: string },
): Promise<CompareResult> {
  const skipped: CompareResult['skipped'] = [];
  const dirs = resolveCompareInputs(args, opts.cwd, (s) => skipped.push(s));
  const comparison = buildComparison(dirs.map(loadComparedRun), { sort: opts.sort });
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
  });
  for (const f of files) writeFileAtomic(path.join(outDir, f.name), f.data);
  const htmlPath = path.join(outDir, 'compare.html');
  writeFileAtomic(htmlPath, html);
  return { text, htmlPath, skipped };
}

export { UserError };
