// Synthetic PictureData for the render tests: small stroke images of any size, seeded codes.
import { createRng } from '../../src/shared/random.ts';
import type { EpochRecord, PictureData } from '../../src/shared/types.ts';

/** A bright vertical stroke at column `col` plus noise; row-major height×width in [0, 1]. */
export function strokeImage(height: number, width: number, col: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const img = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) img[y * width + x] = x === col % width ? 1 : rng.next() * 0.2;
  }
  return img;
}

export function batch(count: number, height: number, width: number, seed: number): Float32Array {
  const out = new Float32Array(count * height * width);
  for (let i = 0; i < count; i++) out.set(strokeImage(height, width, i, seed + i), i * height * width);
  return out;
}

export interface FixtureSizes {
  reconstructions: number;
  latentPoints: number;
  side: number;
  pairs: number;
  steps: number;
  samples: number;
}

export const DEFAULT_SIZES: FixtureSizes = { reconstructions: 12, latentPoints: 300, side: 4, pairs: 2, steps: 5, samples: 7 };

export function pictureData(height: number, width: number, sizes: FixtureSizes = DEFAULT_SIZES): PictureData {
  const rng = createRng(7);
  const digits = [1, 5, 6];
  const n = sizes.latentPoints;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = i % 3;
    labels[i] = digits[d]!;
    x[i] = d * 3 + rng.normal();
    y[i] = (d === 1 ? 3 : 0) + rng.normal();
  }
  return {
    height,
    width,
    reconstructions: {
      originals: batch(sizes.reconstructions, height, width, 1),
      reconstructed: batch(sizes.reconstructions, height, width, 2),
      labels: Uint8Array.from({ length: sizes.reconstructions }, (_, i) => digits[i % 3]!),
      count: sizes.reconstructions,
    },
    latent: { x, y, labels, projected: false, xLabel: 'z1', yLabel: 'z2' },
    manifold: { images: batch(sizes.side * sizes.side, height, width, 3), side: sizes.side, description: 'z1 from −2 to 2, z2 from 2 to −2' },
    interpolation: {
      pixel: Array.from({ length: sizes.pairs }, (_, p) => batch(sizes.steps, height, width, 10 + p)),
      latent: Array.from({ length: sizes.pairs }, (_, p) => batch(sizes.steps, height, width, 20 + p)),
      steps: sizes.steps,
      labels: Array.from({ length: sizes.pairs }, (_, p) => [digits[p % 3]!, digits[(p + 1) % 3]!] as [number, number]),
    },
    samples: { images: batch(sizes.samples, height, width, 4), count: sizes.samples },
  };
}

/** Loss falling over two decades, so the chart uses a log axis. */
export function history(epochs: number): EpochRecord[] {
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    loss: 0.1 * Math.exp(-e / 2) + 0.0005,
    val_loss: 0.11 * Math.exp(-e / 2) + 0.0008,
    seconds: 0.5,
  }));
}
