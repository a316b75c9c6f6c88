// Runs that die without a word: heartbeats in run.json, `lost` in every listing, and sweeps that
// take lost trials over exactly once, also when several processes race for them.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runLiveness, parseDuration, systemProbe, DEFAULT_STALE_AFTER_MS, type LivenessProbe } from '../../src/shared/liveness.ts';
import { engineIds, describeEngine } from '../../src/shared/engine.ts';
import { createRunRecord, listRuns, createOrOpenSweep, claimTrial, readSweep, type SweepPlan, type SweepJson } from '../../src/runs/index.ts';
import { takeOver, createClaimedFolder, inodeOf } from '../../src/runs/sweep.ts';
import { loadComparedRun } from '../../src/compare/index.ts';
import { runConcurrently } from './helpers/children.ts';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-live-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const NOW = Date.parse('2026-01-01T12:00:00Z');
const probe = (over: Partial<LivenessProbe> = {}): LivenessProbe => ({
  now: NOW,
  staleAfterMs: 10 * 60_000,
  isPidAlive: (pid) => pid === 100,
  hostname: 'here',
  ...over,
});
const ago = (ms: number) => new Date(NOW - ms).toISOString();

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runLiveness', () => {
  it('is lost when the owner on this host is gone, or the heartbeat is older than stale-after', () => {
    expect(runLiveness({ hostname: 'here', pid: 100, heartbeat_at: ago(1000) }, probe())).toBe('running');
    expect(runLiveness({ hostname: 'here', pid: 101, heartbeat_at: ago(1000) }, probe())).toBe('lost');
    // Another machine: only the heartbeat can tell (the pid means nothing here).
    expect(runLiveness({ hostname: 'node-7', pid: 101, heartbeat_at: ago(9 * 60_000) }, probe())).toBe('running');
    expect(runLiveness({ hostname: 'node-7', pid: 100, heartbeat_at: ago(11 * 60_000) }, probe())).toBe('lost');
    // A reused pid on this host: alive, but the heartbeat stopped long ago.
    expect(runLiveness({ hostname: 'here', pid: 100, heartbeat_at: ago(11 * 60_000) }, probe())).toBe('lost');
    // --stale-after moves the line.
    expect(runLiveness({ hostname: 'node-7', pid: 1, heartbeat_at: ago(5_000) }, probe({ staleAfterMs: 2_000 }))).toBe('lost');
    // Written before heartbeats existed, on another machine: cannot be judged, so not lost.
    expect(runLiveness({ hostname: 'node-7', pid: 1 }, probe())).toBe('running');
    expect(runLiveness({ hostname: 'here', pid: 101 }, probe())).toBe('lost');
    expect(runLiveness({ hostname: 'node-7', heartbeat_at: 'not a time' }, probe())).toBe('running');
  });

  it('checks real processes on this machine', () => {
    const live = systemProbe();
    expect(live.staleAfterMs).toBe(DEFAULT_STALE_AFTER_MS);
    expect(runLiveness({ hostname: os.hostname(), pid: process.pid, heartbeat_at: new Date().toISOString() }, live)).toBe('running');
    expect(runLiveness({ hostname: os.hostname(), pid: deadPid(), heartbeat_at: new Date().toISOString() }, live)).toBe('lost');
  });

  it('reads --stale-after durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('5min')).toBe(300_000);
    for (const bad of ['', 'abc', '-5s', '0', '10 minutes', '1e3s']) expect(parseDuration(bad), bad).toBeNull();
  });
});

describe('engine ids', () => {
  it('records Slurm array tasks and Kubernetes pods, and nothing outside them', () => {
    expect(engineIds({ HOSTNAME: 'laptop', PATH: '/bin' })).toBeNull();
    const slurm = engineIds({ SLURM_JOB_ID: '815', SLURM_ARRAY_JOB_ID: '812', SLURM_ARRAY_TASK_ID: '3', SLURMD_NODENAME: 'node-7', HOSTNAME: 'node-7' });
    expect(slurm).toEqual({ slurm: { job_id: '815', array_job_id: '812', array_task_id: '3', node: 'node-7' } });
    expect(describeEngine(slurm)).toBe('Slurm job 812_3 (job id 815) on node-7');
    expect(describeEngine(engineIds({ SLURM_JOB_ID: '77' }))).toBe('Slurm job 77');
    const pod = engineIds({ KUBERNETES_SERVICE_HOST: '10.0.0.1', HOSTNAME: 'sweep-2-x7k', JOB_COMPLETION_INDEX: '2' });
    expect(pod).toEqual({ kubernetes: { pod: 'sweep-2-x7k', job_completion_index: '2' } });
    expect(describeEngine(pod)).toBe('Kubernetes pod sweep-2-x7k (completion index 2)');
  });
});

