import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';

import { PROJECT_ROOT } from '../../scripts/generate-from-schema.ts';
import { loadSpec } from '../../src/spec/index.ts';

const files = fg.sync('experiments/*.{yaml,yml}', { cwd: PROJECT_ROOT, absolute: true }).sort();

describe('experiments/', () => {
  it('holds the two lecture specs', () => {
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(expect.arrayContaining(['mnist-156-deep.yaml', 'mnist-156-pca.yaml']));
  });

  it.each(files)('%s validates without warnings', (file) => {
    const loaded = loadSpec(file);
    expect(loaded.warnings).toEqual([]);
  });

  it("mnist-156-deep is the lecture's setup", () => {
    const { spec } = loadSpec(`${PROJECT_ROOT}/experiments/mnist-156-deep.yaml`);
    expect(spec.name).toBe('mnist-156-deep');
    expect(spec.data).toMatchObject({ source: 'mnist', digits: [1, 5, 6], validation: 5000 });
    expect(spec.model).toMatchObject({ kind: 'deep', encoder: [500, 300], latent: 2, decoder: 'mirror' });
  });

  it('mnist-156-pca is PCA with 2 components on the same digits', () => {
    const { spec } = loadSpec(`${PROJECT_ROOT}/experiments/mnist-156-pca.yaml`);
    expect(spec.name).toBe('mnist-156-pca');
    expect(spec.data.digits).toEqual([1, 5, 6]);
    expect(spec.model).toMatchObject({ kind: 'pca', latent: 2 });
  });
});
