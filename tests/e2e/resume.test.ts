// Resumable runs through the real CLI: a run interrupted after epoch k (Ctrl-C, or kill -9 for a
// lost run) and continued with `aelab run --resume` ends with exactly the loss history and metrics
// of the same spec run without interruption; refusals say why and what to do; a sweep rerun
// continues its interrupted trial in place from the checkpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

/** Stops the CLI (SIGINT, or SIGKILL: lost) right after the checkpoint of this epoch is written. */
const interruptAfter = (epoch: number, signal = 'SIGINT') => ({ env: { AELAB_TEST_SIGNAL_AFTER_EPOCH: `${epoch}:${signal}` } });

/** Deep with everything that draws or carries state across epochs: dropout, input noise, a schedule, early stopping, Adam. */
const deepSpec = tinyDeepSpec
  .replace('epochs: 2', 'epochs: 4\n  lr_schedule: { kind: cosine }\n  input_noise: { kind: gaussian, std: 0.3 }\n  early_stopping: { patience: 3 }')
  .replace('latent: 2', 'latent: 2\n  dropout: 0.2');
const vaeSpec = tinyDeepSpec
  .replace('kind: deep', 'kind: vae')
  .replace('epochs: 2', 'epochs: 3\n  kl_warmup_epochs: 2')
  .replace(/^evaluate:\n/m, 'evaluate:\n  iwae_samples: 3\n');

