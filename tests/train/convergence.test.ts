import { describe, expect, it } from 'vitest';
import { convergenceWarning } from '../../src/train/convergence.ts';

const history = (vals: (number | null)[], train?: number[]) => vals.map((v, i) => ({ epoch: i + 1, loss: train?.[i] ?? 1, val_loss: v, seconds: 1 }));

describe('convergenceWarning', () => {
  it('warns when the validation loss fell more than 1 % over the last 3 epochs', () => {
    const check = convergenceWarning(history([0.5, 0.3, 0.2, 0.19, 0.185, 0.18]));
    expect(check).toMatchObject({ which: 'validation', epochs: 3 });
    expect(check!.fall).toBeCloseTo((0.2 - 0.18) / 0.2, 12);
    expect(check!.message).toBe('may not have converged: the validation loss still fell 10.0 % over the last 3 epochs (more than 1 %); more epochs (train.epochs) would likely lower it');
  });

  it('is quiet when the loss levelled off, rose, with one epoch, or after early stopping', () => {
    expect(convergenceWarning(history([0.5, 0.2, 0.2, 0.199, 0.1985]))).toBeNull();
    expect(convergenceWarning(history([0.5, 0.2, 0.2, 0.21, 0.22]))).toBeNull();
    expect(convergenceWarning(history([0.5]))).toBeNull();
    expect(convergenceWarning(history([0.5, 0.3, 0.2]), true)).toBeNull();
  });

  it('uses the training loss without a validation split, over fewer epochs when the run had fewer', () => {
    const check = convergenceWarning(history([null, null], [0.4, 0.3]));
    expect(check).toMatchObject({ which: 'training', epochs: 1 });
    expect(check!.message).toContain('the training loss still fell 25.0 % over the last 1 epoch ');
  });
});
