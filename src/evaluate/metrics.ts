// Reconstruction error and codes of whole splits, computed in batches so that 60k images never
// go through the model at once, with sums in float64 so that the mean does not drift.
import { UserError } from '../shared/errors.ts';
import type { Autoencoder, Dataset, Split } from '../shared/types.ts';

/** Images per call into the model. */
export const EVAL_BATCH = 1024;

export interface ReconstructionMetrics {
  train_mse: number;
  /** null when the validation split is empty. */
  val_mse: number | null;
  test_mse: number;
  /** Label (as a string) → mean squared error of that digit's test images. */
  test_mse_by_digit: Record<string, number>;
}

interface SplitError {
  /** Σ over images and pixels of (x − x̂)². */
  total: number;
  /** Label → [Σ squared error, image count]. */
  byLabel: Map<number, [number, number]>;
}

/**
 * MSE = mean over images and pixels of (x − x̂)², pixels in [0, 1], through model.reconstruct.
 * The training and test splits must not be empty (there is nothing to report otherwise).
 */
export function computeReconstructionMetrics(model: Autoencoder, data: Dataset): ReconstructionMetrics {
  checkModelFits(model, data);
  for (const [name, split] of [['training', data.train], ['test', data.test]] as const) {
    if (split.count === 0) {
      throw new UserError([
        { path: 'data', message: `the ${name} split has no images, so there is no ${name} error to report; check data.digits and data.limit` },
      ]);
    }
  }
  const pixels = data.dim;
  const train = splitError(model, data.train, pixels);
  const test = splitError(model, data.test, pixels);
  const val = data.validation.count > 0 ? splitError(model, data.validation, pixels) : null;

  const byDigit: Record<string, number> = {};
  for (const label of [...test.byLabel.keys()].sort((a, b) => a - b)) {
    const [sum, count] = test.byLabel.get(label)!;
    byDigit[String(label)] = sum / (count * pixels);
  }
  return {
    train_mse: train.total / (data.train.count * pixels),
    val_mse: val === null ? null : val.total / (data.validation.count * pixels),
    test_mse: test.total / (data.test.count * pixels),
    test_mse_by_digit: byDigit,
  };
}

function splitError(model: Autoencoder, split: Split, pixels: number): SplitError {
  const byLabel = new Map<number, [number, number]>();
  let total = 0;
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const end = Math.min(start + EVAL_BATCH, split.count);
    const count = end - start;
    // A copy, not a subarray: some tfjs backends read a typed array's whole buffer.
    const batch = split.images.slice(start * pixels, end * pixels);
    const reconstructed = model.reconstruct(batch, count);
    if (reconstructed.length !== count * pixels) {
      throw new Error(`model.reconstruct returned ${reconstructed.length} values for ${count}×${pixels}`);
    }
    for (let i = 0; i < count; i++) {
      let sum = 0;
      for (let p = i * pixels, stop = p + pixels; p < stop; p++) {
        const e = batch[p]! - reconstructed[p]!;
        sum += e * e;
      }
      total += sum;
      const label = split.labels[start + i]!;
      const entry = byLabel.get(label);
      if (entry === undefined) byLabel.set(label, [sum, 1]);
      else {
        entry[0] += sum;
        entry[1] += 1;
      }
    }
  }
  return { total, byLabel };
}

/** Codes of every image of a split, row-major count × model.latent. */
export function encodeSplit(model: Autoencoder, split: Split): Float32Array {
  const pixels = model.inputDim;
  if (split.images.length !== split.count * pixels) {
    throw new Error(`encodeSplit: split holds ${split.images.length} values, expected ${split.count}×${pixels}`);
  }
  const codes = new Float32Array(split.count * model.latent);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    const end = Math.min(start + EVAL_BATCH, split.count);
    const z = model.encode(split.images.slice(start * pixels, end * pixels), end - start);
    if (z.length !== (end - start) * model.latent) {
      throw new Error(`model.encode returned ${z.length} values for ${end - start}×${model.latent}`);
    }
    codes.set(z, start * model.latent);
  }
  return codes;
}

export function checkModelFits(model: Autoencoder, data: Dataset): void {
  if (model.inputDim !== data.dim) {
    throw new Error(`model expects ${model.inputDim} pixels per image but the data has ${data.dim}`);
  }
}
