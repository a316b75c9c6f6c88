// `aelab run --fail-fast` and `--reclaim` on sweeps, through the real CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

const withGrid = (base: string, grid: string) => `${base.replace('epochs: 2', 'epochs: 1')}\nsweep:\n  grid:\n${grid}\n`;

describe('aelab run --fail-fast', () => {
  it('stops a sweep at its first failed trial: the rest never start, exit status 1', async () => {
    const dir = tempDir();
    // Grid order is the order given: the diverging learning rate is the first trial.
    const spec = writeSpec(dir, 'ff', withGrid(tinyDeepSpec, '    train.learning_rate: [1.0e+9, 0.001, 0.002]'));
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir, '--fail-fast']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('[learning_rate=1000000000] failed');
    expect(res.stderr).toContain('--fail-fast: not starting further trials');
    expect(res.stderr).toMatch(/0 completed, 1 failed/);
    const sweepDir = path.join(runsDir, 'ff', 'sweep-0001');
    expect(readJson(path.join(sweepDir, 'learning_rate=1000000000', 'run.json')).status).toBe('failed');
    expect(fs.existsSync(path.join(sweepDir, 'learning_rate=0.001'))).toBe(false);
    expect(fs.existsSync(path.join(sweepDir, 'learning_rate=0.002'))).toBe(false);
    const sweep = readJson<{ trials: { name: string; status: string }[] }>(path.join(sweepDir, 'sweep.json'));
    expect(sweep.trials.map((t) => [t.name, t.status])).toEqual([
      ['learning_rate=1000000000', 'failed'],
      ['learning_rate=0.001', 'pending'],
      ['learning_rate=0.002', 'pending'],
    ]);
  }, 120_000);
});

describe('aelab run --reclaim', () => {
  it('takes over a trial left running on another machine, keeps the old attempt, and never a live local one', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'rc', withGrid(tinyDeepSpec.replace('kind: deep', 'kind: pca'), '    model.latent: [2, 3, 4]'));
    const runsDir = path.join(dir, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(first.code, first.stderr).toBe(0);
    const sweepDir = path.join(runsDir, 'rc', 'sweep-0001');
    const runJson = (trial: string) => path.join(sweepDir, trial, 'run.json');
    const markRunning = (trial: string, hostname: string, pid: number) => {
      const run = readJson(runJson(trial));
      fs.writeFileSync(runJson(trial), JSON.stringify({ ...run, status: 'running', hostname, pid, finished_at: null }, null, 2));
    };
    // latent=3: "running" on a machine that is gone; latent=4: running here, in a live process (this one).
    markRunning('latent=3', 'aelab-test-host-that-is-gone', 4242);
    markRunning('latent=4', os.hostname(), process.pid);
    const untouched = fs.readFileSync(runJson('latent=2'), 'utf8');

    const plain = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('[latent=3] running by another process, skipped');
    expect(plain.stderr).toContain('[latent=4] running by another process, skipped');
    expect(readJson(runJson('latent=3')).hostname).toBe('aelab-test-host-that-is-gone');

    const reclaimed = await runCli(['run', spec, '--runs-dir', runsDir, '--reclaim']);
    expect(reclaimed.code, reclaimed.stderr).toBe(0);
    expect(reclaimed.stderr).toContain(
      `[latent=3] rerunning (earlier attempt running, kept in ${path.join(sweepDir, 'latent=3.attempt-1')})`,
    );
    expect(reclaimed.stderr).toContain('[latent=4] running by another process, skipped');
    expect(reclaimed.stderr).toContain('[latent=2] already completed, skipped');
    const rerun = readJson(runJson('latent=3'));
    expect([rerun.status, rerun.hostname]).toEqual(['completed', os.hostname()]);
    expect(readJson(path.join(sweepDir, 'latent=3.attempt-1', 'run.json')).hostname).toBe('aelab-test-host-that-is-gone');
    expect(readJson(runJson('latent=4'))).toMatchObject({ status: 'running', pid: process.pid });
    expect(fs.readFileSync(runJson('latent=2'), 'utf8')).toBe(untouched);
  }, 120_000);
});
