// One run: a resolved spec → data → model → train → evaluate → render → a complete run folder.
// The composer decides the order and where files go; every stage is imported through its index.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadSpec, resolvedSpecYaml, runFolderSpecFile, RESOLVED_YAML, type LoadedSpec } from '../spec/index.ts';
import { loadAllLabels, loadDataset } from '../data/index.ts';
import { modelKind } from '../kinds/model/registry.ts';
import { buildModel, replicaBuilderUrl, selectBackend } from '../model/index.ts';
import { convergenceWarning, dataParallelBlocker, decodeCheckpoint, encodeCheckpoint, resolveWorkers, trainModel, type TrainingCheckpoint, type WorkersDecision } from '../train/index.ts';
import { computeModelMetrics, computePictureData, computeReconstructionMetrics, encodeSplit, fitDensity } from '../evaluate/index.ts';
import { classifierSkipReason, runQualityStepForRun, type LabelledSource, type QualityStep } from '../evaluate/quality/index.ts';
import { formatDuration, renderRunPictures, renderRunReport, renderRunsIndex, pictureNotes } from '../render/index.ts';
import {
  allocateRunDir,
  CHECKPOINT_FILE,
  checkpointFile,
  claimRunForResume,
  createRunRecord,
  releaseTakeover,
  releaseTrial,
  gitInfo,
  listRuns,
  safeRunPath,
  updateLatest,
  updateSweepStatus,
  whyNoCheckpoint,
  type RunJson,
  type RunJsonInit,
  type RunRecord,
  type ResumableRun,
} from '../runs/index.ts';
import { InterruptedError, UserError, errorMessage, formatIssue, isUserError } from '../shared/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../shared/fs.ts';
import { shellQuote } from '../shared/shell.ts';
import { systemProbe } from '../shared/liveness.ts';
import { explorerInput, explorerModel, writeCodes } from './explorer.ts';
import { createFileLogger, type Logger } from '../shared/log.ts';
import { deriveSeed } from '../shared/random.ts';
import { modelKindRegistry } from '../kinds/model/registry.ts';
import type { Terminal } from '../shared/terminal.ts';
import type { Autoencoder, BackendInfo, Dataset, DensityModel, EpochRecord, Metrics, ResolvedSpec, TrainingResult } from '../shared/types.ts';
import { isTrainable } from '../shared/types.ts';
import { aelabVersion, projectRoot } from '../shared/version.ts';
import { loadTrialSpec } from './plan.ts';

export type BackendName = BackendInfo['name'];

/** What every run of one command (or one sweep worker) shares. */
export interface RunSession {
  /** Root of all runs (default ./runs). Nothing is written outside it. */
  runsDir: string;
  terminal: Terminal;
  /** The command line, recorded in run.json. */
  command: string[];
  /** Aborted on SIGINT/SIGTERM; the run is then marked interrupted. */
  signal: AbortSignal;
  /** The backend selected once for this process (see prepareBackend). */
  backendInfo: BackendInfo;
  /**
   * Runs training at once in this command (a sweep's --jobs; absent: 1): train.workers `auto`
   * divides the cores among them.
   */
  jobs?: number;
  /** --stale-after: a running run whose heartbeat is older is lost (default 10 minutes). */
  staleAfterMs?: number;
}

/** Where one run goes: by default a fresh numbered folder below runs/<name>/. */
export interface RunPlacement {
  /** Allocate the numbered folder below this folder instead. */
  parentDir?: string;
  /** Use this folder as it is (a sweep trial's claimed folder). */
  runDir?: string;
  /** Set for a sweep trial: its sweep folder and trial name. */
  sweep?: { dir: string; trial: string };
  /** --shard i/n of the command, recorded in run.json. */
  shard?: { index: number; count: number };
  /**
   * Continue the interrupted or lost run in `runDir` from its checkpoint, in place: this process
   * has taken the folder over (its '.takeover.json'), and gives it back if the run cannot start.
   */
  resume?: { previous: RunJson; was: 'interrupted' | 'lost' };
}

