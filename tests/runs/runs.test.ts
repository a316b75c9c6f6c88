import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  allocateRunDir,
  allocateNumberedDir,
  safeRunPath,
  safeFolderName,
  createRunRecord,
  gitInfo,
  updateLatest,
  readLatest,
  listRuns,
  type RunJsonInit,
} from '../../src/runs/index.ts';
import { UserError, InterruptedError } from '../../src/shared/errors.ts';
import { runConcurrently } from './helpers/children.ts';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-runs-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

function init(overrides: Partial<RunJsonInit> = {}): RunJsonInit {
  return { id: '0001', name: 'demo', command: ['run', 'demo.yaml'], overrides: {}, versions: { node: process.version, aelab: '0.1.0' }, ...overrides };
}

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeRun(dir: string, run: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  for (const [file, value] of Object.entries(extra)) fs.writeFileSync(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value));
}

describe('allocateRunDir', () => {
  it('counts up from 0001 and makes the folder', () => {
    const parent = path.join(tmp, 'runs', 'demo');
    expect(allocateRunDir(parent).id).toBe('0001');
    const second = allocateRunDir(parent);
    expect(second).toEqual({ id: '0002', dir: path.join(parent, '0002') });
    expect(fs.statSync(second.dir).isDirectory()).toBe(true);
  });

  it('refuses a runs folder that is a file with a one-line UserError naming it', () => {
    const file = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    for (const allocate of [() => allocateRunDir(path.join(file, 'demo')), () => allocateNumberedDir(path.join(file, 'demo'), 'sweep-')]) {
      expect(allocate).toThrow(UserError);
      expect(allocate).toThrow(/not-a-folder is a file, not a folder.*--runs-dir/);
    }
  });

  it('continues after the largest id, grows past 9999 and ignores other names', () => {
    for (const name of ['0003', '9999', 'latest-notes', 'sweep-0042', '12ab']) fs.mkdirSync(path.join(tmp, name));
    expect(allocateRunDir(tmp).id).toBe('10000');
    expect(allocateRunDir(tmp).id).toBe('10001');
    expect(allocateNumberedDir(tmp, 'sweep-').id).toBe('sweep-0043');
  });

  it('gives three concurrent processes distinct folders', async () => {
    const parent = path.join(tmp, 'runs', 'same-spec');
    const outputs = await runConcurrently('tests/runs/helpers/allocate-child.ts', [[parent, '8'], [parent, '8'], [parent, '8']], path.join(tmp, 'sync'));
    const ids = outputs.flatMap((o) => JSON.parse(o) as string[]);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    expect(fs.readdirSync(parent).sort()).toEqual(Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(4, '0')));
  });
});

describe('safeRunPath and safeFolderName', () => {
  it('joins plain names inside the runs dir', () => {
    expect(safeRunPath(tmp, 'demo', '0001')).toBe(path.join(tmp, 'demo', '0001'));
  });
  for (const bad of ['../x', '..', '.', '/etc', 'a/b', 'a\\b', '', 'nul\0']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => safeRunPath(tmp, 'demo', bad)).toThrow(UserError);
    });
  }
  it('makes trial names into safe folder names', () => {
    expect(safeFolderName('kind=pca,latent=8')).toBe('kind=pca,latent=8');
    expect(safeFolderName('a/b c:d')).toBe('a_b_c_d');
    expect(safeFolderName('../up')).toBe('_.._up');
    expect(safeFolderName('-rf')).toBe('_-rf');
    const long = safeFolderName('x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long).not.toBe(safeFolderName('x'.repeat(301)));
  });
});

