// One run: a resolved spec → data → model → train → evaluate → render → a complete run folder.
// The composer decides the order and where files go; every stage is imported through its index.
import os from 'node:os';
import path from 'node:path';

import { loadSpec, resolvedSpecYaml, RESOLVED_YAML, type LoadedSpec } from '../spec/index.ts';
import { loadAllLabels, loadDataset } from '../data/index.ts';
import { modelKind } from '../kinds/model/registry.ts';
import { buildModel, replicaBuilderUrl, selectBackend } from '../model/index.ts';
import { convergenceWarning, dataParallelBlocker, resolveWorkers, trainModel, type WorkersDecision } from '../train/index.ts';
import { computeModelMetrics, computePictureData, computeReconstructionMetrics, encodeSplit, fitDensity } from '../evaluate/index.ts';
import { classifierSkipReason, runQualityStepForRun, type LabelledSource, type QualityStep } from '../evaluate/quality/index.ts';
import { formatDuration, renderRunPictures, renderRunReport, renderRunsIndex, pictureNotes } from '../render/index.ts';
import { allocateRunDir, createRunRecord, releaseTrial, gitInfo, listRuns, safeRunPath, updateLatest, type RunRecord } from '../runs/index.ts';
import { InterruptedError, errorMessage, formatIssue, isUserError } from '../shared/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../shared/fs.ts';
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
  throwIfAborted(session.signal);
  const data = loadDatasetCached(spec, loaded.dir);

  let dir: string;
  let id: string;
  if (placement.runDir) {
    dir = placement.runDir;
    id = path.basename(dir);
  } else {
    const parent = placement.parentDir ?? safeRunPath(session.runsDir, spec.name);
    ({ id, dir } = allocateRunDir(parent));
  }
  const logger = createFileLogger(path.join(dir, 'log.jsonl'), { run: `${spec.name}/${id}` });
  writeFileAtomic(path.join(dir, 'spec.yaml'), loaded.text);
  writeJsonAtomic(path.join(dir, 'resolved.json'), { spec, hash: loaded.hash });
  // A spec file that reruns exactly this run (`aelab run RUN_DIR`).
  writeFileAtomic(path.join(dir, RESOLVED_YAML), resolvedSpecYaml(loaded));

  // Another process may judge this run lost (no heartbeat for --stale-after: a frozen machine,
  // say) and move its folder aside; the record notices at its next write, and the run stops.
  const takenOver = new AbortController();
  const record = createRunRecord(
    dir,
    {
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
    },
    { onTakenOver: () => takenOver.abort('a takeover (this run was judged lost)') },
  );
  logger.info({ event: 'start', spec_file: loaded.file, hash: loaded.hash, backend: session.backendInfo.name }, 'run started');
  for (const w of loaded.warnings) logger.warn({ event: 'spec-warning', path: w.path }, w.message);
  const label = placement.sweep ? `${spec.name}/${placement.sweep.trial}` : `${spec.name}/${id}`;
  const { terminal } = session;
  terminal.line(`aelab: run ${label} → ${dir}`);

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
  };
  try {
    await executeRun(ctx);
    record.complete();
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
      terminal.line(`aelab: ${label} interrupted; partial run kept in ${dir}`);
      return { dir, status: 'interrupted', error: err.message };
    }
    record.fail(err);
    logger.error({ event: 'failed', err: errorMessage(err), stack: isUserError(err) ? undefined : (err as Error)?.stack }, 'run failed');
    return failedOutcome(dir, err);
  } finally {
    logger.flush?.();
    refreshRunsIndex(session.runsDir, session.staleAfterMs);
  }
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
}

/** Runs one claimed sweep trial. One refused before it started (e.g. unreadable data) gives its claim back. */
export async function runTrial(task: TrialTask, session: RunSession): Promise<RunOutcome> {
  try {
    const trialLoaded = loadTrialSpec(task.file, task.overrides, { name: task.trial, overrides: task.trialOverrides });
    return await runSingle(trialLoaded, session, { runDir: task.runDir, sweep: { dir: task.sweepDir, trial: task.trial }, shard: task.shard });
  } catch (err) {
    releaseTrial(task.runDir);
    return failedOutcome(task.runDir, err);
  }
}

/**
 * How many threads this run trains on (train.workers; see resolveWorkers), recorded in run.json
 * with the reason: e.g. 1 on tfjs-node, which already uses every core.
 */
function trainWorkers(ctx: RunContext, params: number): WorkersDecision {
  const { spec, data, session } = ctx;
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
      const soFar: EpochRecord[] = [];
      training = await trainModel(model, data, spec.train, {
        seed: spec.seed,
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
