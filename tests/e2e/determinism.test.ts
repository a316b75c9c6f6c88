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
    // The parent takes the first trial; a long one keeps it busy until the worker is up (its
    // start-up takes seconds on a loaded machine), so the worker gets at least one of the others.
    const spec = writeSpec(dir, 'jobs', `${tinyDeepSpec}\nsweep:\n  grid:\n    train.epochs: [30, 2, 3]\n`);
    const parallel = await runCli(['run', spec, '--runs-dir', path.join(dir, 'parallel'), '--jobs', '2']);
    expect(parallel.code, parallel.stderr).toBe(0);
    const serial = await runCli(['run', spec, '--runs-dir', path.join(dir, 'serial'), '--jobs', '1']);
    expect(serial.code, serial.stderr).toBe(0);

    const trials = ['epochs=30', 'epochs=2', 'epochs=3'];
    const trialDir = (runs: string, trial: string) => path.join(dir, runs, 'jobs', 'sweep-0001', trial);
    const byWorker = trials.filter((t) => readJson<{ pid: number }>(path.join(trialDir('parallel', t), 'run.json')).pid !== parallel.pid);
    expect(byWorker.length, `trials run by the worker process\n${parallel.stderr}`).toBeGreaterThan(0);
    expect(byWorker.length, 'trials run by the parent process').toBeLessThan(trials.length);
    for (const t of trials) expect(readJson<{ pid: number }>(path.join(trialDir('serial', t), 'run.json')).pid).toBe(serial.pid);

    for (const t of trials) {
      expect(metricsWithoutTimings(trialDir('parallel', t)), t).toEqual(metricsWithoutTimings(trialDir('serial', t)));
      expect(lossHistory(trialDir('parallel', t)), t).toEqual(lossHistory(trialDir('serial', t)));
    }
    // Different trials really give different models (so equality above is not vacuous).
    expect(metricsWithoutTimings(trialDir('serial', 'epochs=2')).test_mse).not.toBe(
      metricsWithoutTimings(trialDir('serial', 'epochs=3')).test_mse,
    );
  }, 240_000);
});
