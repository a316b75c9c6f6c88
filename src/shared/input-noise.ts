// Denoising autoencoders (Vincent et al. 2008): during training only, the encoder sees a corrupted
// copy of each image while the loss compares the output with the clean image. Two corruptions, as
// in Keras' "Building Autoencoders" tutorial and Vincent et al.:
// - gaussian: x + std·N(0, 1), clipped back to the pixel range [0, 1];
// - masking:  each pixel independently set to 0 with probability `fraction`.
// The noise of step s (counted over the whole training) comes from a stream seeded by (seed, s),
// so a run repeats exactly and does not depend on anything else drawn during training.
import { UserError } from './errors.ts';
import { createRng, deriveSeed } from './random.ts';

export type InputNoise = { kind: 'gaussian'; std: number } | { kind: 'masking'; fraction: number };

/** Refuses settings that make no sense, naming the train.input_noise field and the fix. */
export function checkInputNoise(noise: InputNoise): void {
  if (noise.kind === 'gaussian') {
    if (!(noise.std > 0) || !Number.isFinite(noise.std)) {
      throw new UserError([{ path: 'train.input_noise.std', message: `must be a positive number (e.g. 0.5, Keras' tutorial), got ${String(noise.std)}` }]);
    }
  } else if (noise.kind === 'masking') {
    if (!(noise.fraction >= 0 && noise.fraction < 1)) {
      throw new UserError([{ path: 'train.input_noise.fraction', message: `must be in [0, 1) (the share of pixels set to 0; 1 would erase every image), got ${String(noise.fraction)}` }]);
    }
  } else {
    throw new UserError([{ path: 'train.input_noise.kind', message: `unknown input noise '${String((noise as { kind: unknown }).kind)}'; valid: gaussian, masking` }]);
  }
}

/**
 * Writes a corrupted copy of the first `rows` images of `clean` (row-major, `dim` pixels each) into
 * `out`, with the noise of training step `step`. `out` may be reused from step to step.
 */
export function corruptBatch(clean: Float32Array, out: Float32Array, rows: number, dim: number, noise: InputNoise, seed: number, step: number): void {
  const count = rows * dim;
  if (clean.length < count || out.length < count) throw new Error(`corruptBatch: buffers hold ${clean.length} and ${out.length} values, need ${count}`);
  const rng = createRng(deriveSeed(seed, `input-noise:step:${step}`));
  if (noise.kind === 'gaussian') {
    const std = noise.std;
    for (let i = 0; i < count; i++) out[i] = Math.min(1, Math.max(0, clean[i]! + std * rng.normal()));
  } else {
    const fraction = noise.fraction;
    for (let i = 0; i < count; i++) out[i] = rng.next() < fraction ? 0 : clean[i]!;
  }
}
