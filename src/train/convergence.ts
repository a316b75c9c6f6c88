// "May not have converged": a run whose validation loss (training loss without a validation split)
// still fell by more than 1 % over its last epochs would likely improve with more epochs. Pure; the
// pipeline prints the message and puts it in the report.
import type { EpochRecord } from '../shared/types.ts';

/** Epochs looked back over; fewer when the run had fewer. */
export const CONVERGENCE_WINDOW = 3;
/** A relative fall above this over the window counts as still improving. */
export const CONVERGENCE_THRESHOLD = 0.01;

export interface ConvergenceCheck {
  /** Relative fall of the loss over the window, e.g. 0.034 for 3.4 % lower at the end. */
  fall: number;
  epochs: number;
  which: 'validation' | 'training';
  message: string;
}

/** Null when the loss has levelled off (or there are too few epochs, or early stopping ended the run). */
export function convergenceWarning(history: readonly EpochRecord[], stoppedEarly = false): ConvergenceCheck | null {
  if (stoppedEarly || history.length < 2) return null;
  const useVal = history.every((h) => h.val_loss !== null);
  const loss = (h: EpochRecord) => (useVal ? h.val_loss! : h.loss);
  const window = Math.min(CONVERGENCE_WINDOW, history.length - 1);
  const then = loss(history[history.length - 1 - window]!);
  const last = loss(history[history.length - 1]!);
  if (!(then > 0) || !Number.isFinite(last)) return null;
  const fall = (then - last) / then;
  if (fall <= CONVERGENCE_THRESHOLD) return null;
  const which = useVal ? 'validation' : 'training';
  return {
    fall,
    epochs: window,
    which,
    message:
      `may not have converged: the ${which} loss still fell ${(fall * 100).toFixed(1)} % over the last ${window} epoch${window === 1 ? '' : 's'}` +
      ` (more than ${CONVERGENCE_THRESHOLD * 100} %); more epochs (train.epochs) would likely lower it`,
  };
}
