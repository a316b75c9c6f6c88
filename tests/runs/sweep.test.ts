import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  createOrOpenSweep,
  claimTrial,
  releaseTrial,
  readSweep,
  updateSweepStatus,
  createRunRecord,
  planHash,
  type SweepPlan,
  type SweepJson,
} from '../../src/runs/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import { runConcurrently } from './helpers/children.ts';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-sweep-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function plan(trialNames: string[], specHash = 'spec-1'): SweepPlan {
  return { name: 'pca-vs-deep', spec_hash: specHash, trials: trialNames.map((name, i) => ({ name, overrides: { 'model.latent': i + 1 } })) };
}

function startRun(dir: string, trial: string, extra: { hostname?: string; pid?: number } = {}) {
  return createRunRecord(dir, { id: trial, name: 'pca-vs-deep', command: [], overrides: {}, versions: { node: process.version, aelab: 'test' }, ...extra });
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('createOrOpenSweep', () => {
  it('creates sweep-0001 with the plan and readable, safe trial folders', () => {
    const nameDir = path.join(tmp, 'pca-vs-deep');
    const p = plan(['kind=pca,latent=2', 'path=a/b', 'path=a_b']);
    const opened = createOrOpenSweep(nameDir, p);
    expect(opened).toMatchObject({ id: 'sweep-0001', dir: path.join(nameDir, 'sweep-0001'), created: true });
    const onDisk = JSON.parse(fs.readFileSync(path.join(opened.dir, 'sweep.json'), 'utf8')) as SweepJson;
    expect(onDisk.plan_hash).toBe(planHash(p));
    expect(onDisk.spec_hash).toBe('spec-1');
    expect(onDisk.trials.map((t) => [t.name, t.folder, t.status])).toEqual([
      ['kind=pca,latent=2', 'kind=pca,latent=2', 'pending'],
      ['path=a/b', 'path=a_b', 'pending'],
      ['path=a_b', 'path=a_b~2', 'pending'],
    ]);
    expect(onDisk.trials[0]!.overrides).toEqual({ 'model.latent': 1 });
    expect(onDisk.counts.pending).toBe(3);
  });

  it('reuses the newest sweep with the same plan; a changed plan or fresh gets a new one', () => {
    const nameDir = path.join(tmp, 'pca-vs-deep');
    expect(createOrOpenSweep(nameDir, plan(['a', 'b'])).id).toBe('sweep-0001');
    expect(createOrOpenSweep(nameDir, plan(['a', 'b'])).created).toBe(false);
    expect(createOrOpenSweep(nameDir, plan(['a', 'b'], 'spec-2')).id).toBe('sweep-0002');
    expect(createOrOpenSweep(nameDir, plan(['a', 'b']), { fresh: true }).id).toBe('sweep-0003');
    expect(createOrOpenSweep(nameDir, plan(['a', 'b']))).toMatchObject({ id: 'sweep-0003', created: false });
  });
});

describe('claimTrial', () => {
  it('claims a pending trial once; a second claim while it runs is refused', () => {
    const { dir } = createOrOpenSweep(path.join(tmp, 'n'), plan(['a']));
    const first = claimTrial(dir, 'a');
    expect(first).toEqual({ claimed: true, dir: path.join(dir, 'a') });
    expect(claimTrial(dir, 'a')).toEqual({ claimed: false, dir: path.join(dir, 'a'), reason: 'claimed' });
    const record = startRun(path.join(dir, 'a'), 'a');
    expect(claimTrial(dir, 'a')).toMatchObject({ claimed: false, reason: 'running' });
    record.complete();
    expect(claimTrial(dir, 'a')).toMatchObject({ claimed: false, reason: 'completed' });
    expect(() => claimTrial(dir, 'nope')).toThrow(/no trial named 'nope'/);
  });

  it('on a rerun skips completed trials and moves failed, interrupted and dead ones aside', () => {
    const nameDir = path.join(tmp, 'n');
    const p = plan(['done', 'failed', 'interrupted', 'dead', 'alive', 'elsewhere', 'never']);
    const { dir } = createOrOpenSweep(nameDir, p);
    for (const name of ['done', 'failed', 'interrupted', 'dead', 'alive', 'elsewhere']) expect(claimTrial(dir, name).claimed).toBe(true);
    startRun(path.join(dir, 'done'), 'done').complete();
    startRun(path.join(dir, 'failed'), 'failed').fail(new Error('boom'));
    fs.writeFileSync(path.join(dir, 'failed', 'log.jsonl'), '{"msg":"evidence"}\n');
    startRun(path.join(dir, 'interrupted'), 'interrupted').interrupt('SIGINT');
    startRun(path.join(dir, 'dead'), 'dead', { pid: deadPid() });
    startRun(path.join(dir, 'alive'), 'alive');
    startRun(path.join(dir, 'elsewhere'), 'elsewhere', { hostname: 'another-machine', pid: 1 });

    expect(updateSweepStatus(dir).counts).toMatchObject({ completed: 1, failed: 1, interrupted: 1, lost: 1, running: 2, pending: 1 });

    const again = createOrOpenSweep(nameDir, p);
    expect(again).toMatchObject({ dir, created: false });
    const results = Object.fromEntries(p.trials.map((t) => [t.name, claimTrial(dir, t.name)]));
    expect(results.done).toMatchObject({ claimed: false, reason: 'completed' });
    expect(results.alive).toMatchObject({ claimed: false, reason: 'running' });
    expect(results.elsewhere).toMatchObject({ claimed: false, reason: 'running' });
    expect(results.never).toEqual({ claimed: true, dir: path.join(dir, 'never') });
    for (const [name, status] of [['failed', 'failed'], ['interrupted', 'interrupted'], ['dead', 'lost']] as const) {
      expect(results[name]).toEqual({ claimed: true, dir: path.join(dir, name), previous: { status, movedTo: path.join(dir, `${name}.attempt-1`) } });
      expect(fs.readdirSync(path.join(dir, name))).toEqual(['.claim.json']);
    }
    // Nothing from the failed attempt is lost.
    expect(fs.readFileSync(path.join(dir, 'failed.attempt-1', 'log.jsonl'), 'utf8')).toContain('evidence');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'failed.attempt-1', 'run.json'), 'utf8')).status).toBe('failed');

    // A second failure goes to attempt-2; attempts are counted.
    startRun(path.join(dir, 'failed'), 'failed').fail(new Error('again'));
    expect(claimTrial(dir, 'failed')).toMatchObject({ claimed: true, previous: { movedTo: path.join(dir, 'failed.attempt-2') } });
    const trial = readSweep(dir).trials.find((t) => t.name === 'failed')!;
    expect(trial).toMatchObject({ status: 'claimed', attempts: 3 });

    // A run on another machine is only taken over when asked to.
    expect(claimTrial(dir, 'elsewhere', { reclaimForeign: true })).toMatchObject({ claimed: true, previous: { status: 'running' } });
  });

  it('releases a claim that never started, and nothing else', () => {
    const { dir } = createOrOpenSweep(path.join(tmp, 'n'), plan(['a', 'b']));
    const a = claimTrial(dir, 'a');
    expect(releaseTrial(a.dir)).toBe(true);
    expect(fs.existsSync(a.dir)).toBe(false);
    expect(claimTrial(dir, 'a').claimed).toBe(true);
    const b = claimTrial(dir, 'b');
    startRun(b.dir, 'b');
    expect(releaseTrial(b.dir)).toBe(false);
    expect(fs.existsSync(path.join(b.dir, 'run.json'))).toBe(true);
  });

  it('reports a damaged sweep.json as a user error naming the file', () => {
    const { dir } = createOrOpenSweep(path.join(tmp, 'n'), plan(['a']));
    fs.writeFileSync(path.join(dir, 'sweep.json'), '{oops');
    expect(() => claimTrial(dir, 'a')).toThrow(UserError);
    expect(() => readSweep(dir)).toThrow(/sweep\.json/);
  });

  it('breaks a lock left by a dead process', () => {
    const { dir } = createOrOpenSweep(path.join(tmp, 'n'), plan(['a']));
    fs.writeFileSync(path.join(dir, '.sweep.lock'), JSON.stringify({ pid: deadPid(), hostname: os.hostname(), acquired_at: new Date().toISOString() }));
    expect(claimTrial(dir, 'a', { lock: { timeoutMs: 2000 } }).claimed).toBe(true);
    expect(fs.existsSync(path.join(dir, '.sweep.lock'))).toBe(false);
  });

  it('gives up on a live lock with a message saying which file to delete', () => {
    const { dir } = createOrOpenSweep(path.join(tmp, 'n'), plan(['a']));
    fs.writeFileSync(path.join(dir, '.sweep.lock'), JSON.stringify({ pid: process.pid, hostname: os.hostname(), acquired_at: new Date().toISOString() }));
    expect(() => claimTrial(dir, 'a', { lock: { timeoutMs: 100 } })).toThrow(/\.sweep\.lock.*delete that file/);
  });

  it('two shard processes starting together share one sweep and run every trial exactly once', async () => {
    const nameDir = path.join(tmp, 'pca-vs-deep');
    const trials = Array.from({ length: 12 }, (_, i) => `kind=${i % 2 ? 'deep' : 'pca'},latent=${2 ** (1 + (i >> 1))}`);
    const planFile = path.join(tmp, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(plan(trials)));
    const outputs = await runConcurrently('tests/runs/helpers/claim-child.ts', [[nameDir, planFile], [nameDir, planFile]], path.join(tmp, 'sync'));
    const results = outputs.map((o) => JSON.parse(o) as { sweepDir: string; ran: string[] });
    expect(results[0]!.sweepDir).toBe(results[1]!.sweepDir);
    expect(fs.readdirSync(nameDir).filter((n) => n.startsWith('sweep-'))).toEqual(['sweep-0001']);
    const ran = results.flatMap((r) => r.ran).sort();
    expect(ran).toEqual([...trials].sort());
    for (const name of trials) {
      expect(fs.readFileSync(path.join(results[0]!.sweepDir, name, 'runners.txt'), 'utf8').trim().split('\n')).toHaveLength(1);
    }
    const sweep = JSON.parse(fs.readFileSync(path.join(results[0]!.sweepDir, 'sweep.json'), 'utf8')) as SweepJson;
    expect(sweep.counts.completed).toBe(12);
    expect(sweep.trials.every((t) => t.status === 'completed' && t.attempts === 1)).toBe(true);
  });
});