function startRun(dir: string, extra: Record<string, unknown> = {}, options: Parameters<typeof createRunRecord>[2] = {}) {
  return createRunRecord(dir, { id: path.basename(dir), name: 'demo', command: [], overrides: {}, versions: { node: process.version, aelab: 'test' }, ...extra }, options);
}
const readRun = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;

describe('heartbeat in run.json', () => {
  it('records host, pid, engine and a heartbeat that a timer keeps fresh without clearing any field', async () => {
    const dir = path.join(tmp, 'demo', '0001');
    const record = startRun(dir, { backend: { name: 'cpu' } }, { heartbeatMs: 40, env: { SLURM_JOB_ID: '9', SLURM_ARRAY_JOB_ID: '8', SLURM_ARRAY_TASK_ID: '1' } });
    const first = readRun(dir);
    expect(first).toMatchObject({ status: 'running', hostname: os.hostname(), pid: process.pid, engine: { slurm: { job_id: '9', array_job_id: '8', array_task_id: '1' } } });
    expect(typeof first.heartbeat_at).toBe('string');
    record.update({ stage: 'train', shard: { index: 1, count: 4 } });
    record.update({ stage: undefined, backend: undefined }); // an update never deletes a key
    const beat = readRun(dir).heartbeat_at as string;
    await sleep(200);
    const later = readRun(dir);
    expect(Date.parse(later.heartbeat_at as string)).toBeGreaterThan(Date.parse(beat));
    expect(later).toMatchObject({ stage: 'train', backend: { name: 'cpu' }, shard: { index: 1, count: 4 }, started_at: first.started_at });
    record.heartbeat();
    record.complete();
    const done = readRun(dir);
    await sleep(150);
    // Finished: the timer stopped, the record is as complete() left it.
    expect(readRun(dir)).toEqual(done);
    expect(done.status).toBe('completed');
  });

  it('stops writing once its folder was taken over (moved aside), and says so once', () => {
    const dir = path.join(tmp, 'sweep', 'trial');
    let calls = 0;
    const record = startRun(dir, {}, { heartbeatMs: 0, onTakenOver: () => calls++ });
    fs.renameSync(dir, `${dir}.attempt-1`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'run.json'), '{"owner":"the new attempt"}');
    record.update({ stage: 'evaluate' });
    record.heartbeat();
    record.fail(new Error('late'));
    expect(record.takenOver).toBe(true);
    expect(calls).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).toBe('{"owner":"the new attempt"}');
    expect(readRun(`${dir}.attempt-1`).status).toBe('running');
  });
});

describe('lost runs in listings', () => {
  it('listRuns and compare say lost for a dead owner or an old heartbeat, running otherwise', () => {
    const runs = path.join(tmp, 'runs');
    const now = Date.now();
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const write = (rel: string, run: Record<string, unknown>) => {
      fs.mkdirSync(path.join(runs, rel), { recursive: true });
      fs.writeFileSync(path.join(runs, rel, 'run.json'), JSON.stringify({ id: path.basename(rel), name: 'demo', command: [], overrides: {}, versions: {}, cpus: 1, started_at: iso(3_600_000), ...run }));
    };
    write('demo/0001', { status: 'running', hostname: os.hostname(), pid: process.pid, heartbeat_at: iso(1000) });
    write('demo/0002', { status: 'running', hostname: os.hostname(), pid: deadPid(), heartbeat_at: iso(1000) });
    write('demo/0003', { status: 'running', hostname: 'node-7', pid: 1, heartbeat_at: iso(20 * 60_000), engine: { slurm: { array_job_id: '812', array_task_id: '3' } }, shard: { index: 3, count: 4 } });
    write('demo/0004', { status: 'running', hostname: 'node-7', pid: 1, heartbeat_at: iso(60_000) });
    write('demo/0005', { status: 'completed', hostname: 'node-7', pid: 1, heartbeat_at: iso(20 * 60_000) });

    const listed = listRuns(runs);
    expect(listed.map((r) => r.status)).toEqual(['running', 'lost', 'lost', 'running', 'completed']);
    expect(listed[2]).toMatchObject({ host: 'node-7', engine: 'Slurm job 812_3', shard: '3/4' });
    // A shorter --stale-after makes the one-minute-old heartbeat lost too.
    const strict = listRuns(runs, { probe: systemProbe(30_000) });
    expect(strict.map((r) => r.status)).toEqual(['running', 'lost', 'lost', 'lost', 'completed']);
    // compare's status column agrees.
    expect(['0001', '0002', '0003', '0004'].map((id) => loadComparedRun(path.join(runs, 'demo', id), systemProbe()).status)).toEqual(['running', 'lost', 'lost', 'running']);
  });
});

