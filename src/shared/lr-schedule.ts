// Learning-rate schedules, one rate per epoch: what history.csv records and what every batch of
// that epoch steps with. Pure functions of the epoch number, so a resumed or repeated run gets the
// same rates. Formulas follow PyTorch's StepLR, ExponentialLR and CosineAnnealingLR (with T_max =
// the epochs after warm-up), preceded by an optional linear warm-up.
import type { Issue } from './errors.ts';

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; min_lr: number };

export type LrScheduleKind = LrSchedule['kind'];
export const lrScheduleKinds: readonly LrScheduleKind[] = ['constant', 'step', 'exponential', 'cosine'];

export interface ScheduleSettings {
  /** The base (peak) learning rate, train.learning_rate. */
  learningRate: number;
  schedule: LrSchedule;
  /** Epochs of linear warm-up: epoch e ≤ w trains at learningRate·e/w. */
  warmupEpochs: number;
  /** train.epochs: the cosine schedule spans the epochs after warm-up. */
  epochs: number;
}

/**
 * The learning rate of 1-based `epoch`. During warm-up it rises linearly to the base rate
 * (lr·e/w, reaching lr at epoch w); after warm-up t = epoch − 1 − w counts from 0 and
 *   constant:    lr
 *   step:        lr · gamma^⌊t / every⌋
 *   exponential: lr · gamma^t
 *   cosine:      min_lr + (lr − min_lr)·(1 + cos(π·t / T))/2,  T = epochs − w
 */
export function learningRateAt(epoch: number, s: ScheduleSettings): number {
  const lr = s.learningRate;
  const w = s.warmupEpochs;
  if (epoch <= w) return (lr * epoch) / w;
  const t = epoch - 1 - w;
  const schedule = s.schedule;
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(t / schedule.every);
    case 'exponential':
      return lr * schedule.gamma ** t;
    case 'cosine': {
      const span = s.epochs - w;
      return schedule.min_lr + ((lr - schedule.min_lr) * (1 + Math.cos((Math.PI * t) / span))) / 2;
    }
  }
}

/**
 * Contradictions between the schedule and the rest of train.*, each with the field and the fix.
 * (Types and ranges of single values are the schema's job.)
 */
export function scheduleProblems(s: ScheduleSettings): Issue[] {
  const problems: Issue[] = [];
  const schedule = s.schedule;
  if (!Number.isInteger(s.warmupEpochs) || s.warmupEpochs < 0) {
    problems.push({ path: 'train.warmup_epochs', message: `must be a whole number ≥ 0, got ${String(s.warmupEpochs)}` });
  } else if (s.warmupEpochs >= s.epochs) {
    problems.push({
      path: 'train.warmup_epochs',
      message: `warm-up of ${s.warmupEpochs} epochs leaves no epoch at the full learning rate (train.epochs is ${s.epochs}); use fewer warm-up epochs than train.epochs`,
    });
  }
  switch (schedule.kind) {
    case 'constant':
      break;
    case 'step': {
      const after = s.epochs - Math.max(0, s.warmupEpochs);
      if (!Number.isInteger(schedule.every) || schedule.every < 1) {
        problems.push({ path: 'train.lr_schedule.every', message: `must be a whole number of epochs ≥ 1, got ${String(schedule.every)}` });
      } else if (schedule.every >= after) {
        problems.push({
          path: 'train.lr_schedule.every',
          message: `a step every ${schedule.every} epochs never happens within the ${after} epochs after warm-up (train.epochs ${s.epochs}, train.warmup_epochs ${s.warmupEpochs}); use every < ${after}, or lr_schedule: {kind: constant}`,
        });
      }
      if (!(schedule.gamma > 0 && schedule.gamma <= 1)) problems.push({ path: 'train.lr_schedule.gamma', message: `must be in (0, 1] (the factor applied at each step), got ${String(schedule.gamma)}` });
      break;
    }
    case 'exponential':
      if (!(schedule.gamma > 0 && schedule.gamma <= 1)) problems.push({ path: 'train.lr_schedule.gamma', message: `must be in (0, 1] (the factor applied every epoch), got ${String(schedule.gamma)}` });
      break;
    case 'cosine':
      if (!(schedule.min_lr >= 0) || !(schedule.min_lr < s.learningRate)) {
        problems.push({
          path: 'train.lr_schedule.min_lr',
          message: `must be ≥ 0 and below train.learning_rate (${s.learningRate}), the rate the cosine starts from; got ${String(schedule.min_lr)}`,
        });
      }
      break;
    default:
      problems.push({ path: 'train.lr_schedule.kind', message: `unknown schedule '${String((schedule as { kind: unknown }).kind)}'; valid: ${lrScheduleKinds.join(', ')}` });
  }
  return problems;
}
