// samples.png with each sample's predicted class, and the class histogram chart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderRunPictures } from '../../src/render/index.ts';
import { samplesLayout, SAMPLE_LABEL_IN_DIGITS, SAMPLE_LABEL_OTHER } from '../../src/render/pictures.ts';
import { tileLeft, tileTop } from '../../src/render/grid.ts';
import type { PictureData } from '../../src/shared/types.ts';
import { batch } from './fixtures.ts';
import { comparisonChartSpec } from '../../src/render/charts.ts';

const OUT = process.env.AELAB_KEEP_PICTURES ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-quality-pictures-'));

function hex(color: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
}

/** Pixels within a box whose colour is close to `color`. */
function countColour(png: PNG, box: { x: number; y: number; w: number; h: number }, color: string): number {
  const [r, g, b] = hex(color);
  let n = 0;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.data[i]! - r) < 40 && Math.abs(png.data[i + 1]! - g) < 40 && Math.abs(png.data[i + 2]! - b) < 40) n++;
    }
  }
  return n;
}

describe('quality pictures', () => {
  it('samples.png labels every sample with its predicted class, red when outside data.digits', async () => {
    const count = 9;
    const labels = Uint8Array.from([1, 5, 6, 1, 3, 6, 5, 8, 1]);
    const pictures: PictureData = {
      height: 28,
      width: 28,
      samples: { images: batch(count, 28, 28, 3), count, predicted: { labels, digits: [1, 5, 6] } },
    };
    const files = await renderRunPictures(pictures, null);
    const data = files.find((f) => f.name === 'samples.png')!.data as Buffer;
    fs.writeFileSync(path.join(OUT, 'samples-labelled.png'), data);
    const png = PNG.sync.read(data);
    const layout = samplesLayout(count, 28, 28);
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    for (let i = 0; i < count; i++) {
      const corner = { x: tileLeft(layout, i % layout.cols), y: tileTop(layout, Math.floor(i / layout.cols)), w: 20, h: 20 };
      const inDigits = [1, 5, 6].includes(labels[i]!);
      expect(countColour(png, corner, inDigits ? SAMPLE_LABEL_IN_DIGITS : SAMPLE_LABEL_OTHER), `tile ${i}`).toBeGreaterThan(5);
      expect(countColour(png, corner, inDigits ? SAMPLE_LABEL_OTHER : SAMPLE_LABEL_IN_DIGITS), `tile ${i}`).toBe(0);
    }
    // Without predictions: plain greyscale tiles, no label colours anywhere.
    const plain = await renderRunPictures({ height: 28, width: 28, samples: { images: batch(count, 28, 28, 3), count } }, null);
    const plainPng = PNG.sync.read(plain.find((f) => f.name === 'samples.png')!.data as Buffer);
    expect(countColour(plainPng, { x: 0, y: 0, w: plainPng.width, h: plainPng.height }, SAMPLE_LABEL_IN_DIGITS)).toBe(0);
  });

  it('classes.png shows the samples’ class shares against the training digits', async () => {
    const samples: Record<string, number> = { '0': 0, '1': 0.5, '2': 0.05, '3': 0.05, '4': 0, '5': 0.2, '6': 0.15, '7': 0, '8': 0.05, '9': 0 };
    const training = { '1': 0.37, '5': 0.3, '6': 0.33 };
    const files = await renderRunPictures({ height: 28, width: 28, classShares: { samples, training, digits: [1, 5, 6] } }, null);
    const svg = files.find((f) => f.name === 'classes.svg')!.data as string;
    const png = files.find((f) => f.name === 'classes.png')!.data as Buffer;
    fs.writeFileSync(path.join(OUT, 'classes.png'), png);
    expect(svg).toContain('Classes of the decoded samples');
    expect(svg).toContain('15.0 % of samples fall outside data.digits');
    expect(svg).toContain('decoded samples');
    expect(svg).toContain('training images');
    // One bar per (class, series): 10 classes × 2 series, each with its share.
    expect(svg.match(/series: decoded samples; class: \d/g)).toHaveLength(10);
    expect(svg.match(/series: training images; class: \d/g)).toHaveLength(10);
    expect(svg).toContain('class (digit): 1; share: 50%; series: decoded samples');
    expect(svg).toContain('class (digit): 6; share: 33%; series: training images');
    const decoded = PNG.sync.read(png);
    expect(decoded.width).toBeGreaterThan(400);
  });

  it('the comparison chart plots fd_samples against latent size, skipping runs without it', () => {
    const points = [
      { kind: 'deep', latent: 2, test_mse: 0.027, fd_samples: 46.7 },
      { kind: 'deep', latent: 2, test_mse: 0.03, fd_samples: 23.4 },
      { kind: 'pca', latent: 8, test_mse: 0.026, fd_samples: null },
    ];
    const spec = comparisonChartSpec(points, 'fd_samples') as unknown as { title: { text: string }; layer: { data: { values: { kind: string; value: number }[] } }[] };
    expect(spec.title.text).toBe('Sample quality (fd_samples) against latent size');
    // The line joins the best (lowest) fd at each size; the dots are every run that has one.
    expect(spec.layer[0]!.data.values.map((v) => v.value)).toEqual([23.4]);
    expect(spec.layer[1]!.data.values.map((v) => v.value)).toEqual([46.7, 23.4]);
    expect(comparisonChartSpec([points[2]!], 'fd_samples')).toBeNull();
    // The default is still test MSE, with all three runs.
    const mse = comparisonChartSpec(points) as unknown as { title: { text: string }; layer: { data: { values: unknown[] } }[] };
    expect(mse.title.text).toBe('Test MSE against latent size');
    expect(mse.layer[1]!.data.values).toHaveLength(3);
  });
});