describe('run record lifecycle', () => {
  it('writes running at once, then completed with finish time and duration', () => {
    const dir = path.join(tmp, '0001');
    const record = createRunRecord(dir, init());
    const first = readJson(path.join(dir, 'run.json'));
    expect(first).toMatchObject({ id: '0001', name: 'demo', status: 'running', pid: process.pid, hostname: os.hostname() });
    expect(typeof first.cpus).toBe('number');
    expect(first.finished_at).toBeUndefined();

    record.update({ spec_hash: 'abc' });
    expect(readJson(path.join(dir, 'run.json')).spec_hash).toBe('abc');

    record.complete({ backend: { name: 'cpu', reason: 'test', tfjs_version: '4.22.0' } });
    const done = readJson(path.join(dir, 'run.json'));
    expect(done.status).toBe('completed');
    expect(Date.parse(done.finished_at as string)).toBeGreaterThanOrEqual(Date.parse(done.started_at as string));
    expect(done.duration_seconds).toBeGreaterThanOrEqual(0);
    expect(done.backend).toEqual({ name: 'cpu', reason: 'test', tfjs_version: '4.22.0' });
    expect(record.finished).toBe(true);

    // The first ending wins: a late failure does not overwrite a completed run.
    record.fail(new Error('late'));
    expect(readJson(path.join(dir, 'run.json')).status).toBe('completed');
  });

  it('records a user mistake without a stack and a bug with one', () => {
    const userDir = path.join(tmp, 'user');
    createRunRecord(userDir, init()).fail(new UserError([{ file: 'spec.yaml', line: 3, path: 'model.latent', message: 'must be ≥ 1' }]));
    const user = readJson(path.join(userDir, 'run.json'));
    expect(user.status).toBe('failed');
    expect(user.error).toMatchObject({ kind: 'user', message: 'spec.yaml:3  model.latent  must be ≥ 1' });
    expect((user.error as Record<string, unknown>).stack).toBeUndefined();

    const bugDir = path.join(tmp, 'bug');
    createRunRecord(bugDir, init()).fail(new TypeError('x is undefined'));
    const bug = readJson(path.join(bugDir, 'run.json'));
    expect(bug.error).toMatchObject({ kind: 'internal', message: 'x is undefined' });
    expect((bug.error as Record<string, unknown>).stack).toContain('TypeError');
  });

  it('marks interrupted runs, also when failed with an InterruptedError', () => {
    const a = path.join(tmp, 'a');
    createRunRecord(a, init()).interrupt('SIGINT');
    expect(readJson(path.join(a, 'run.json'))).toMatchObject({ status: 'interrupted', signal: 'SIGINT' });
    const b = path.join(tmp, 'b');
    createRunRecord(b, init()).fail(new InterruptedError('SIGTERM'));
    expect(readJson(path.join(b, 'run.json'))).toMatchObject({ status: 'interrupted', signal: 'SIGTERM' });
    expect(readJson(path.join(b, 'run.json')).error).toBeUndefined();
  });
});

describe('gitInfo', () => {
  it('is null outside a repository', () => {
    expect(gitInfo(tmp)).toBeNull();
  });
  it('gives the commit and whether tracked files changed', () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: tmp, stdio: 'pipe' });
    git('init', '-q');
    fs.writeFileSync(path.join(tmp, 'a.txt'), 'one');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'first');
    const clean = gitInfo(tmp);
    expect(clean?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(clean?.dirty).toBe(false);
    fs.writeFileSync(path.join(tmp, 'untracked.txt'), 'x');
    expect(gitInfo(tmp)?.dirty).toBe(false);
    fs.writeFileSync(path.join(tmp, 'a.txt'), 'two');
    expect(gitInfo(tmp)?.dirty).toBe(true);
  });
});

