// Spawns the real CLI (`node bin/aelab.mjs …`) the way a user would, for end-to-end tests.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const bin = path.join(root, 'bin', 'aelab.mjs');

export interface CliResult {
  /** The CLI process's id (a sweep's trials run by it, not by a worker, record this pid). */
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd ?? root,
      env: { ...process.env, AELAB_DEBUG: '', CI: 'true', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(String(d), child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ pid: child.pid, code, signal, stdout, stderr }));
  });
}

export function tempDir(prefix = 'aelab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a spec file into dir and returns its path. */
export function writeSpec(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}

/** A spec that trains in a second or two: a few hundred MNIST images, a 32-wide encoder. */
export const tinyDeepSpec = `
data:
  digits: [1, 5, 6]
  validation: 200
  limit: 300
model:
  kind: deep
  encoder: [32]
  latent: 2
evaluate:
  quality: false   # tests/e2e/quality.test.ts runs them, with qualitySpec's classifier on a slice
train:
  epochs: 2
  batch_size: 64
outputs:
  reconstructions: 4
  latent_points: 200
  manifold_grid: 4
  interpolations: 1
  interpolation_steps: 4
  samples: 4
`;

/** tinyDeepSpec with quality metrics, from a classifier trained on a slice (the default one takes minutes). */
export const qualitySpec = tinyDeepSpec.replace(
  'quality: false   # tests/e2e/quality.test.ts runs them, with qualitySpec\'s classifier on a slice',
  'classifier: { hidden: [64], epochs: 1, limit: 2500, learning_rate: 0.003 }',
);

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
