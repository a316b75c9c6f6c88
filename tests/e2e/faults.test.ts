// Faults injected into the real CLI: kill -9 at random moments (data loading, training,
// evaluation, pictures and report), a runs folder that is full, unwritable or a broken link.
// Whatever happens, every JSON file still parses, every run is completed, failed, interrupted or
// lost, earlier runs are untouched, and a sweep rerun completes every trial exactly once.
//
// The moments are random; the seed is printed. Replay one with AELAB_FAULT_SEED=<seed>.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, root, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';
import { createRng } from '../../src/shared/random.ts';
import { listRuns } from '../../src/runs/index.ts';

const sweepSpec = `${tinyDeepSpec.replace('epochs: 2', 'epochs: 1')}
sweep:
  grid:
    model.kind: [pca, deep]
    model.latent: [2, 3]
`;

/** Every file below dir, recursively (hidden ones too), as paths relative to dir. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function fingerprint(dir: string): Record<string, string> {
  return Object.fromEntries(filesBelow(dir).map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));
}

/** The runs tree is sound: JSON parses everywhere; each run is completed, failed, interrupted or lost. */
function expectSoundRunsTree(runsDir: string): ReturnType<typeof listRuns> {
  for (const file of filesBelow(runsDir).filter((f) => f.endsWith('.json'))) {
    const text = fs.readFileSync(path.join(runsDir, file), 'utf8');
    expect(() => JSON.parse(text), `${file} must parse: ${JSON.stringify(text.slice(0, 200))}`).not.toThrow();
  }
  const runs = listRuns(runsDir);
  for (const run of runs) expect(['completed', 'failed', 'interrupted', 'lost'], `${run.path}: ${run.status}`).toContain(run.status);
  return runs;
}

type Moment = 'loading' | 'train' | 'evaluate' | 'render';

/** Newest stage of a running run.json below runsDir, if any. */
function runningStages(runsDir: string): string[] {
  const stages: string[] = [];
  for (const file of filesBelow(runsDir).filter((f) => path.basename(f) === 'run.json')) {
    try {
      const run = JSON.parse(fs.readFileSync(path.join(runsDir, file), 'utf8')) as { status?: string; stage?: string };
      if (run.status === 'running') stages.push(run.stage ?? 'start');
    } catch {
      // being replaced this instant (rename): look again next time
    }
  }
  return stages;
}

/**
 * Starts `aelab run args` and kills it with `signal` at `moment` plus `delayMs`: 'loading' counts
 * from the backend line (data loads right after), the others from the first running run.json at
 * that stage. Resolves when the process is gone, saying whether it was killed or had finished.
 */
function runAndKill(args: string[], runsDir: string, moment: Moment, delayMs: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ killed: boolean; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', ...args], { cwd: root, env: { ...process.env, AELAB_DEBUG: '', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let fired = false;
    const fire = () => {
      if (fired) return;
      fired = true;
      clearInterval(poll);
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill(signal), delayMs);
    };
    child.stderr.on('data', (d) => {
      stderr += d;
      if (moment === 'loading' && stderr.includes('aelab: backend')) fire();
    });
    const poll = setInterval(() => {
      if (moment !== 'loading' && runningStages(runsDir).includes(moment)) fire();
    }, 5);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearInterval(poll);
      resolve({ killed: sig === signal, code, signal: sig, stderr });
    });
  });
}

