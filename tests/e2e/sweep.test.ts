// Sweeps through the real CLI: resuming skips completed trials, failures are listed and rerun,
// shards into one folder run every trial exactly once, worker processes, and compare on the result.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

const sweepSpec = (grid: string) => `${tinyDeepSpec.replace('epochs: 2', 'epochs: 1')}
sweep:
  grid:
${grid}
`;

function trialFolders(sweepDir: string): string[] {
  return fs.readdirSync(sweepDir).filter((f) => fs.statSync(path.join(sweepDir, f)).isDirectory()).sort();
}

describe('aelab run on a sweep spec', () => {
  it('runs every trial, then a rerun skips the completed ones', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'grid', sweepSpec('    model.kind: [pca, deep]\n    model.latent: [2, 3]'));
    const runsDir = path.join(dir, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(first.code, first.stderr).toBe(0);
    const sweepDir = path.join(runsDir, 'grid', 'sweep-0001');
    expect(first.stdout.trim().split('\n').at(-1)).toBe(sweepDir);
    expect(trialFolders(sweepDir)).toEqual(['kind=deep,latent=2', 'kind=deep,latent=3', 'kind=pca,latent=2', 'kind=pca,latent=3']);
    const sweep = readJson<{ trials: { name: string; status: string }[] }>(path.join(sweepDir, 'sweep.json'));
    expect(sweep.trials.map((t) => t.name)).toEqual(['kind=pca,latent=2', 'kind=pca,latent=3', 'kind=deep,latent=2', 'kind=deep,latent=3']);
    expect(sweep.trials.every((t) => t.status === 'completed')).toBe(true);
    const pcaRun = readJson<{ spec: { model: { kind: string; latent: number } } }>(path.join(sweepDir, 'kind=pca,latent=3', 'resolved.json'));
    expect(pcaRun.spec.model).toMatchObject({ kind: 'pca', latent: 3 });
    const started = readJson(path.join(sweepDir, 'kind=deep,latent=3', 'run.json')).started_at;

    const second = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('4 already completed');
    expect(second.stderr.match(/already completed, skipped/g)).toHaveLength(4);
    expect(fs.existsSync(path.join(runsDir, 'grid', 'sweep-0002'))).toBe(false);
    expect(readJson(path.join(sweepDir, 'kind=deep,latent=3', 'run.json')).started_at).toBe(started);

    // compare on the sweep: csv has a header and one line per trial; the differing keys are columns.
    const cmp = await runCli(['compare', sweepDir, '--format', 'csv']);
    expect(cmp.code, cmp.stderr).toBe(0);
    const lines = cmp.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run,status,model\.kind,model\.latent,test_mse,/);
    expect(lines).toHaveLength(5);
    // csv is for a pipe: no compare.html unless --out asks; the table writes it into the sweep folder.
    expect(fs.existsSync(path.join(sweepDir, 'compare.html'))).toBe(false);
    expect(cmp.stderr).not.toContain('wrote');
    const table = await runCli(['compare', sweepDir]);
    expect(table.code, table.stderr).toBe(0);
    expect(fs.existsSync(path.join(sweepDir, 'compare.html'))).toBe(true);
    expect(fs.existsSync(path.join(sweepDir, 'compare-mse-latent.png'))).toBe(true);
  }, 120_000);

  it('keeps going past a failed trial, lists it, exits 1, and reruns only it next time', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'diverge', sweepSpec('    train.learning_rate: [0.001, 1.0e+9]'));
    const runsDir = path.join(dir, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/failed: learning_rate=1000000000/);
    const sweepDir = path.join(runsDir, 'diverge', 'sweep-0001');
    expect(readJson(path.join(sweepDir, 'learning_rate=0.001', 'run.json')).status).toBe('completed');
    const failed = readJson<{ status: string; error: { message: string } }>(path.join(sweepDir, 'learning_rate=1000000000', 'run.json'));
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(/epoch 1.*batch/i);

    const second = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('[learning_rate=0.001] already completed, skipped');
    // The failed attempt is moved aside, never deleted.
    expect(fs.existsSync(path.join(sweepDir, 'learning_rate=1000000000.attempt-1', 'run.json'))).toBe(true);
  }, 120_000);

  it('runs every trial exactly once when two shards share one runs folder, and in worker processes', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'sharded', sweepSpec('    model.kind: [pca, deep]\n    model.latent: [2, 3, 4]'));
    const runsDir = path.join(dir, 'runs');
    const [a, b] = await Promise.all([
      runCli(['run', spec, '--runs-dir', runsDir, '--shard', '0/2']),
      runCli(['run', spec, '--runs-dir', runsDir, '--shard', '1/2', '--jobs', '2']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(fs.readdirSync(path.join(runsDir, 'sharded')).filter((f) => f.startsWith('sweep-'))).toEqual(['sweep-0001']);
    const sweepDir = path.join(runsDir, 'sharded', 'sweep-0001');
    const folders = trialFolders(sweepDir);
    expect(folders).toHaveLength(6);
    expect(folders.some((f) => f.includes('.attempt-'))).toBe(false);
    const pids = new Set<number>();
    for (const f of folders) {
      const run = readJson<{ status: string; pid: number }>(path.join(sweepDir, f, 'run.json'));
      expect(run.status, f).toBe('completed');
      pids.add(run.pid);
    }
    // Shard 0 runs in its own process; shard 1's three trials run in two worker processes.
    expect(pids.size).toBeGreaterThanOrEqual(2);
    const printed = [...a.stdout.trim().split('\n').slice(0, -1), ...b.stdout.trim().split('\n').slice(0, -1)];
    expect(new Set(printed).size).toBe(6);
  }, 180_000);

  it('reports every invalid trial before anything runs', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'bad', sweepSpec('    model.latent: [2, -1, 0]'));
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/latent=-1/);
    expect(res.stderr).toMatch(/latent=0/);
    expect(fs.existsSync(runsDir)).toBe(false);
  });

  it('marks the trials of every job interrupted when only the parent gets SIGINT', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'stop', sweepSpec('    seed: [1, 2]').replace('epochs: 1', 'epochs: 500').replace('limit: 300', 'limit: 2000'));
    const runsDir = path.join(dir, 'runs');
    let sent = false;
    let seen = 0;
    const res = await runCli(['run', spec, '--runs-dir', runsDir, '--jobs', '2'], {
      onStderr: (chunk, child) => {
        seen += (chunk.match(/epoch 1\//g) ?? []).length;
        if (!sent && seen >= 2) {
          sent = true;
          child.kill('SIGINT'); // the parent only, as `kill -INT <pid>` would
        }
      },
    });
    expect(sent, res.stderr).toBe(true);
    expect(res.code).toBe(130);
    const sweepDir = path.join(runsDir, 'stop', 'sweep-0001');
    const runs = ['seed=1', 'seed=2'].map((t) => readJson<{ status: string; pid: number; train_workers: { workers: number; reason: string } }>(path.join(sweepDir, t, 'run.json')));
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted']);
    expect(runs[0]!.pid).not.toBe(runs[1]!.pid);
    // Both jobs, the parent's and the worker process's, leave the cores to each other: jobs × train
    // threads never exceeds the cores (train.workers defaults to auto, which divides the cores
    // among the jobs, or keeps a step this small on one thread — tests/train/workers-setting.test.ts
    // covers the rule).
    const cores = os.availableParallelism();
    for (const r of runs) {
      expect(r.train_workers.workers * 2).toBeLessThanOrEqual(Math.max(2, cores));
      expect(r.train_workers.reason).toMatch(/jobs share|too small to gain|auto: /);
    }
  }, 120_000);
});