/** Everything the steps of one run need, made once its folder exists. */
export interface RunContext {
  session: RunSession;
  spec: ResolvedSpec;
  /** The spec file's text, copied into the report. */
  specText: string;
  data: Dataset;
  dir: string;
  record: RunRecord;
  logger: Logger;
  /** How the terminal names this run: `name/0003`, or `name/trial` in a sweep. */
  label: string;
  /** Training progress goes here: in a sweep prefixed with the label, as trials share a terminal. */
  progressTerminal: Terminal;
  /** The session's signal, also aborted when another process took this run's folder over. */
  signal: AbortSignal;
  /** The spec file's folder: data paths are relative to it. */
  specDir: string;
  /** The checkpoint training continues from (a resumed run). */
  resume?: TrainingCheckpoint;
}

export interface RunOutcome {
  dir: string;
  status: 'completed' | 'failed' | 'interrupted';
  error?: string;
  /** Set when a run failed on a bug of ours rather than the user's input: the stack to show. */
  internalStack?: string;
}

/** The one place an error becomes a failed outcome: the user's mistake is its message, our bug also its stack. */
function failedOutcome(dir: string, err: unknown): RunOutcome {
  return isUserError(err)
    ? { dir, status: 'failed', error: errorMessage(err) }
    : { dir, status: 'failed', error: errorMessage(err), internalStack: (err as Error)?.stack ?? String(err) };
}

/** Selects the numeric backend once per process and tells the user which one runs. */
export async function prepareBackend(preference: BackendName | undefined, terminal: Terminal): Promise<BackendInfo> {
  const info = await selectBackend(preference);
  terminal.line(`aelab: backend ${info.name}${info.fast_matmul ? ' (fast matmul)' : ''} — ${info.reason}`);
  return info;
}

/** Loads a spec for running: the CLI's overrides applied, warnings shown once. */
export function loadSpecForRun(file: string, overrides: Record<string, unknown>, terminal: Terminal): LoadedSpec {
  const loaded = loadSpec(file, { overrides });
  for (const w of loaded.warnings) terminal.line(`aelab: warning: ${formatIssue(w)}`);
  return loaded;
}

/**
 * Runs one resolved spec into a fresh run folder. Data is loaded before the folder is made, so a
 * spec whose data cannot be read is refused (thrown) without leaving an empty run; once the folder
 * exists every failure ends in an outcome and in run.json.
 */