/** What must be identical: every epoch's losses (not its wall time) and every metric but the timings. */
function outcome(runDir: string) {
  const history = fs
    .readFileSync(path.join(runDir, 'history.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .map((cols) => [...cols.slice(0, 3), ...cols.slice(4)]); // without the seconds column
  const { train_seconds: _t, samples_per_second: _s, ...metrics } = readJson(path.join(runDir, 'metrics.json'));
  return { history, metrics };
}

async function interruptedAndResumedMatchesUninterrupted(name: string, yaml: string, epoch: number, signal: string) {
  const dir = tempDir();
  const runsDir = path.join(dir, 'runs');
  const spec = writeSpec(dir, name, yaml);
  const straight = await runCli(['run', spec, '--runs-dir', runsDir], { cwd: dir });
  expect(straight.code, straight.stderr).toBe(0);
  const cut = await runCli(['run', spec, '--runs-dir', runsDir], { cwd: dir, ...interruptAfter(epoch, signal) });
  const runDir = path.join(runsDir, name, '0002');
  expect(fs.existsSync(path.join(runDir, 'checkpoint.bin')), cut.stderr).toBe(true);
  expect(fs.existsSync(path.join(runDir, 'metrics.json'))).toBe(false);
  const resumed = await runCli(['run', '--resume', runDir], { cwd: dir });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toContain(`aelab: run ${name}/0002 resumes after epoch ${epoch}/`);
  expect(resumed.stdout.trim()).toBe(runDir);
  const run = readJson<{ status: string; resumed: { after_epoch: number; was: string }[]; id: string }>(path.join(runDir, 'run.json'));
  expect(run.status).toBe('completed');
  expect(run.id).toBe('0002');
  expect(run.resumed).toEqual([expect.objectContaining({ after_epoch: epoch, was: signal === 'SIGKILL' ? 'lost' : 'interrupted' })]);
  // Same folder, finished: the checkpoint is gone, no takeover marker is left behind.
  expect(fs.readdirSync(runDir).filter((f) => f.startsWith('.') || f === 'checkpoint.bin')).toEqual([]);
  expect(outcome(runDir)).toEqual(outcome(path.join(runsDir, name, '0001')));
  expect(fs.readFileSync(path.join(runDir, 'report.html'), 'utf8')).toMatch(new RegExp(`Resumed</dt><dd>after epoch ${epoch} \\((interrupted by SIGINT|lost)\\) at `));
  return { dir, runsDir, runDir, cut, resumed };
}

describe('aelab run --resume', () => {
  it('deep with adam, dropout, input noise, a cosine schedule and early stopping: interrupted (Ctrl-C) after epoch 2, resumed, identical to an uninterrupted run', async () => {
    const { runDir, cut, dir } = await interruptedAndResumedMatchesUninterrupted('deep', deepSpec, 2, 'SIGINT');
    expect(cut.code).toBe(130);
    // The interruption message gives the exact command.
    expect(cut.stderr).toContain(`aelab: deep/0002 interrupted; partial run kept in ${runDir}; resume it with: aelab run --resume ${runDir}`);

    // A completed run is refused, with what to do instead.
    const again = await runCli(['run', '--resume', runDir], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--resume ${runDir}: this run already completed; there is nothing to resume (to train it again from scratch: aelab run ${runDir})`);
  }, 120_000);

  it('vae (ε per step): killed with SIGKILL after epoch 1 (lost), resumed, identical to an uninterrupted run', async () => {
    const { cut } = await interruptedAndResumedMatchesUninterrupted('vae', vaeSpec, 1, 'SIGKILL');
    expect(cut.signal).toBe('SIGKILL');
  }, 120_000);

  it('data-parallel training on 2 threads (train.workers: 2): interrupted after epoch 1, resumed on 2 threads, identical to an uninterrupted run', async () => {
    // The lecture's widths at batch 256: big enough a step for two threads (see train.workers).
    const parallelSpec = tinyDeepSpec
      .replace('limit: 300', 'limit: 512')
      .replace('encoder: [32]', 'encoder: [500, 300]')
      .replace('epochs: 2\n  batch_size: 64', 'epochs: 3\n  batch_size: 256\n  workers: 2');
    const { cut, resumed } = await interruptedAndResumedMatchesUninterrupted('par', parallelSpec, 1, 'SIGINT');
    expect(cut.stderr).toContain('aelab: par/0002 trains on 2 threads (train.workers is 2)');
    expect(resumed.stderr).toContain('aelab: par/0002 trains on 2 threads (resumed on the 2 threads its checkpoint was written with)');
  }, 120_000);

  it('refuses a folder that is no run, a run without a checkpoint, and a run whose process still lives', async () => {
    const dir = tempDir();
    const runsDir = path.join(dir, 'runs');
    const notRun = await runCli(['run', '--resume', dir], { cwd: dir });
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toContain(`--resume ${dir}: not a run folder (it has no run.json)`);

    const spec = writeSpec(dir, 'tiny', tinyDeepSpec.replace('epochs: 2', 'epochs: 3'));
    const cut = await runCli(['run', spec, '--runs-dir', runsDir], { cwd: dir, ...interruptAfter(1) });
    expect(cut.code).toBe(130);
    const runDir = path.join(runsDir, 'tiny', '0001');
    const checkpoint = path.join(runDir, 'checkpoint.bin');
    const saved = fs.readFileSync(checkpoint);
    fs.rmSync(checkpoint);
    const none = await runCli(['run', '--resume', runDir], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`--resume ${runDir}: this run has no checkpoint (checkpoint.bin): it stopped before its first checkpoint`);
    expect(none.stderr).toContain(`it would need a rerun from scratch: aelab run ${runDir}`);
    // Nothing it refuses touches the run.
    expect(readJson<{ status: string }>(path.join(runDir, 'run.json')).status).toBe('interrupted');

    // Owned by a live process (this test's): refused.
    fs.writeFileSync(checkpoint, saved);
    const runJson = path.join(runDir, 'run.json');
    const interrupted = fs.readFileSync(runJson, 'utf8');
    fs.writeFileSync(runJson, JSON.stringify({ ...JSON.parse(interrupted), status: 'running', pid: process.pid, hostname: os.hostname(), heartbeat_at: new Date().toISOString() }));
    const live = await runCli(['run', '--resume', runDir], { cwd: dir });
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(`--resume ${runDir}: this run is still running (pid ${process.pid}`);
    expect(fs.readdirSync(runDir).filter((f) => f.startsWith('.'))).toEqual([]);

    // Back to interrupted, --set is refused: the run continues exactly as it ran.
    fs.writeFileSync(runJson, interrupted);
    const withSet = await runCli(['run', '--resume', runDir, '--set', 'train.epochs=9'], { cwd: dir });
    expect(withSet.code).toBe(2);
    expect(withSet.stderr).toContain('--set cannot be combined with it');

    // PCA has no epochs, so nothing to checkpoint: an interrupted pca run is rerun from scratch.
    const pca = await runCli(['run', writeSpec(dir, 'pca', tinyDeepSpec.replace('kind: deep', 'kind: pca')), '--runs-dir', runsDir], { cwd: dir });
    expect(pca.code, pca.stderr).toBe(0);
    const pcaDir = path.join(runsDir, 'pca', '0001');
    const pcaJson = path.join(pcaDir, 'run.json');
    fs.writeFileSync(pcaJson, JSON.stringify({ ...readJson(pcaJson), status: 'interrupted', signal: 'SIGINT' }));
    const pcaResume = await runCli(['run', '--resume', pcaDir], { cwd: dir });
    expect(pcaResume.code).toBe(1);
    expect(pcaResume.stderr).toContain(`this run has no checkpoint (checkpoint.bin): model.kind pca is fitted in one step, without epochs to checkpoint; it would need a rerun from scratch: aelab run ${pcaDir}`);
  }, 120_000);
});

describe('a sweep rerun resumes its interrupted trial from the checkpoint', () => {
  it('continues the trial in place (no new attempt folder) and ends as the uninterrupted configuration does', async () => {
    const dir = tempDir();
    const runsDir = path.join(dir, 'runs');
    const spec = writeSpec(dir, 'sw', `${tinyDeepSpec.replace('epochs: 2', 'epochs: 3')}\nsweep:\n  grid:\n    model.latent: [2, 3]\n`);
    const cut = await runCli(['run', spec, '--runs-dir', runsDir], { cwd: dir, ...interruptAfter(2) });
    expect(cut.code).toBe(130);
    const sweepDir = path.join(runsDir, 'sw', 'sweep-0001');
    const trialDir = path.join(sweepDir, 'latent=2');
    expect(cut.stderr).toContain(`aelab: sw/latent=2 interrupted; partial run kept in ${trialDir}; rerun the sweep to resume it from its checkpoint (or: aelab run --resume ${trialDir})`);

    const rerun = await runCli(['run', spec, '--runs-dir', runsDir], { cwd: dir });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('aelab: [latent=2] interrupted: resuming from its checkpoint');
    expect(rerun.stderr).toContain('resumes after epoch 2/3');
    expect(fs.readdirSync(sweepDir).filter((f) => f.includes('attempt'))).toEqual([]);
    const run = readJson<{ status: string; resumed: { after_epoch: number }[] }>(path.join(trialDir, 'run.json'));
    expect(run.status).toBe('completed');
    expect(run.resumed.map((r) => r.after_epoch)).toEqual([2]);
    expect(readJson<{ counts: Record<string, number> }>(path.join(sweepDir, 'sweep.json')).counts.completed).toBe(2);

    // The same configuration uninterrupted, from the trial's own folder.
    const straight = await runCli(['run', trialDir, '--runs-dir', path.join(dir, 'straight')], { cwd: dir });
    expect(straight.code, straight.stderr).toBe(0);
    expect(outcome(trialDir)).toEqual(outcome(straight.stdout.trim().split('\n').at(-1)!));
  }, 120_000);
});