describe('updateLatest', () => {
  it('links the newest completed run and never moves back', () => {
    const nameDir = path.join(tmp, 'demo');
    writeRun(path.join(nameDir, '0001'), { id: '0001', name: 'demo', status: 'completed' });
    writeRun(path.join(nameDir, '0002'), { id: '0002', name: 'demo', status: 'running' });
    writeRun(path.join(nameDir, '0003'), { id: '0003', name: 'demo', status: 'completed' });

    updateLatest(nameDir, '0003');
    expect(fs.readlinkSync(path.join(nameDir, 'latest'))).toBe('0003');
    expect(readJson(path.join(nameDir, 'latest', 'run.json')).id).toBe('0003');

    // 0001 finishing late must not pull latest back.
    updateLatest(nameDir, '0001');
    expect(readLatest(nameDir)).toBe('0003');

    writeRun(path.join(nameDir, '0004'), { id: '0004', name: 'demo', status: 'completed' });
    updateLatest(nameDir, '0004');
    expect(readLatest(nameDir)).toBe('0004');
    expect(fs.readdirSync(nameDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('skips newer runs that did not complete', () => {
    const nameDir = path.join(tmp, 'demo');
    writeRun(path.join(nameDir, '0001'), { id: '0001', name: 'demo', status: 'completed' });
    writeRun(path.join(nameDir, '0002'), { id: '0002', name: 'demo', status: 'failed' });
    updateLatest(nameDir, '0001');
    expect(readLatest(nameDir)).toBe('0001');
  });

  it('refuses to replace a real folder named latest', () => {
    const nameDir = path.join(tmp, 'demo');
    writeRun(path.join(nameDir, '0001'), { id: '0001', name: 'demo', status: 'completed' });
    fs.mkdirSync(path.join(nameDir, 'latest', 'keep'), { recursive: true });
    expect(() => updateLatest(nameDir, '0001')).toThrow(UserError);
    expect(fs.existsSync(path.join(nameDir, 'latest', 'keep'))).toBe(true);
  });
});

describe('listRuns', () => {
  it('lists runs and sweep trials and skips garbage', () => {
    const runs = path.join(tmp, 'runs');
    writeRun(
      path.join(runs, 'demo', '0001'),
      { id: '0001', name: 'demo', status: 'completed', started_at: '2024-01-01T00:00:00.000Z', spec_hash: 'h1' },
      { 'resolved.json': { spec: { model: { kind: 'pca', latent: 2 } }, hash: 'h1' }, 'metrics.json': { test_mse: 0.05 } },
    );
    writeRun(path.join(runs, 'demo', '0002'), { id: '0002', name: 'demo', status: 'running', hostname: os.hostname(), pid: deadPid() }, { 'metrics.json': '{"test_mse": ' });
    fs.symlinkSync('0001', path.join(runs, 'demo', 'latest'));
    writeRun(
      path.join(runs, 'sw', 'sweep-0001', 'kind=deep,latent=8'),
      { id: 'kind=deep,latent=8', name: 'sw', status: 'failed', sweep: { dir: 'sweep-0001', trial: 'kind=deep,latent=8' }, error: { message: 'train.learning_rate  training diverged', kind: 'user' } },
      { 'resolved.json': { spec: { model: { kind: 'deep', latent: 8 } } } },
    );
    writeRun(path.join(runs, 'sw', 'sweep-0001', 'kind=deep,latent=8.attempt-1'), { id: 'kind=deep,latent=8', name: 'sw', status: 'interrupted' });
    fs.writeFileSync(path.join(runs, 'sw', 'sweep-0001', 'sweep.json'), '{}');
    // Garbage: an empty (half-written) run.json, invalid JSON, a run.json that is not a run, a stray file, an empty folder.
    writeRun(path.join(runs, 'junk', 'a'), {});
    fs.writeFileSync(path.join(runs, 'junk', 'a', 'run.json'), '');
    writeRun(path.join(runs, 'junk', 'b'), {});
    fs.writeFileSync(path.join(runs, 'junk', 'b', 'run.json'), '{not json');
    writeRun(path.join(runs, 'junk', 'c'), { id: 3, status: 'weird' });
    fs.writeFileSync(path.join(runs, 'junk', 'notes.txt'), 'hello');
    fs.mkdirSync(path.join(runs, 'junk', 'empty'));

    const listed = listRuns(runs);
    expect(listed.map((r) => r.path)).toEqual([
      'demo/0001',
      'demo/0002',
      'sw/sweep-0001/kind=deep,latent=8',
      'sw/sweep-0001/kind=deep,latent=8.attempt-1',
    ]);
    expect(listed[0]).toMatchObject({ name: 'demo', id: '0001', status: 'completed', kind: 'pca', latent: 2, test_mse: 0.05, started_at: '2024-01-01T00:00:00.000Z', attempt: null });
    expect(listed[1]).toMatchObject({ status: 'lost', test_mse: null, kind: null });
    expect(listed[0]!.error).toBeNull();
    expect(listed[2]).toMatchObject({ status: 'failed', kind: 'deep', latent: 8, sweep: { dir: 'sweep-0001', trial: 'kind=deep,latent=8' }, error: 'train.learning_rate  training diverged' });
    expect(listed[3]).toMatchObject({ status: 'interrupted', attempt: 1 });
    expect(listRuns(path.join(tmp, 'missing'))).toEqual([]);
  });
});