export async function runSingle(loaded: LoadedSpec, session: RunSession, placement: RunPlacement = {}): Promise<RunOutcome> {
  const { spec } = loaded;
  let data: Dataset;
  let resume: TrainingCheckpoint | undefined;
  try {
    throwIfAborted(session.signal);
    data = loadDatasetCached(spec, loaded.dir);
    if (placement.resume) resume = readCheckpointToResume(placement.runDir!, placement.resume.previous);
  } catch (err) {
    // A run that cannot be continued is left as it was, for the next attempt.
    if (placement.resume) releaseTakeover(placement.runDir!);
    throw err;
  }

  let dir: string;
  let id: string;
  if (placement.runDir) {
    dir = placement.runDir;
    id = placement.resume?.previous.id ?? path.basename(dir);
  } else {
    const parent = placement.parentDir ?? safeRunPath(session.runsDir, spec.name);
    ({ id, dir } = allocateRunDir(parent));
  }
  const logger = createFileLogger(path.join(dir, 'log.jsonl'), { run: `${spec.name}/${id}` });
  if (!placement.resume) {
    writeFileAtomic(path.join(dir, 'spec.yaml'), loaded.text);
    writeJsonAtomic(path.join(dir, 'resolved.json'), { spec, hash: loaded.hash });
    // A spec file that reruns exactly this run (`aelab run RUN_DIR`).
    writeFileAtomic(path.join(dir, RESOLVED_YAML), resolvedSpecYaml(loaded));
  }

  // Another process may judge this run lost (no heartbeat for --stale-after: a frozen machine,
  // say) and move its folder aside; the record notices at its next write, and the run stops.
  const takenOver = new AbortController();
  const fresh: RunJsonInit = {
    id,
    name: spec.name,
    status: 'running',
    command: session.command,
    spec_file: path.resolve(loaded.file),
    spec_hash: loaded.hash,
    overrides: loaded.overrides,
    backend: session.backendInfo,
    versions: { node: process.version, tfjs: session.backendInfo.tfjs_version, aelab: aelabVersion() },
    git: gitInfoOnce() ?? undefined,
    ...(placement.sweep ? { sweep: placement.sweep } : {}),
    ...(placement.shard ? { shard: placement.shard } : {}),
  };
  const record = createRunRecord(dir, placement.resume && resume ? resumedRecord(placement.resume, fresh, resume) : fresh, {
    onTakenOver: () => takenOver.abort('a takeover (this run was judged lost)'),
  });
  // run.json names this process now: other processes see a live run, not one to take over.
  if (placement.resume) releaseTakeover(dir);
  logger.info({ event: placement.resume ? 'resume' : 'start', spec_file: loaded.file, hash: loaded.hash, backend: session.backendInfo.name, ...(resume ? { after_epoch: resume.epoch } : {}) }, placement.resume ? 'run resumed' : 'run started');
  for (const w of loaded.warnings) logger.warn({ event: 'spec-warning', path: w.path }, w.message);
  const label = placement.sweep ? `${spec.name}/${placement.sweep.trial}` : `${spec.name}/${id}`;
  const { terminal } = session;
  if (resume) {
    const backendNote = resume.meta.backend !== session.backendInfo.name ? ` (warning: it trained on ${String(resume.meta.backend)} until then, now on ${session.backendInfo.name}: the result will not match an uninterrupted run exactly)` : '';
    terminal.line(`aelab: run ${label} resumes after epoch ${resume.epoch}/${spec.train.epochs} (it was ${placement.resume!.was}) → ${dir}${backendNote}`);
  } else {
    terminal.line(`aelab: run ${label} → ${dir}`);
  }

  const ctx: RunContext = {
    session,
    spec,
    specText: loaded.text,
    data,
    dir,
    record,
    logger,
    label,
    progressTerminal: prefixedTerminal(terminal, placement.sweep ? label : ''),
    signal: AbortSignal.any([session.signal, takenOver.signal]),
    specDir: loaded.dir,
    ...(resume ? { resume } : {}),
  };
  try {
    await executeRun(ctx);
    record.complete();
    // The finished run has its final model; the checkpoint (weights, optimizer moments) would only bloat it.
    fs.rmSync(path.join(dir, CHECKPOINT_FILE), { force: true });
    logger.info({ event: 'completed', seconds: record.data.duration_seconds }, 'run completed');
    if (!placement.sweep) updateLatest(path.dirname(dir), id);
    terminal.line(`aelab: ${label} completed in ${formatDuration(record.data.duration_seconds ?? 0)}`);
    return { dir, status: 'completed' };
  } catch (err) {
    if (record.takenOver) {
      terminal.line(`aelab: ${label}: another process took this run over (it looked lost: no heartbeat for --stale-after); stopped, its folder is theirs now`);
      return { dir, status: 'interrupted', error: 'taken over by another process' };
    }
    if (err instanceof InterruptedError) {
      record.fail(err); // marks it interrupted, with the signal
      logger.warn({ event: 'interrupted' }, err.message);
      terminal.line(`aelab: ${label} interrupted; partial run kept in ${dir}; ${resumeHint(dir, placement)}`);
      return { dir, status: 'interrupted', error: err.message };
    }
    record.fail(err);
    // A failed run is not resumed (--resume refuses it): its checkpoint would only take space.
    fs.rmSync(path.join(dir, CHECKPOINT_FILE), { force: true });
    logger.error({ event: 'failed', err: errorMessage(err), stack: isUserError(err) ? undefined : (err as Error)?.stack }, 'run failed');
    return failedOutcome(dir, err);
  } finally {
    logger.flush?.();
    refreshRunsIndex(session.runsDir, session.staleAfterMs);
  }
}

