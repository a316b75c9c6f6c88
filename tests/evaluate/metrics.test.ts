import { describe, it, expect } from 'vitest';
import { computeReconstructionMetrics, encodeSplit, EVAL_BATCH } from '../../src/evaluate/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { dataset, emptySplit, pixelSelector, randomSplit, split } from './fakes.ts';

// 2×2 images; the fake keeps pixels 0 and 1, so the error of an image is x2² + x3² over 4 pixels.
const model = pixelSelector(4, 2);

describe('computeReconstructionMetrics', () => {
  it('gives hand-computed MSE per split and per digit', () => {
    const train = split(
      [
        [1, 1, 1, 1], // error (1 + 1) / 4 = 0.5
        [0, 0, 0, 0], // 0
      ],
      [1, 5],
    );
    const val = split([[0.3, 0.3, 0.5, 0]], [1]); // 0.25 / 4
    const test = split(
      [
        [0, 0, 1, 0], // 1 / 4, digit 6
        [0.9, 0.1, 0, 0], // 0, digit 5
        [0, 0, 0.5, 0.5], // 0.5 / 4, digit 6
      ],
      [6, 5, 6],
    );
    const m = computeReconstructionMetrics(model, dataset(2, 2, train, val, test));
    expect(m.train_mse).toBeCloseTo(0.25, 12);
    expect(m.val_mse).toBeCloseTo(0.0625, 7);
    expect(m.test_mse).toBeCloseTo(1.5 / 12, 12);
    expect(Object.keys(m.test_mse_by_digit)).toEqual(['5', '6']);
    expect(m.test_mse_by_digit['5']).toBe(0);
    expect(m.test_mse_by_digit['6']).toBeCloseTo(1.5 / 8, 12);
  });

  it('reports val_mse null when the validation split is empty', () => {
    const s = split([[1, 0, 1, 0]], [3]);
    const m = computeReconstructionMetrics(model, dataset(2, 2, s, emptySplit(), s));
    expect(m.val_mse).toBeNull();
    expect(m.train_mse).toBeCloseTo(0.25, 12);
  });

  it('goes through the model in batches and agrees with a direct computation', () => {
    const dim = 6;
    const many = randomSplit(2 * EVAL_BATCH + 37, dim, [0, 1, 2], 11);
    const fake = pixelSelector(dim, 3);
    const m = computeReconstructionMetrics(fake, dataset(2, 3, many, emptySplit(), many));
    expect(fake.batchSizes.slice(0, 3)).toEqual([EVAL_BATCH, EVAL_BATCH, 37]);
    let total = 0;
    const perDigit = new Map<number, [number, number]>();
    for (let i = 0; i < many.count; i++) {
      let e = 0;
      for (let p = 3; p < dim; p++) e += many.images[i * dim + p]! ** 2;
      total += e;
      const entry = perDigit.get(many.labels[i]!) ?? [0, 0];
      perDigit.set(many.labels[i]!, [entry[0] + e, entry[1] + 1]);
    }
    expect(m.test_mse).toBeCloseTo(total / (many.count * dim), 10);
    expect(m.train_mse).toBe(m.test_mse);
    for (const [label, [sum, count]] of perDigit) {
      expect(m.test_mse_by_digit[String(label)]).toBeCloseTo(sum / (count * dim), 10);
    }
  });

  it('refuses an empty test split with a UserError', () => {
    const s = split([[1, 0, 1, 0]], [3]);
    expect(() => computeReconstructionMetrics(model, dataset(2, 2, s, emptySplit(), emptySplit()))).toThrow(UserError);
  });
});

describe('encodeSplit', () => {
  it('returns n×latent codes in order, across batch boundaries', () => {
    const dim = 5;
    const many = randomSplit(EVAL_BATCH + 3, dim, [1], 3);
    const codes = encodeSplit(pixelSelector(dim, 2), many);
    expect(codes.length).toBe(many.count * 2);
    for (const i of [0, 1, EVAL_BATCH - 1, EVAL_BATCH, EVAL_BATCH + 2]) {
      expect(codes[i * 2]).toBe(many.images[i * dim]);
      expect(codes[i * 2 + 1]).toBe(many.images[i * dim + 1]);
    }
  });
});