function plan(trialNames: string[]): SweepPlan {
  return { name: 'grid', spec_hash: 'spec-1', trials: trialNames.map((name, i) => ({ name, overrides: { 'model.latent': i + 1 } })) };
}

/** A sweep whose every trial was running on node-7 until its heartbeat stopped an hour ago. */
function sweepOfLostTrials(nameDir: string, names: string[]): string {
  const { dir } = createOrOpenSweep(nameDir, plan(names));
  for (const name of names) {
    const trialDir = path.join(dir, name);
    fs.mkdirSync(trialDir);
    fs.writeFileSync(path.join(trialDir, 'log.jsonl'), '{"msg":"what the lost attempt did"}\n');
    fs.writeFileSync(
      path.join(trialDir, 'run.json'),
      JSON.stringify({ id: name, name: 'grid', status: 'running', hostname: 'node-7', pid: 4242, started_at: new Date(Date.now() - 7_200_000).toISOString(), heartbeat_at: new Date(Date.now() - 3_600_000).toISOString(), command: [], overrides: {}, versions: {}, cpus: 1 }),
    );
  }
  return dir;
}

describe('sweeps take over lost trials', () => {
  it('without --reclaim: a trial whose owner stopped beating is moved aside and claimed; a live one is not', () => {
    const nameDir = path.join(tmp, 'grid');
    const dir = sweepOfLostTrials(nameDir, ['lost', 'fresh', 'claim-lost', 'claim-fresh']);
    const beat = (name: string, at: string) => {
      const file = path.join(dir, name, 'run.json');
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), heartbeat_at: at }));
    };
    beat('fresh', new Date().toISOString());
    for (const [name, age] of [['claim-lost', 3_600_000], ['claim-fresh', 1000]] as const) {
      fs.rmSync(path.join(dir, name), { recursive: true });
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, '.claim.json'), JSON.stringify({ pid: 4242, hostname: 'node-7', claimed_at: new Date(Date.now() - age).toISOString() }));
    }
    expect(readSweep(dir).counts).toMatchObject({ lost: 2, running: 1, claimed: 1 });

    expect(claimTrial(dir, 'fresh')).toMatchObject({ claimed: false, reason: 'running' });
    expect(claimTrial(dir, 'claim-fresh')).toMatchObject({ claimed: false, reason: 'claimed' });
    expect(claimTrial(dir, 'lost')).toEqual({ claimed: true, dir: path.join(dir, 'lost'), previous: { status: 'lost', movedTo: path.join(dir, 'lost.attempt-1') } });
    expect(claimTrial(dir, 'claim-lost')).toMatchObject({ claimed: true, previous: { status: 'lost', movedTo: path.join(dir, 'claim-lost.attempt-1') } });
    // The lost attempt is kept whole, with a note of who took it over.
    expect(fs.readFileSync(path.join(dir, 'lost.attempt-1', 'log.jsonl'), 'utf8')).toContain('what the lost attempt did');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lost.attempt-1', '.takeover.json'), 'utf8'))).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    expect(fs.readdirSync(path.join(dir, 'lost'))).toEqual(['.claim.json']);
    // A shorter --stale-after takes the one-second-old claim too.
    expect(claimTrial(dir, 'claim-fresh', { probe: systemProbe(500) })).toMatchObject({ claimed: true, previous: { status: 'lost' } });
  });

  it('a takeover left half-done by a crashed process does not block the trial forever', () => {
    const dir = sweepOfLostTrials(path.join(tmp, 'grid'), ['t']);
    fs.writeFileSync(path.join(dir, 't', '.takeover.json'), JSON.stringify({ pid: deadPid(), hostname: os.hostname(), claimed_at: new Date().toISOString() }));
    expect(claimTrial(dir, 't')).toMatchObject({ claimed: true, previous: { status: 'lost', movedTo: path.join(dir, 't.attempt-1') } });
    // A takeover in progress by a live process is left alone.
    const dir2 = sweepOfLostTrials(path.join(tmp, 'grid2'), ['t']);
    fs.writeFileSync(path.join(dir2, 't', '.takeover.json'), JSON.stringify({ pid: process.pid, hostname: os.hostname(), claimed_at: new Date().toISOString() }));
    expect(claimTrial(dir2, 't')).toMatchObject({ claimed: false, reason: 'claimed' });
  });

  it('three shards racing for the same lost trials run each exactly once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `latent=${i + 1}`);
    const nameDir = path.join(tmp, 'grid');
    const sweepDir = sweepOfLostTrials(nameDir, names);
    const planFile = path.join(tmp, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(plan(names)));
    const outputs = await runConcurrently('tests/runs/helpers/claim-child.ts', [0, 1, 2].map(() => [nameDir, planFile]), path.join(tmp, 'sync'));
    const ran = outputs.flatMap((o) => (JSON.parse(o) as { ran: string[] }).ran).sort();
    expect(ran).toEqual([...names].sort());
    for (const name of names) {
      expect(fs.readFileSync(path.join(sweepDir, name, 'runners.txt'), 'utf8').trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(path.join(sweepDir, `${name}.attempt-1`, 'log.jsonl'))).toBe(true);
      expect(fs.existsSync(path.join(sweepDir, `${name}.attempt-2`))).toBe(false);
    }
    const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as SweepJson;
    expect(sweep.trials.every((t) => t.status === 'completed' && t.attempts === 2)).toBe(true);
    // Nothing half-made is left behind: no private claim folders, no stray markers in the new trials.
    expect(fs.readdirSync(sweepDir).filter((n) => n.includes('.claim-'))).toEqual([]);
    for (const name of names) expect(fs.existsSync(path.join(sweepDir, name, '.takeover.json'))).toBe(false);
  }, 60_000);

  // The sweep lock serialises claims; should it ever be broken while held (it is broken only when
  // its owner looks dead), the file system alone must still keep a trial to one process. The
  // interleavings that matter, step by step:
  it('without the lock: a process that judged a folder later replaced by a new claim leaves that claim alone', () => {
    const dir = sweepOfLostTrials(path.join(tmp, 'grid'), ['t']);
    const trialDir = path.join(dir, 't');
    const judgedByB = inodeOf(trialDir)!; // B looks: lost
    // A takes it over completely in the meantime.
    expect(takeOver(dir, 't', inodeOf(trialDir)!, systemProbe())).toBe(path.join(dir, 't.attempt-1'));
    expect(createClaimedFolder(trialDir)).toBe(true);
    const claimOfA = fs.readFileSync(path.join(trialDir, '.claim.json'), 'utf8');
    // B goes on with what it judged: it must neither move A's folder nor put its own in place.
    expect(takeOver(dir, 't', judgedByB, systemProbe())).toBeNull();
    expect(createClaimedFolder(trialDir)).toBe(false);
    expect(fs.readdirSync(trialDir)).toEqual(['.claim.json']);
    expect(fs.readFileSync(path.join(trialDir, '.claim.json'), 'utf8')).toBe(claimOfA);
    expect(fs.existsSync(path.join(dir, 't.attempt-2'))).toBe(false);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.claim-'))).toEqual([]);
  });

  it('without the lock: of two processes moving the same lost folder, one wins', () => {
    const dir = sweepOfLostTrials(path.join(tmp, 'grid'), ['t']);
    const trialDir = path.join(dir, 't');
    const judged = inodeOf(trialDir)!;
    // B has created its marker and is about to rename (it is alive: this very process).
    fs.writeFileSync(path.join(trialDir, '.takeover.json'), JSON.stringify({ pid: process.pid, hostname: os.hostname(), claimed_at: new Date().toISOString() }));
    expect(takeOver(dir, 't', judged, systemProbe())).toBeNull();
    expect(fs.existsSync(path.join(dir, 't.attempt-1'))).toBe(false);
  });
});