/**
 * The first half of `aelab run --resume RUN_DIR`, before any backend loads: takes the run over, or
 * refuses (UserError) saying why and what to do instead. Then resumeRun, or releaseResume on failure.
 */
export function claimForResume(dirArg: string, staleAfterMs: number | undefined): ResumableRun {
  return claimRunForResume(dirArg, systemProbe(staleAfterMs));
}

/** Gives a claimed run back untouched (the command failed before it could continue it). */
export function releaseResume(claimed: ResumableRun): void {
  releaseTakeover(claimed.dir);
}

/**
 * `aelab run --resume RUN_DIR`, after claimForResume: continues an interrupted or lost run in its own folder from its
 * last checkpoint, or refuses (UserError) saying why and what to do instead.
 */
export async function resumeRun(claimed: ResumableRun, session: RunSession): Promise<RunOutcome> {
  let loaded: LoadedSpec;
  try {
    const file = runFolderSpecFile(claimed.dir);
    if (!file) throw new UserError(`--resume ${claimed.dir}: not a run folder`);
    loaded = loadSpecForRun(file, {}, session.terminal);
  } catch (err) {
    releaseTakeover(claimed.dir);
    throw err;
  }
  const { previous } = claimed;
  const sweep = previous.sweep;
  const outcome = await runSingle(loaded, session, {
    runDir: claimed.dir,
    ...(sweep ? { sweep } : {}),
    ...(previous.shard ? { shard: previous.shard } : {}),
    resume: { previous, was: claimed.was },
  });
  if (sweep) {
    // The sweep's snapshot follows its trial folders; a trial resumed by hand counts too.
    try {
      updateSweepStatus(path.dirname(claimed.dir), { probe: systemProbe(session.staleAfterMs) });
    } catch (err) {
      process.emitWarning(`could not refresh ${path.join(path.dirname(claimed.dir), 'sweep.json')}: ${errorMessage(err)}`);
    }
  }
  return outcome;
}

/** The checkpoint a resumed run continues from, checked against the run it belongs to. */
function readCheckpointToResume(dir: string, previous: RunJson): TrainingCheckpoint {
  const file = checkpointFile(dir);
  const rerun = `rerun it from scratch: aelab run ${dir}`;
  if (!file) throw new UserError(`${dir}: this run has no checkpoint (${CHECKPOINT_FILE}); ${rerun}`);
  let checkpoint: TrainingCheckpoint;
  try {
    checkpoint = decodeCheckpoint(fs.readFileSync(file));
  } catch (err) {
    throw new UserError(`${file}: cannot be read (${errorMessage(err)}); the run cannot be resumed — ${rerun}`);
  }
  if (checkpoint.meta.spec_hash !== previous.spec_hash) {
    throw new UserError(`${file}: this checkpoint belongs to another configuration (spec hash ${String(checkpoint.meta.spec_hash).slice(0, 12)}, the run's is ${String(previous.spec_hash).slice(0, 12)}); ${rerun}`);
  }
  return checkpoint;
}

