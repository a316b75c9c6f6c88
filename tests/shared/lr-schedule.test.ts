import { describe, expect, it } from 'vitest';
import { learningRateAt, scheduleProblems, type ScheduleSettings } from '../../src/shared/lr-schedule.ts';

const base = (over: Partial<ScheduleSettings>): ScheduleSettings => ({ learningRate: 0.1, schedule: { kind: 'constant' }, warmupEpochs: 0, epochs: 10, ...over });
const rates = (s: ScheduleSettings): number[] => Array.from({ length: s.epochs }, (_, i) => learningRateAt(i + 1, s));

describe('learningRateAt', () => {
  it.each([
    ['constant', base({ epochs: 5 }), [0.1, 0.1, 0.1, 0.1, 0.1]],
    ['step every 2, gamma 0.5', base({ schedule: { kind: 'step', every: 2, gamma: 0.5 }, epochs: 5 }), [0.1, 0.1, 0.05, 0.05, 0.025]],
    ['exponential 0.9', base({ schedule: { kind: 'exponential', gamma: 0.9 }, epochs: 4 }), [0.1, 0.09, 0.081, 0.0729]],
    ['constant with 2 warm-up epochs', base({ warmupEpochs: 2, epochs: 4 }), [0.05, 0.1, 0.1, 0.1]],
    ['step after 2 warm-up epochs', base({ schedule: { kind: 'step', every: 2, gamma: 0.1 }, warmupEpochs: 2, epochs: 6 }), [0.05, 0.1, 0.1, 0.1, 0.01, 0.01]],
    ['cosine over 4 epochs to 0', base({ schedule: { kind: 'cosine', min_lr: 0 }, epochs: 4 }), [0.1, 0.1 * (1 + Math.SQRT1_2) / 2, 0.05, 0.1 * (1 - Math.SQRT1_2) / 2]],
  ] as const)('%s', (_name, settings, expected) => {
    const got = rates(settings);
    expect(got).toHaveLength(expected.length);
    got.forEach((r, i) => expect(r).toBeCloseTo(expected[i]!, 12));
  });

  it('cosine follows min + (lr − min)(1 + cos(πt/T))/2 after warm-up, for every epoch', () => {
    const s = base({ learningRate: 0.003, schedule: { kind: 'cosine', min_lr: 0.0001 }, warmupEpochs: 3, epochs: 23 });
    const T = 20;
    for (let epoch = 1; epoch <= 23; epoch++) {
      const expected = epoch <= 3 ? (0.003 * epoch) / 3 : 0.0001 + ((0.003 - 0.0001) * (1 + Math.cos((Math.PI * (epoch - 4)) / T))) / 2;
      expect(learningRateAt(epoch, s)).toBeCloseTo(expected, 15);
    }
    // Monotone decreasing after warm-up, never below the floor.
    const after = rates(s).slice(3);
    for (let i = 1; i < after.length; i++) expect(after[i]!).toBeLessThan(after[i - 1]!);
    expect(Math.min(...after)).toBeGreaterThan(0.0001);
  });
});

describe('scheduleProblems', () => {
  it('accepts sensible settings', () => {
    expect(scheduleProblems(base({}))).toEqual([]);
    expect(scheduleProblems(base({ schedule: { kind: 'step', every: 3, gamma: 0.5 }, warmupEpochs: 2 }))).toEqual([]);
    expect(scheduleProblems(base({ schedule: { kind: 'cosine', min_lr: 0 } }))).toEqual([]);
  });

  it.each([
    ['a step outside the epochs', base({ schedule: { kind: 'step', every: 10, gamma: 0.5 } }), 'train.lr_schedule.every', /never happens within the 10 epochs.*use every < 10/],
    ['a step outside the epochs after warm-up', base({ schedule: { kind: 'step', every: 5, gamma: 0.5 }, warmupEpochs: 5 }), 'train.lr_schedule.every', /within the 5 epochs after warm-up/],
    ['a zero step', base({ schedule: { kind: 'step', every: 0, gamma: 0.5 } }), 'train.lr_schedule.every', /≥ 1/],
    ['a growing step factor', base({ schedule: { kind: 'step', every: 2, gamma: 2 } }), 'train.lr_schedule.gamma', /\(0, 1\]/],
    ['a zero exponential factor', base({ schedule: { kind: 'exponential', gamma: 0 } }), 'train.lr_schedule.gamma', /\(0, 1\]/],
    ['a cosine floor above the rate', base({ schedule: { kind: 'cosine', min_lr: 0.2 } }), 'train.lr_schedule.min_lr', /below train.learning_rate \(0.1\)/],
    ['warm-up as long as training', base({ warmupEpochs: 10 }), 'train.warmup_epochs', /fewer warm-up epochs than train.epochs/],
    ['fractional warm-up', base({ warmupEpochs: 1.5 }), 'train.warmup_epochs', /whole number/],
  ] as const)('refuses %s, naming the field and the fix', (_name, settings, path, message) => {
    const problems = scheduleProblems(settings);
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)!.message).toMatch(message);
  });
});
