// Seeded determinism through the real CLI: the same spec run twice gives the same metrics.json
// (timings aside), and a sweep trial run by a worker process gives what the parent gives for it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

/** metrics.json without the wall-clock figures (train_seconds, samples_per_second, …). */
function metricsWithoutTimings(runDir: string): Record<string, unknown> {
  const metrics = readJson(path.join(runDir, 'metrics.json'));
  const kept = Object.fromEntries(Object.entries(metrics).filter(([key]) => !/(_seconds|per_second)$/.test(key)));
  // Guard against comparing nothing: the figures that training and evaluation produce are there.
  expect(Object.keys(kept)).toEqual(
    expect.arrayContaining(['train_mse', 'val_mse', 'test_mse', 'test_mse_by_digit', 'density_log_likelihood_test']),
  );
  return kept;
}

/** history.csv without its seconds column. */
function lossHistory(runDir: string): string[] {
  return fs
    .readFileSync(path.join(runDir, 'history.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, 3).join(','));
}

describe('seeded determinism through the CLI', () => {
  it('two `aelab run`s of one spec give identical metrics.json (minus timings), losses and weights', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'twice', tinyDeepSpec);
    const runsDir = path.join(dir, 'runs');
    for (let i = 0; i < 2; i++) {
      const res = await runCli(['run', spec, '--runs-dir', runsDir]);
      expect(res.code, res.stderr).toBe(0);
    }
    const [a, b] = ['0001', '0002'].map((id) => path.join(runsDir, 'twice', id)) as [string, string];
    expect(metricsWithoutTimings(b)).toEqual(metricsWithoutTimings(a));
    expect(lossHistory(b)).toEqual(lossHistory(a));
    expect(lossHistory(a)).toHaveLength(3);
    expect(fs.readFileSync(path.join(b, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(a, 'model', 'weights.bin')))).toBe(true);
  }, 120_000);

  it('a sweep trial run by a worker (--jobs 2) equals the same trial run by the parent (--jobs 1)', async () => {
    const dir = tempDir();
    // The parent claims the first trial at once and is kept busy by it (500 epochs) until the
    // worker, however slow its start on a loaded machine, has run the second; then Ctrl-C.
    const spec = writeSpec(dir, 'jobs', `${tinyDeepSpec}\nsweep:\n  grid:\n    train.epochs: [500, 2]\n`);
    const trialDir = (runs: string, trial: string) => path.join(dir, runs, 'jobs', 'sweep-0001', trial);
    const ranIn = (runs: string, trial: string) => readJson<{ pid: number }>(path.join(trialDir(runs, trial), 'run.json')).pid;

    let interrupted = false;
    let seen = '';
    const parallel = await runCli(['run', spec, '--runs-dir', path.join(dir, 'parallel'), '--jobs', '2'], {
      onStderr: (chunk, child) => {
        seen += chunk;
        if (!interrupted && /jobs\/epochs=2 completed in/.test(seen)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted, parallel.stderr).toBe(true);
    expect(parallel.code).toBe(130);
    expect(readJson(path.join(trialDir('parallel', 'epochs=500'), 'run.json')).status).toBe('interrupted');
    expect(readJson(path.join(trialDir('parallel', 'epochs=2'), 'run.json')).status).toBe('completed');
    expect(ranIn('parallel', 'epochs=500')).toBe(parallel.pid);
    expect(ranIn('parallel', 'epochs=2'), 'run by the worker, not the parent').not.toBe(parallel.pid);

    // The same trial alone, in the parent: the second of two shards of the same sweep, --jobs 1.
    const serial = await runCli(['run', spec, '--runs-dir', path.join(dir, 'serial'), '--jobs', '1', '--shard', '1/2']);
    expect(serial.code, serial.stderr).toBe(0);
    expect(ranIn('serial', 'epochs=2')).toBe(serial.pid);
    expect(fs.existsSync(trialDir('serial', 'epochs=500'))).toBe(false);

    expect(metricsWithoutTimings(trialDir('parallel', 'epochs=2'))).toEqual(metricsWithoutTimings(trialDir('serial', 'epochs=2')));
    expect(lossHistory(trialDir('parallel', 'epochs=2'))).toEqual(lossHistory(trialDir('serial', 'epochs=2')));
    const weights = (runs: string) => fs.readFileSync(path.join(trialDir(runs, 'epochs=2'), 'model', 'weights.bin'));
    expect(weights('parallel').equals(weights('serial'))).toBe(true);
  }, 240_000);
});