/** run.json of a resumed run: the earlier record's identity and start, this process as its owner, the resumption noted. */
function resumedRecord(resume: NonNullable<RunPlacement['resume']>, fresh: RunJsonInit, checkpoint: TrainingCheckpoint): RunJsonInit {
  const { status: _s, error: _e, signal, finished_at: _f, duration_seconds: _d, stage: _st, heartbeat_at: _h, pid, hostname, cpus: _c, engine: _en, ...kept } = resume.previous;
  const earlier = Array.isArray(kept.resumed) ? (kept.resumed as unknown[]) : [];
  return {
    ...kept,
    command: fresh.command,
    backend: fresh.backend,
    versions: fresh.versions,
    git: fresh.git,
    resumed: [
      ...earlier,
      { at: new Date().toISOString(), after_epoch: checkpoint.epoch, was: resume.was, ...(signal ? { signal } : {}), previous_owner: { hostname, pid }, command: fresh.command },
    ],
  } as RunJsonInit;
}

/** What the interruption message tells the user to do next: the exact command, or why there is none. */
function resumeHint(dir: string, placement: RunPlacement): string {
  if (!checkpointFile(dir)) return `it cannot be resumed (${whyNoCheckpoint(dir)}); rerun it from scratch with: aelab run ${shellQuote(dir)}`;
  const command = `aelab run --resume ${shellQuote(dir)}`;
  return placement.sweep ? `rerun the sweep to resume it from its checkpoint (or: ${command})` : `resume it with: ${command}`;
}


/** A sweep trial as the parent hands it out (to itself or to a worker); `runDir` is already claimed. */
export interface TrialTask {
  /** The sweep spec file. */
  file: string;
  /** The command's --set overrides; the trial's own keys are in trialOverrides. */
  overrides: Record<string, unknown>;
  trialOverrides: Record<string, unknown>;
  trial: string;
  runDir: string;
  sweepDir: string;
  shard?: { index: number; count: number };
  /** Continue the interrupted or lost trial in runDir from its checkpoint (the claim took it over in place). */
  resume?: { previous: RunJson; was: 'interrupted' | 'lost' };
}

/** Runs one claimed sweep trial. One refused before it started (e.g. unreadable data) gives its claim back. */
export async function runTrial(task: TrialTask, session: RunSession): Promise<RunOutcome> {
  try {
    const trialLoaded = loadTrialSpec(task.file, task.overrides, { name: task.trial, overrides: task.trialOverrides });
    return await runSingle(trialLoaded, session, {
      runDir: task.runDir,
      sweep: { dir: task.sweepDir, trial: task.trial },
      shard: task.shard,
      ...(task.resume ? { resume: task.resume } : {}),
    });
  } catch (err) {
    if (task.resume) releaseTakeover(task.runDir);
    else releaseTrial(task.runDir);
    return failedOutcome(task.runDir, err);
  }
}

/**
 * How many threads this run trains on (train.workers; see resolveWorkers), recorded in run.json
 * with the reason: e.g. 1 on tfjs-node, which already uses every core.
 */
function trainWorkers(ctx: RunContext, params: number): WorkersDecision {
  const { spec, data, session } = ctx;
  // A resumed run continues on the threads its checkpoint was written with (the same N repeats exactly).
  if (ctx.resume) {
    const threads = ctx.resume.threads ?? 1;
    return { requested: spec.train.workers, workers: threads, reason: `resumed on the ${threads === 1 ? 'one thread' : `${threads} threads`} its checkpoint was written with` };
  }
  return resolveWorkers({
    requested: spec.train.workers,
    backend: session.backendInfo.name,
    cores: os.availableParallelism(),
    jobs: session.jobs ?? 1,
    unsupported: dataParallelBlocker(modelKind(spec.model.kind), spec),
    params,
    batchSize: Math.min(spec.train.batch_size, data.train.count),
  });
}

