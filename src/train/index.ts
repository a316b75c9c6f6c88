// Gradient-descent training of linear and deep autoencoders: a hand-written loop rather than
// model.fit, because fit shuffles with Math.random (runs would not repeat) and its callbacks and
// per-batch logs cost time. Per epoch: a seeded permutation, batches gathered into one reused
// Float32Array, one optimizer step each; then the validation loss, early stopping, progress.
import * as tf from '@tensorflow/tfjs';
import { InterruptedError, UserError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { createRng, deriveSeed } from '../shared/random.ts';
import type { TrainSpec } from '../shared/spec-types.ts';
import type { Terminal } from '../shared/terminal.ts';
import type { Dataset, EpochRecord, Split, TrainableAutoencoder, TrainingResult } from '../shared/types.ts';
import { checkInputNoise, corruptBatch } from '../shared/input-noise.ts';
import { DataParallelTrainer, shardOptimizerKinds, type FaultInjection, type ReplicaRecipe, type ShardOptimizerKind } from './parallel/index.ts';
import { learningRateAt, scheduleProblems, type LrSchedule, type ScheduleSettings } from '../shared/lr-schedule.ts';
import { isKernel, OptimizerStep, optimizerNames } from './optimizer.ts';
import type { NamedArray, TrainingCheckpoint } from './checkpoint.ts';
import { formatDuration, formatLoss, formatRate, ProgressReporter } from './progress.ts';

export { formatBar, formatDuration, formatLoss, formatRate } from './progress.ts';
export { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from './checkpoint.ts';
export { dataParallelBlocker, resolveWorkers, type WorkersDecision } from './parallel/index.ts';

export interface TrainOptions {
  /** The run's seed; the shuffling order derives from it (the initial weights were seeded at build). */
  seed: number;
  terminal?: Terminal;
  logger?: Logger;
  /** Checked between batches; when aborted, training stops with InterruptedError. */
  signal?: AbortSignal;
  onEpoch?: (rec: EpochRecord) => void;
  /**
   * Data-parallel training on `threads` threads, this one included (src/train/parallel); absent
   * or 1: the single-thread step. Whether a run may use it is decided by resolveWorkers.
   */
  parallel?: { threads: number; recipe: ReplicaRecipe; faults?: FaultInjection };
  /**
   * Called with a checkpoint after every `every`-th epoch and after the last one (the run may
   * still be interrupted while it evaluates); awaited before the next epoch starts. On several
   * threads the checkpoint holds the data-parallel optimizer's state, and resumes on as many.
   */
  checkpoint?: { every: number; save: (checkpoint: TrainingCheckpoint) => void | Promise<void> };
  /** Continue from this checkpoint (of the same spec and model) instead of from epoch 1. */
  resume?: TrainingCheckpoint;
}

/** Rows per validation forward pass (no gradients, so larger than a training batch is fine). */
const EVAL_ROWS = 1024;
/** Longest stretch of synchronous work before yielding to the event loop (so Ctrl-C is seen). */
const YIELD_INTERVAL_MS = 25;

/**
 * Trains `model.network` in place on data.train, minimising the model's objective
 * (`model.loss`, from its kind's descriptor: MSE between x̂ and x for linear and deep), evaluating data.validation
 * after every epoch. Same spec, seed and backend → the same loss history. The result's
 * samples_per_second counts optimizer steps only (the throughput of the training step), while
 * train_seconds is the whole wall time including validation passes.
 * Throws UserError for bad settings or a diverging loss, InterruptedError when opts.signal aborts.
 */
export async function trainModel(model: TrainableAutoencoder, data: Dataset, spec: TrainSpec, opts: TrainOptions): Promise<TrainingResult> {
  checkSpec(spec, data);
  if (data.dim !== model.inputDim) {
    throw new Error(`trainModel: the data have ${data.dim} pixels per image but the model expects ${model.inputDim}`);
  }
  const { train, validation } = data;
  const dim = data.dim;
  const n = train.count;
  const batchSize = Math.min(spec.batch_size, n);
  const batches = Math.ceil(n / batchSize);
  const epochs = spec.epochs;
  const patience = spec.early_stopping.patience;
  const minDelta = spec.early_stopping.min_delta;
  const earlyStopping = patience > 0;

  const network = model.network;
  // LayerVariable.read() is the underlying tf.Variable, which is what the optimizer updates.
  const variables = network.trainableWeights.map((w) => w.read() as tf.Variable);
  // Early stopping restores every weight, including batch norm's moving statistics (not trained).
  const snapshotted = network.weights.map((w) => w.read() as tf.Variable);
  const optimizer = makeOptimizer(spec, variables);
  const schedule = scheduleOf(spec);

  const resume = opts.resume;
  if (resume) checkResumable(resume, network, n);
  const rng = createRng(deriveSeed(opts.seed, 'shuffle'), resume?.shuffle);
  // Shuffled in place every epoch, so each epoch's order depends on the previous one's.
  const order = resume ? Int32Array.from(resume.order) : Int32Array.from({ length: n }, (_, i) => i);
  const batchBuffer = new Float32Array(batchSize * dim);
  // Denoising: the encoder's corrupted input, filled per step; the clean batch stays the target.
  const inputNoise = spec.input_noise;
  if (inputNoise) checkInputNoise(inputNoise);
  const noisyBuffer = inputNoise ? new Float32Array(batchSize * dim) : null;
  let step = resume?.step ?? 0;
  const progress = new ProgressReporter(opts.terminal);
  const logger = opts.logger;

  const history: EpochRecord[] = resume ? resume.history.map((h) => ({ ...h })) : [];
  let bestLoss = resume?.early_stopping.best_loss ?? Infinity;
  let bestEpoch = resume?.early_stopping.best_epoch ?? 0;
  let bestWeights: tf.Tensor[] | null = null;
  let sinceImprovement = resume?.early_stopping.since_improvement ?? 0;
  let stoppedEarly = resume?.stopped_early ?? false;
  let stepSeconds = resume?.progress.step_seconds ?? 0;
  let samplesSeen = resume?.progress.samples ?? 0;
  // Time before the interruption counts too: train_seconds is the training's whole wall time.
  const start = performance.now() - 1000 * (resume?.progress.train_seconds ?? 0);
  let lastYield = performance.now();
  const firstEpoch = (resume?.epoch ?? 0) + 1;
  const checkpointEvery = opts.checkpoint ?? null;
  const threads = opts.parallel && opts.parallel.threads > 1 ? opts.parallel.threads : 1;
  if (resume && (resume.threads ?? 1) !== threads) {
    throw new Error(`trainModel: the checkpoint was written training on ${resume.threads} thread(s), this run trains on ${threads}; resume on as many`);
  }
  if (opts.checkpoint && opts.checkpoint.every !== undefined && !(Number.isInteger(opts.checkpoint.every) && opts.checkpoint.every >= 1)) {
    throw new UserError([{ path: 'train.checkpoint_every', message: `must be a whole number of epochs ≥ 1, got ${String(opts.checkpoint.every)}` }]);
  }

  logger?.info(
    { event: 'train-start', epochs, batch_size: batchSize, batches_per_epoch: batches, optimizer: spec.optimizer, learning_rate: spec.learning_rate, threads: opts.parallel?.threads ?? 1, n_train: n, n_val: validation.count, params: model.paramCount() },
    'training started',
  );

  let parallel: DataParallelTrainer | null = null;
  try {
    if (resume) {
      restoreWeights(snapshotted, resume.weights);
      if (resume.optimizer) await optimizer.importState(resume.optimizer);
      if (resume.early_stopping.best_weights) bestWeights = resume.early_stopping.best_weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      else if (bestEpoch === resume.epoch && bestEpoch > 0) bestWeights = snapshotted.map((v) => tf.clone(v));
      logger?.info({ event: 'train-resume', epoch: resume.epoch, step }, `resuming after epoch ${resume.epoch}`);
    }
    if (opts.parallel && opts.parallel.threads > 1) parallel = await startParallel(model, spec, opts.parallel, batchSize, dim);
    // The threads start from the restored weights; their optimizer continues from the checkpoint's.
    if (parallel && resume) {
      if (!resume.parallel_optimizer) throw new Error('trainModel: the checkpoint has no data-parallel optimizer state');
      parallel.restore(resume.parallel_optimizer);
    }
    for (let epoch = firstEpoch; epoch <= epochs && !stoppedEarly; epoch++) {
      const epochStart = performance.now();
      const epochStepSecondsBefore = stepSeconds;
      rng.shuffle(order);
      const learningRate = learningRateAt(epoch, schedule);
      optimizer.setLearningRate(learningRate);
      let lossSum = 0;
      const partSums: Record<string, number> = {};
      for (let b = 0; b < batches; b++) {
        const now = performance.now();
        if (now - lastYield >= YIELD_INTERVAL_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        if (opts.signal?.aborted) throw new InterruptedError(abortReason(opts.signal));

        const stepStart = performance.now();
        const from = b * batchSize;
        const rows = Math.min(batchSize, n - from);
        for (let r = 0; r < rows; r++) {
          const src = order[from + r]! * dim;
          batchBuffer.set(train.images.subarray(src, src + dim), r * dim);
        }
        if (inputNoise) corruptBatch(batchBuffer, noisyBuffer!, rows, dim, inputNoise, opts.seed, step);
        step++;
        // Threads train only models without input noise or loss parts (dataParallelBlocker refuses the rest).
        let loss: number;
        if (parallel) {
          loss = await parallel.step(batchBuffer, rows, epoch, learningRate);
        } else {
          const result = trainStep(optimizer, model, epoch, step - 1, batchBuffer, noisyBuffer, rows, dim);
          loss = result.loss;
          for (const [name, value] of Object.entries(result.parts)) partSums[name] = (partSums[name] ?? 0) + value * rows;
        }
        stepSeconds += (performance.now() - stepStart) / 1000;
        samplesSeen += rows;
        if (!Number.isFinite(loss)) throw divergence(spec, epoch, b + 1, batches, loss);
        lossSum += loss * rows;

        const done = (epoch - firstEpoch) * batches + b + 1;
        const elapsed = (performance.now() - start) / 1000 - (resume?.progress.train_seconds ?? 0);
        progress.batch({
          epoch,
          epochs,
          batch: b + 1,
          batches,
          loss: lossSum / (from + rows),
          valLoss: history.at(-1)?.val_loss ?? null,
          samplesPerSecond: samplesSeen / stepSeconds,
          etaSeconds: (elapsed / done) * ((epochs - firstEpoch + 1) * batches - done),
        });
      }

      const trainLoss = lossSum / n;
      const valLoss = validation.count > 0 ? evaluateLoss(model, validation, dim, epoch) : null;
      if (valLoss !== null && !Number.isFinite(valLoss)) throw divergence(spec, epoch, null, batches, valLoss);
      const seconds = (performance.now() - epochStart) / 1000;
      const record: EpochRecord = { epoch, loss: trainLoss, val_loss: valLoss, seconds, learning_rate: learningRate };
      if (Object.keys(partSums).length > 0) record.parts = Object.fromEntries(Object.entries(partSums).map(([name, sum]) => [name, sum / n]));
      history.push(record);

      let note = '';
      if (earlyStopping && valLoss !== null) {
        if (valLoss < bestLoss - minDelta) {
          bestLoss = valLoss;
          bestEpoch = epoch;
          sinceImprovement = 0;
          // Variables are reassigned (not mutated) by the optimizer, so a clone is a true snapshot.
          bestWeights?.forEach((t) => t.dispose());
          bestWeights = snapshotted.map((v) => tf.clone(v));
        } else {
          sinceImprovement++;
          if (sinceImprovement >= patience) {
            stoppedEarly = true;
            note = `no improvement for ${patience} epoch${patience === 1 ? '' : 's'}; stopping`;
          }
        }
      } else {
        bestEpoch = epoch;
      }

      const samplesPerSecond = n / (stepSeconds - epochStepSecondsBefore);
      logger?.info({ event: 'epoch', epoch, loss: trainLoss, val_loss: valLoss, seconds, samples_per_second: samplesPerSecond }, `epoch ${epoch}/${epochs}`);
      progress.epoch({ epoch, epochs, loss: trainLoss, valLoss, seconds, samplesPerSecond, note });
      opts.onEpoch?.(record);
      if (checkpointEvery && (epoch % checkpointEvery.every === 0 || epoch === epochs || stoppedEarly)) {
        await checkpointEvery.save({
          epoch,
          step,
          stopped_early: stoppedEarly,
          history,
          shuffle: rng.getState(),
          order,
          weights: namedArrays(network.weights.map((w) => w.originalName), snapshotted),
          threads,
          optimizer: parallel ? null : await optimizer.exportState(),
          parallel_optimizer: parallel ? parallel.optimizerState() : null,
          early_stopping: {
            best_loss: Number.isFinite(bestLoss) ? bestLoss : null,
            best_epoch: bestEpoch,
            since_improvement: sinceImprovement,
            best_weights: bestWeights && bestEpoch !== epoch ? namedArrays(network.weights.map((w) => w.originalName), bestWeights) : null,
          },
          progress: { train_seconds: (performance.now() - start) / 1000, step_seconds: stepSeconds, samples: samplesSeen },
          meta: {},
        });
      }
    }

    // Early stopping keeps the best epoch's weights, whether it stopped or ran out of epochs.
    const lastEpoch = history.length;
    if (earlyStopping && bestWeights && bestEpoch !== lastEpoch) {
      snapshotted.forEach((v, i) => v.assign(bestWeights![i]!));
    }
    const trainSeconds = (performance.now() - start) / 1000;
    const result: TrainingResult = {
      history,
      epochs: lastEpoch,
      best_epoch: bestEpoch,
      stopped_early: stoppedEarly,
      train_seconds: trainSeconds,
      samples_per_second: stepSeconds > 0 ? samplesSeen / stepSeconds : 0,
    };
    logger?.info({ event: 'train-end', ...result, history: undefined }, 'training finished');
    progress.finish(summaryLine(result, earlyStopping));
    return result;
  } catch (err) {
    progress.finish(null);
    throw err;
  } finally {
    bestWeights?.forEach((t) => t.dispose());
    optimizer.dispose();
    await parallel?.dispose();
  }
}

/** The tensors' values under the weights' names, for a checkpoint. */
function namedArrays(names: string[], tensors: readonly tf.Tensor[]): NamedArray[] {
  return tensors.map((t, i) => ({ name: names[i]!, shape: [...t.shape], values: Float32Array.from(t.dataSync()) }));
}

/** Sets every weight from a checkpoint's (same names and shapes, in network.weights order). */
function restoreWeights(variables: tf.Variable[], saved: NamedArray[]): void {
  variables.forEach((v, i) => v.assign(tf.tensor(saved[i]!.values, saved[i]!.shape, 'float32')));
}

/** A checkpoint fits this network and data (the pipeline also checks the spec hash); else a bug or a foreign file. */
function checkResumable(checkpoint: TrainingCheckpoint, network: tf.LayersModel, n: number): void {
  const names = network.weights.map((w) => w.originalName);
  const shapes = network.weights.map((w) => w.shape.join('×'));
  const saved = checkpoint.weights;
  const fits =
    saved.length === names.length &&
    saved.every((w, i) => w.name === names[i] && w.shape.join('×') === shapes[i] && w.values.length === w.shape.reduce((a, b) => a * b, 1));
  if (!fits) throw new Error(`the checkpoint's weights (${saved.map((w) => `${w.name} ${w.shape.join('×')}`).join(', ')}) do not fit this model's (${names.map((nm, i) => `${nm} ${shapes[i]}`).join(', ')})`);
  if (checkpoint.order.length !== n) throw new Error(`the checkpoint shuffles ${checkpoint.order.length} training images, but the data hold ${n}`);
}

async function startParallel(model: TrainableAutoencoder, spec: TrainSpec, parallel: NonNullable<TrainOptions['parallel']>, batchSize: number, dim: number): Promise<DataParallelTrainer> {
  if (!(shardOptimizerKinds as readonly string[]).includes(spec.optimizer)) throw new Error(`data-parallel training has no '${spec.optimizer}' update`);
  return DataParallelTrainer.start({
    threads: parallel.threads,
    model,
    recipe: parallel.recipe,
    optimizer: spec.optimizer as ShardOptimizerKind,
    learningRate: spec.learning_rate,
    maxRows: batchSize,
    dim,
    ...(parallel.faults ? { faults: parallel.faults } : {}),
  });
}

/**
 * One optimizer step on the first `rows` rows of `buffer`; returns the batch's loss. The buffer is
 * reused for the next batch, which is safe because the input tensor is disposed here (the cpu
 * backend keeps a reference to the array instead of copying it).
 */
function trainStep(
  optimizer: OptimizerStep,
  model: TrainableAutoencoder,
  epoch: number,
  step: number,
  buffer: Float32Array,
  noisy: Float32Array | null,
  rows: number,
  dim: number,
): { loss: number; parts: Record<string, number> } {
  let partNames: string[] = [];
  const values = tf.tidy((): tf.Tensor1D => {
    const x = tf.tensor2d(buffer.subarray(0, rows * dim), [rows, dim]);
    const input = noisy ? tf.tensor2d(noisy.subarray(0, rows * dim), [rows, dim]) : undefined;
    let parts: tf.Scalar[] = [];
    // The step returns the loss; the parts (a VAE's reconstruction and KL) are kept out of the
    // tape's tidy so that one read returns them with the loss.
    const loss = optimizer.step(() => {
      const result = model.loss(x, { training: true, epoch, step, ...(input ? { input } : {}) });
      partNames = Object.keys(result.parts ?? {});
      parts = Object.values(result.parts ?? {}).map((t) => tf.keep(t));
      return result.loss;
    });
    const stacked = tf.stack([loss, ...parts]) as tf.Tensor1D;
    for (const part of parts) part.dispose(); // kept above, so the tidy would not free them
    return stacked;
  });
  try {
    const read = values.dataSync();
    return { loss: read[0]!, parts: Object.fromEntries(partNames.map((name, i) => [name, read[i + 1]!])) };
  } finally {
    values.dispose();
  }
}

/**
 * The model's objective over a whole split, without gradients: the mean of the per-chunk batch
 * means, weighted by their rows (for MSE, the mean over all images and pixels). Before the loss
 * hook this summed float32 squared errors per chunk; averaging the objective's batch means instead
 * (the only reduction every objective has) moves val_loss by float32 rounding, ~1e-7 relative.
 */
export function evaluateLoss(model: TrainableAutoencoder, split: Split, dim: number, epoch: number): number {
  let sum = 0;
  for (let start = 0; start < split.count; start += EVAL_ROWS) {
    const rows = Math.min(EVAL_ROWS, split.count - start);
    const t = tf.tidy(() => {
      const x = tf.tensor2d(split.images.subarray(start * dim, (start + rows) * dim), [rows, dim]);
      return model.loss(x, { training: false, epoch }).loss;
    });
    sum += t.dataSync()[0]! * rows;
    t.dispose();
  }
  return sum / split.count;
}

/** The optimizer with its extras (weight decay on the kernels, clipping); the rate is set per epoch. */
function makeOptimizer(spec: TrainSpec, variables: tf.Variable[]): OptimizerStep {
  if (!optimizerNames.includes(spec.optimizer)) {
    throw new UserError([{ path: 'train.optimizer', message: `unknown optimizer '${String(spec.optimizer)}'; valid: ${optimizerNames.join(', ')}` }]);
  }
  const settings = { optimizer: spec.optimizer, learningRate: spec.learning_rate, weightDecay: spec.weight_decay ?? 0, gradientClip: spec.gradient_clip || null };
  return new OptimizerStep(settings, variables, isKernel);
}

function scheduleOf(spec: TrainSpec): ScheduleSettings {
  const s = spec.lr_schedule ?? { kind: 'constant' };
  return { learningRate: spec.learning_rate, schedule: { min_lr: 0, ...s } as LrSchedule, warmupEpochs: spec.warmup_epochs ?? 0, epochs: spec.epochs };
}

function checkSpec(spec: TrainSpec, data: Dataset): void {
  const problems: { path: string; message: string }[] = [];
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1) problems.push({ path: 'train.epochs', message: `must be a positive integer, got ${String(spec.epochs)}` });
  if (!Number.isInteger(spec.batch_size) || spec.batch_size < 1) problems.push({ path: 'train.batch_size', message: `must be a positive integer, got ${String(spec.batch_size)}` });
  if (!(spec.learning_rate > 0) || !Number.isFinite(spec.learning_rate)) problems.push({ path: 'train.learning_rate', message: `must be a positive number, got ${String(spec.learning_rate)}` });
  const es = spec.early_stopping;
  if (!Number.isInteger(es.patience) || es.patience < 0) problems.push({ path: 'train.early_stopping.patience', message: `must be a non-negative integer, got ${String(es.patience)}` });
  if (!(es.min_delta >= 0)) problems.push({ path: 'train.early_stopping.min_delta', message: `must be ≥ 0, got ${String(es.min_delta)}` });
  if (es.patience > 0 && data.validation.count === 0) {
    problems.push({ path: 'train.early_stopping.patience', message: 'early stopping watches the validation loss, but the validation split is empty; set data.validation above 0 or patience to 0' });
  }
  if (data.train.count === 0) problems.push({ path: 'data', message: 'the training split is empty; there is nothing to train on' });
  if (!(spec.weight_decay === undefined || spec.weight_decay >= 0)) problems.push({ path: 'train.weight_decay', message: `must be ≥ 0, got ${String(spec.weight_decay)}` });
  if (!(spec.gradient_clip === undefined || spec.gradient_clip >= 0)) problems.push({ path: 'train.gradient_clip', message: `must be ≥ 0 (0 turns clipping off), got ${String(spec.gradient_clip)}` });
  if (problems.length === 0) problems.push(...scheduleProblems(scheduleOf(spec)));
  if (spec.loss === 'bce') {
    // Cross-entropy treats pixels as probabilities: data outside [0, 1] make it meaningless (negative).
    const outside = [data.train, data.validation].map((s) => s.images.find((v) => !(v >= 0 && v <= 1))).find((v) => v !== undefined);
    if (outside !== undefined) {
      problems.push({ path: 'train.loss', message: `bce needs pixels in [0, 1], but the data hold ${outside}; rescale the images to [0, 1] or use loss: mse` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

/** Typical starting learning rates (Keras' defaults for adam and rmsprop; sgd usually needs more). */
const USUAL_LEARNING_RATE: Record<string, number> = { adam: 0.001, adamw: 0.001, rmsprop: 0.001, sgd: 0.01 };

function divergence(spec: TrainSpec, epoch: number, batch: number | null, batches: number, loss: number): UserError {
  const where = batch === null ? `epoch ${epoch} (validation loss)` : `epoch ${epoch}, batch ${batch} of ${batches}`;
  // A tenth of the rate helps when it is a little too high; far above the usual range (a typo
  // such as 1e3 for 1e-3) a tenth would diverge again, so suggest a usual rate instead.
  const usual = USUAL_LEARNING_RATE[spec.optimizer] ?? 0.001;
  const suggestion =
    spec.learning_rate > 10 * usual ? `${usual} (a usual rate for ${spec.optimizer})` : String(Number((spec.learning_rate / 10).toPrecision(3)));
  return new UserError([
    {
      path: 'train.learning_rate',
      message: `training diverged: the loss became ${loss} at ${where}. Lower train.learning_rate (now ${spec.learning_rate}), e.g. to ${suggestion}; if that does not help, check the input images for NaN or Infinity`,
    },
  ]);
}

function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'SIGINT';
}

function summaryLine(r: TrainingResult, earlyStopping: boolean): string {
  const last = r.history.at(-1);
  const best = r.history[r.best_epoch - 1];
  let text = `train: ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} in ${formatDuration(r.train_seconds)}, ${formatRate(r.samples_per_second)}`;
  if (last) text += `, final loss ${formatLoss(last.loss)}` + (last.val_loss !== null ? ` (val ${formatLoss(last.val_loss)})` : '');
  if (earlyStopping && best && best.val_loss !== null && (r.stopped_early || r.best_epoch !== r.epochs)) {
    text += `${r.stopped_early ? '; stopped early' : ''}; kept the best epoch, ${r.best_epoch} (val ${formatLoss(best.val_loss)})`;
  }
  return text;
}
export { convergenceWarning, type ConvergenceCheck } from './convergence.ts';