const seed = Number(process.env.AELAB_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('kill -9 at random moments', () => {
  it(`leaves a sound runs tree every time, and a sweep rerun completes every trial exactly once (seed ${seed})`, async () => {
    console.log(`fault injection seed: ${seed} (replay with AELAB_FAULT_SEED=${seed})`);
    const rng = createRng(seed);
    const dir = tempDir('aelab-faults-');
    const runsDir = path.join(dir, 'runs');
    const single = writeSpec(dir, 'single', tinyDeepSpec);
    const sweep = writeSpec(dir, 'grid', sweepSpec);

    // An earlier run that nothing may touch.
    const earlier = await runCli(['run', single, '--runs-dir', runsDir]);
    expect(earlier.code, earlier.stderr).toBe(0);
    const earlierDir = path.join(runsDir, 'single', '0001');
    const before = fingerprint(earlierDir);

    const moments: Moment[] = ['loading', 'train', 'evaluate', 'render'];
    const log: string[] = [];
    // Every moment once for the sweep (its trials are killed mid-way), then random ones.
    const rounds: { spec: string; moment: Moment }[] = [
      ...moments.map((moment) => ({ spec: sweep, moment })),
      ...Array.from({ length: 2 }, () => ({ spec: rng.next() < 0.5 ? sweep : single, moment: moments[rng.int(moments.length)]! })),
    ];
    for (const { spec, moment } of rounds) {
      const delay = rng.int(moment === 'loading' ? 400 : 120);
      const result = await runAndKill([spec, '--runs-dir', runsDir], runsDir, moment, delay);
      log.push(`${path.basename(spec)} ${moment}+${delay}ms → ${result.killed ? 'killed' : `exited ${result.code}`}`);
      expect(result.killed || result.code === 0, `${log.at(-1)}\n${result.stderr}`).toBe(true);
      expectSoundRunsTree(runsDir);
      expect(fingerprint(earlierDir)).toEqual(before);
    }
    console.log(log.join('\n'));
    expect(log.filter((l) => l.endsWith('killed')).length, log.join('\n')).toBeGreaterThanOrEqual(3);

    // The rerun takes over what the kills left (lost trials, half-made claims) and finishes.
    const rerun = await runCli(['run', sweep, '--runs-dir', runsDir]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const runs = expectSoundRunsTree(runsDir);
    const sweepRuns = runs.filter((r) => r.sweep);
    const trials = ['kind=pca,latent=2', 'kind=pca,latent=3', 'kind=deep,latent=2', 'kind=deep,latent=3'];
    for (const trial of trials) {
      const completed = sweepRuns.filter((r) => r.sweep!.trial === trial && r.status === 'completed');
      expect(completed, `${trial} must have completed exactly once: ${JSON.stringify(sweepRuns.filter((r) => r.sweep!.trial === trial).map((r) => [r.path, r.status]))}`).toHaveLength(1);
      expect(completed[0]!.attempt).toBeNull(); // the completed one is the trial folder itself
    }
    const sweepJson = JSON.parse(fs.readFileSync(path.join(runsDir, 'grid', 'sweep-0001', 'sweep.json'), 'utf8')) as { counts: Record<string, number> };
    expect(sweepJson.counts.completed).toBe(4);
    expect(fs.readdirSync(path.join(runsDir, 'grid')).filter((n) => n.startsWith('sweep-'))).toEqual(['sweep-0001']);
    // Killed runs are kept and shown for what they are.
    const lost = runs.filter((r) => r.status === 'lost');
    if (lost.length > 0) expect(fs.readFileSync(path.join(runsDir, 'index.html'), 'utf8')).toContain('<span class="badge status-lost">lost</span>');
    expect(fingerprint(earlierDir)).toEqual(before);
  }, 600_000);
});

describe('SIGTERM, as Slurm and Kubernetes send it first', () => {
  it('behaves like Ctrl-C: the run is interrupted, what it wrote is kept, exit 143', async () => {
    const dir = tempDir('aelab-term-');
    const runsDir = path.join(dir, 'runs');
    const spec = writeSpec(dir, 'long', tinyDeepSpec.replace('epochs: 2', 'epochs: 200'));
    // Killed once training has written its first epoch to history.csv.
    let sent = false;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'run', spec, '--runs-dir', runsDir], { cwd: root, env: { ...process.env, AELAB_DEBUG: '', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const poll = setInterval(() => {
        if (!sent && fs.existsSync(path.join(runsDir, 'long', '0001', 'history.csv'))) {
          sent = true;
          child.kill('SIGTERM');
        }
      }, 20);
      child.on('close', (code) => {
        clearInterval(poll);
        resolve({ code, stderr });
      });
    });
    expect(sent).toBe(true);
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toContain('aelab: SIGTERM — stopping after the current batch');
    expect(result.stderr).toContain('partial run kept in');
    const runDir = path.join(runsDir, 'long', '0001');
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(run).toMatchObject({ status: 'interrupted', signal: 'SIGTERM', stage: 'train' });
    const epochs = fs.readFileSync(path.join(runDir, 'history.csv'), 'utf8').trim().split('\n').length - 1;
    expect(epochs).toBeGreaterThanOrEqual(1);
    expect(epochs).toBeLessThan(200);
    expectSoundRunsTree(runsDir);
  }, 300_000);
});

describe('a runs folder that cannot take the run', () => {
  it('full (a file-size limit, ulimit -f): one error naming the file, no half-written file, earlier runs intact', async () => {
    const dir = tempDir('aelab-full-');
    const runsDir = path.join(dir, 'runs');
    const spec = writeSpec(dir, 'deep', tinyDeepSpec);
    const earlier = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(earlier.code, earlier.stderr).toBe(0);
    const before = fingerprint(path.join(runsDir, 'deep', '0001'));

    // 64 blocks of 512 bytes: run.json and the spec fit, the model's weights (~200 kB) do not.
    const limited = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, bin, 'run', spec, '--runs-dir', runsDir], { cwd: root, env: { ...process.env, AELAB_DEBUG: '', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(limited.code, limited.stderr).toBe(1);
    expect(limited.stderr).not.toMatch(/^\s+at /m);
    const errors = limited.stderr.split('\n').filter((l) => l.includes('cannot write'));
    expect(errors, limited.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`cannot write ${path.join(runsDir, 'deep', '0002').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+: .*ulimit -f.*\\(EFBIG\\)`));
    // No half-written file: no temp file left, every JSON parses, the run says it failed and why.
    expect(filesBelow(runsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const runs = expectSoundRunsTree(runsDir);
    expect(runs.find((r) => r.path === 'deep/0002')).toMatchObject({ status: 'failed', error: expect.stringContaining('EFBIG') });
    expect(fingerprint(path.join(runsDir, 'deep', '0001'))).toEqual(before);
  }, 300_000);

  it('not writable: one line naming the folder, nothing written', async () => {
    const dir = tempDir('aelab-ro-');
    fs.chmodSync(dir, 0o755);
    const runsDir = path.join(dir, 'runs');
    fs.mkdirSync(runsDir, { mode: 0o555 });
    fs.chmodSync(runsDir, 0o555);
    const spec = writeSpec(dir, 'ro', 'evaluate:\n  quality: false\ndata:\n  digits: [1, 5, 6]\n  limit: 300\nmodel:\n  kind: pca\n  latent: 2\n');
    fs.chmodSync(spec, 0o644);
    // root may write anywhere: run the CLI as root without capabilities then, so permission bits bind
    // (setpriv is in util-linux, on every Debian). Not as nobody: the checkout may sit below a folder
    // only root can read (a mktemp -d clone is 0700).
    const asRoot = process.getuid?.() === 0;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const [cmd, args] = asRoot
        ? ['setpriv', ['--inh-caps=-all', '--bounding-set=-all', process.execPath, bin, 'run', spec, '--runs-dir', runsDir]]
        : [process.execPath, [bin, 'run', spec, '--runs-dir', runsDir]];
      const child = spawn(cmd, args as string[], { cwd: dir, env: { ...process.env, AELAB_DEBUG: '', CI: 'true', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const lines = result.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('aelab: backend'));
    expect(result.code, result.stderr).toBe(1);
    expect(lines, result.stderr).toEqual([`aelab: cannot create the run folder ${path.join(runsDir, 'ro')}: permission denied; make the folder writable or choose another one with --runs-dir (EACCES)`]);
    expect(fs.readdirSync(runsDir)).toEqual([]);
  }, 300_000);

  it('a dangling or looping link as the runs folder, or a link inside it: one line each; a link to a real folder works', async () => {
    const dir = tempDir('aelab-links-');
    const spec = writeSpec(dir, 'linked', 'evaluate:\n  quality: false\ndata:\n  digits: [1, 5, 6]\n  validation: 200\n  limit: 300\nmodel:\n  kind: pca\n  latent: 2\n');
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    fs.symlinkSync(path.join(dir, 'loop-b'), path.join(dir, 'loop-a'));
    fs.symlinkSync(path.join(dir, 'loop-a'), path.join(dir, 'loop-b'));
    fs.mkdirSync(path.join(dir, 'runs'));
    fs.mkdirSync(path.join(dir, 'elsewhere'));
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'runs', 'linked'));
    const cases: [string, string][] = [
      ['dangling', `${path.join(dir, 'dangling')} is a symbolic link to ${path.join(dir, 'nowhere')}, which does not exist`],
      ['loop-a', 'too many levels of symbolic links'],
      ['runs', `${path.join(dir, 'runs', 'linked')} is a symbolic link (to ${path.join(dir, 'elsewhere')}); aelab writes runs only into real folders`],
    ];
    for (const [runsDir, says] of cases) {
      const result = await runCli(['run', spec, '--runs-dir', path.join(dir, runsDir)]);
      const lines = result.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('aelab: backend'));
      expect(result.code, result.stderr).toBe(1);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toContain(says);
    }
    expect(fs.readdirSync(path.join(dir, 'elsewhere'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);

    // The runs folder itself may be a link (to a bigger disk, say).
    fs.mkdirSync(path.join(dir, 'big-disk'));
    fs.symlinkSync(path.join(dir, 'big-disk'), path.join(dir, 'runs-link'));
    const ok = await runCli(['run', spec, '--runs-dir', path.join(dir, 'runs-link')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'big-disk', 'linked', '0001', 'run.json'), 'utf8')).status).toBe('completed');
  }, 300_000);
});