async function executeRun(ctx: RunContext): Promise<void> {
  const { spec, data, dir, record, logger, label, session, signal } = ctx;
  logger.info({ event: 'data', ...data.counts, origin: data.origin }, 'data loaded');
  record.update({ stage: 'model' });
  const fitStart = performance.now();
  const model = await buildModel(spec.model, {
    inputDim: data.dim,
    imageShape: [data.height, data.width],
    seed: spec.seed,
    loss: spec.train.loss,
    train: { images: data.train.images, count: data.train.count },
    trainSpec: spec.train,
  });
  let quality: QualityStep | { skipped: string } | null = null;
  try {
    let training: TrainingResult | null = null;
    if (isTrainable(model)) {
      throwIfAborted(signal);
      const workers = trainWorkers(ctx, model.paramCount());
      record.update({ stage: 'train', train_workers: workers });
      logger.info({ event: 'train-workers', ...workers }, `training on ${workers.workers} thread${workers.workers === 1 ? '' : 's'}: ${workers.reason}`);
      if (workers.workers > 1) session.terminal.line(`aelab: ${label} trains on ${workers.workers} threads (${workers.reason})`);
      // history.csv grows every epoch, so a failed or interrupted run keeps what it learned.
      const soFar: EpochRecord[] = ctx.resume ? [...ctx.resume.history] : [];
      if (ctx.resume) writeFileAtomic(path.join(dir, 'history.csv'), historyCsv(soFar));
      training = await trainModel(model, data, spec.train, {
        seed: spec.seed,
        ...(ctx.resume ? { resume: ctx.resume } : {}),
        checkpoint: { every: spec.train.checkpoint_every, save: (checkpoint) => saveCheckpoint(ctx, checkpoint) },
        ...(workers.workers > 1
          ? { parallel: { threads: workers.workers, recipe: { builder: replicaBuilderUrl, model: spec.model, inputDim: data.dim, seed: spec.seed } } }
          : {}),
        terminal: ctx.progressTerminal,
        logger,
        signal,
        onEpoch: (rec) => {
          soFar.push(rec);
          writeFileAtomic(path.join(dir, 'history.csv'), historyCsv(soFar));
          record.heartbeat();
        },
      });
    }
    const fitSeconds = (performance.now() - fitStart) / 1000;
    throwIfAborted(signal);
    await model.save(path.join(dir, 'model'));

    record.update({ stage: 'evaluate' });
    const recon = computeReconstructionMetrics(model, data);
    const trainCodes = encodeSplit(model, data.train);
    const testCodes = encodeSplit(model, data.test);
    const density = fitDensity(spec.density.kind, trainCodes, data.train.count, model.latent, {
      ...spec.density,
      seed: deriveSeed(spec.seed, 'density'),
    });
    const savedDensity = density.toJSON();
    writeJsonAtomic(path.join(dir, 'density.json'), savedDensity);
    writeCodes(dir, model.latent, { codes: testCodes, labels: data.test.labels }, spec.outputs.train_codes ? trainCodes : null);
    quality = await qualityStep(ctx, model, density);
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
      ...computeModelMetrics(model, data, {
        iwaeSamples: spec.evaluate.iwae_samples,
        codeL1: spec.model.code_l1,
        seed: spec.seed,
        testCodes,
        onProgress: (message) => session.terminal.line(`aelab: ${label} ${message}…`),
      }),
      density_kind: spec.density.kind,
      density_log_likelihood_train: density.meanLogLikelihood(trainCodes, data.train.count),
      density_log_likelihood_test: density.meanLogLikelihood(testCodes, data.test.count),
      counts_by_digit: { train: data.counts.train_by_digit, val: data.counts.val_by_digit, test: data.counts.test_by_digit },
      backend: session.backendInfo.name,
      ...(quality === null ? {} : 'skipped' in quality ? { quality_skipped: quality.skipped } : quality.metrics),
    };
    writeJsonAtomic(path.join(dir, 'metrics.json'), metrics);
    logger.info({ event: 'metrics', ...metrics }, 'metrics written');
    session.terminal.line(
      `aelab: ${label} test MSE ${metrics.test_mse.toFixed(5)}` +
        (metrics.val_mse !== null ? `, val MSE ${metrics.val_mse.toFixed(5)}` : '') +
        `, density log-likelihood (test) ${metrics.density_log_likelihood_test.toFixed(3)}` +
        (typeof metrics.elbo_test === 'number' ? `, ELBO (test) ${metrics.elbo_test.toFixed(2)}, IWAE NLL (test) ${Number(metrics.nll_iwae_test).toFixed(2)} nats` : '') +
        (quality !== null && 'metrics' in quality
          ? `, fd_samples ${quality.metrics.fd_samples.toFixed(2)} (real ${quality.metrics.fd_real?.toFixed(2) ?? '-'}), ${(100 * quality.metrics.sample_in_digits).toFixed(1)} % of samples in data.digits`
          : ''),
    );

    const convergence = training ? convergenceWarning(training.history, training.stopped_early) : null;
    if (convergence) {
      session.terminal.line(`aelab: ${label} ${convergence.message}`);
      logger.warn({ event: 'convergence', fall: convergence.fall, epochs: convergence.epochs }, convergence.message);
    }

    throwIfAborted(signal);
    record.update({ stage: 'render' });
    const pictures = computePictureData(model, data, density, spec.outputs, spec.seed, trainCodes, testCodes, {
      ...(spec.train.input_noise && isTrainable(model) ? { inputNoise: spec.train.input_noise } : {}),
    });
    if (quality !== null && 'metrics' in quality) {
      if (pictures.samples && pictures.samples.count > 0) {
        pictures.samples.predicted = { labels: quality.predict(pictures.samples.images, pictures.samples.count), digits: spec.data.digits };
      }
      pictures.classShares = quality.classShares;
    }
    const kind = modelKindRegistry[spec.model.kind];
    const files = await renderRunPictures(pictures, training?.history ?? null, kind.trainable ? kind.objective.chartLabel : undefined);
    for (const f of files) writeFileAtomic(path.join(dir, f.name), f.data);
    const html = renderRunReport({
      dir,
      run: { ...record.data, status: 'completed' },
      metrics,
      specYaml: ctx.specText,
      resolved: spec,
      pictures: files.filter((f) => f.name.endsWith('.png')).map((f) => f.name),
      notes: withConvergenceNote(pictureNotes(pictures), convergence?.message),
      // Two test images at least: the explorer's nearest image and interpolation need them.
      explorer:
        spec.outputs.explorer && data.test.count >= 2 && model.exportsDecoder?.() !== false
          ? explorerInput(data, model.latent, [explorerModel(spec.model.kind, model, testCodes, savedDensity)], deriveSeed(spec.seed, 'explorer'), spec.outputs.explorer_images)
          : null,
    });
    writeFileAtomic(path.join(dir, 'report.html'), html);
    record.update({ stage: 'done' });
  } finally {
    if (quality !== null && 'dispose' in quality) quality.dispose();
    model.dispose();
  }
}

