// Starts several node processes running one TypeScript helper at the same moment, so that tests
// exercise real races between processes: each child announces it is ready, then all wait for a
// shared 'go' file before doing their work.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function runConcurrently(script: string, argsPerChild: string[][], syncDir: string): Promise<string[]> {
  fs.mkdirSync(syncDir, { recursive: true });
  const goFile = path.join(syncDir, 'go');
  const children = argsPerChild.map((args, i) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, script), syncDir, String(i), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise<string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child ${i} exited ${code}: ${stderr}`))));
    });
  });
  const deadline = Date.now() + 30_000;
  while (fs.readdirSync(syncDir).filter((n) => n.startsWith('ready-')).length < argsPerChild.length) {
    if (Date.now() > deadline) throw new Error('children did not start within 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  fs.writeFileSync(goFile, '');
  return Promise.all(children);
}

/** In the child: announce readiness, then poll every millisecond for 'go' so that all start together. */
const pollCell = new Int32Array(new SharedArrayBuffer(4));

export function waitForGo(syncDir: string, index: string): void {
  fs.writeFileSync(path.join(syncDir, `ready-${index}`), '');
  const goFile = path.join(syncDir, 'go');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(goFile)) {
    if (Date.now() > deadline) throw new Error('no go signal');
    Atomics.wait(pollCell, 0, 0, 1);
  }
}