/**
 * Writes the run's checkpoint atomically over the previous one (only the latest is kept), with
 * what it belongs to: the spec hash and the backend.
 */
async function saveCheckpoint(ctx: RunContext, checkpoint: TrainingCheckpoint): Promise<void> {
  const meta = { spec_hash: ctx.record.data.spec_hash, backend: ctx.session.backendInfo.name, written_at: new Date().toISOString() };
  writeFileAtomic(path.join(ctx.dir, CHECKPOINT_FILE), encodeCheckpoint({ ...checkpoint, meta }));
  ctx.logger.info({ event: 'checkpoint', epoch: checkpoint.epoch }, `checkpoint after epoch ${checkpoint.epoch}`);
  await testSignalAfterEpoch(checkpoint.epoch);
}

/**
 * Tests only: AELAB_TEST_SIGNAL_AFTER_EPOCH=k[:SIGNAL] makes the process send itself SIGINT (or
 * SIGTERM, SIGKILL) once the checkpoint of epoch k is written, so that the resume tests interrupt
 * a real run at an exact epoch through the real signal handling.
 */
async function testSignalAfterEpoch(epoch: number): Promise<void> {
  const setting = process.env.AELAB_TEST_SIGNAL_AFTER_EPOCH;
  if (!setting) return;
  const [at, signal = 'SIGINT'] = setting.split(':');
  if (Number(at) !== epoch) return;
  process.kill(process.pid, signal as NodeJS.Signals);
  // Let the handler run (it aborts the run's signal) before the next batch looks at it.
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/**
 * The quality metrics (evaluate.quality): null when switched off; { skipped } with the reason when
 * the data cannot have a classifier (one line tells the user); else the step, whose classifier
 * stays open until the samples picture is labelled.
 */
async function qualityStep(ctx: RunContext, model: Autoencoder, density: DensityModel): Promise<QualityStep | { skipped: string } | null> {
  const { spec, data, session, label, record } = ctx;
  if (!spec.evaluate.quality) return null;
  const source = loadAllLabelsCached(spec, ctx.specDir);
  const reason = classifierSkipReason(source);
  if (reason !== null) {
    session.terminal.line(`aelab: ${label} quality metrics skipped: ${reason}`);
    return { skipped: reason };
  }
  const step = await runQualityStepForRun({
    spec,
    data,
    runsDir: session.runsDir,
    source,
    model,
    density,
    say: (line) => ctx.progressTerminal.line(line),
    warn: (line) => session.terminal.line(line),
  });
  record.update({ classifier: step.classifier });
  ctx.logger.info({ event: 'quality', classifier: step.classifier, ...step.metrics }, 'quality metrics computed');
  return step;
}

// The classifier's data (the source with all labels) is loaded once per process and source.
const allLabelsCache = new Map<string, LabelledSource>();
function loadAllLabelsCached(spec: ResolvedSpec, baseDir: string): LabelledSource {
  const limit = spec.evaluate.classifier.limit;
  // The run's digits and limit do not change the classifier's data.
  const key = JSON.stringify([path.resolve(baseDir), { ...spec.data, digits: null, limit: null }, limit ?? null]);
  let source = allLabelsCache.get(key);
  if (!source) {
    allLabelsCache.clear();
    const ds = loadAllLabels(spec.data, { baseDir, limit });
    source = { origin: ds.origin, height: ds.height, width: ds.width, dim: ds.dim, train: ds.train, test: ds.test };
    allLabelsCache.set(key, source);
  }
  return source;
}

/** The loss chart's caption carries the "may not have converged" warning, where the curve shows it. */
function withConvergenceNote(notes: Record<string, string>, message: string | undefined): Record<string, string> {
  if (!message) return notes;
  const warning = `Warning: this run ${message}.`;
  return { ...notes, 'loss.png': notes['loss.png'] ? `${warning} ${notes['loss.png']}` : warning };
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
function refreshRunsIndex(runsDir: string, staleAfterMs: number | undefined): void {
  try {
    const rows = listRuns(runsDir, { probe: systemProbe(staleAfterMs) });
    writeFileAtomic(path.join(runsDir, 'index.html'), renderRunsIndex(rows));
  } catch (err) {
    process.emitWarning(`could not refresh ${path.join(runsDir, 'index.html')}: ${errorMessage(err)}`);
  }
}

function historyCsv(history: EpochRecord[]): string {
  // learning_rate came later than the other columns: appended, so readers by position still work.
  // Objectives with parts (a VAE's reconstruction and kl, a code_l1 penalty) add a column each after it.
  const parts = [...new Set(history.flatMap((h) => Object.keys(h.parts ?? {})))];
  const lines = [['epoch', 'loss', 'val_loss', 'seconds', 'learning_rate', ...parts].join(',')];
  for (const h of history) lines.push([h.epoch, h.loss, h.val_loss ?? '', h.seconds, h.learning_rate ?? '', ...parts.map((p) => h.parts?.[p] ?? '')].join(','));
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
