// `aelab run` end to end, through the real CLI: the files of a run, concurrency, Ctrl-C and bad data.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.ts';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

describe('aelab run', () => {
  it('trains on two threads with train.workers 2 and records it in run.json', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'threads', tinyDeepSpec);
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir, '--set', 'train.workers=2']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/threads\/0001 trains on 2 threads \(train\.workers is 2\)/);
    const runDir = path.join(runsDir, 'threads', '0001');
    const run = readJson(path.join(runDir, 'run.json'));
    expect(run.status).toBe('completed');
    expect(run.train_workers).toEqual({ requested: 2, workers: 2, reason: 'train.workers is 2' });
    expect(fs.readFileSync(path.join(runDir, 'report.html'), 'utf8')).toContain('Training threads</dt><dd>2 (train.workers is 2)</dd>');
    const m = readJson<Record<string, number>>(path.join(runDir, 'metrics.json'));
    expect(m.test_mse).toBeGreaterThan(0);
    expect(m.test_mse).toBeLessThan(0.3);
    // The thread count is not science: the spec hash is that of the same spec on one thread.
    const hash = readJson<{ hash: string }>(path.join(runDir, 'resolved.json')).hash;
    expect(loadSpec(spec, { overrides: { 'train.workers': 1 } }).hash).toBe(hash);
    expect(loadSpec(spec, { overrides: { 'train.epochs': 3 } }).hash).not.toBe(hash);
  });

  it('turns a tiny spec into a complete run folder with sane values', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'tiny', tinyDeepSpec);
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir, '--set', 'train.learning_rate=0.002']);
    expect(res.stderr).toMatch(/backend (wasm|cpu|tensorflow)/);
    expect(res.code, res.stderr).toBe(0);
    const runDir = path.join(runsDir, 'tiny', '0001');
    // The last line of stdout is the run folder.
    expect(res.stdout.trim().split('\n').at(-1)).toBe(runDir);

    for (const f of ['run.json', 'spec.yaml', 'resolved.json', 'metrics.json', 'history.csv', 'log.jsonl', 'report.html',
      'model', 'reconstructions.png', 'latent.png', 'latent.svg', 'manifold.png', 'interpolation.png', 'samples.png', 'loss.png', 'loss.svg']) {
      expect(fs.existsSync(path.join(runDir, f)), f).toBe(true);
    }
    const run = readJson(path.join(runDir, 'run.json'));
    expect(run.status).toBe('completed');
    expect(run.overrides).toEqual({ 'train.learning_rate': 0.002 });
    expect((run.backend as { name: string }).name).toMatch(/wasm|cpu|tensorflow/);
    expect(typeof run.duration_seconds).toBe('number');
    // train.workers defaults to auto, which keeps a toy model on one thread, and run.json says why.
    expect(run.train_workers).toEqual({ requested: 'auto', workers: 1, reason: expect.stringMatching(/too small to gain from threads/) });
    const resolved = readJson<{ spec: { train: { learning_rate: number } }; hash: string }>(path.join(runDir, 'resolved.json'));
    expect(resolved.spec.train.learning_rate).toBe(0.002);
    expect(resolved.hash).toMatch(/^[0-9a-f]{16,}$/);

    const m = readJson<Record<string, number>>(path.join(runDir, 'metrics.json'));
    expect(m.n_train).toBe(300);
    expect(m.n_test).toBe(2985);
    for (const k of ['train_mse', 'val_mse', 'test_mse']) {
      expect(m[k]).toBeGreaterThan(0);
      expect(m[k]).toBeLessThan(0.3);
    }
    expect(Object.keys(m.test_mse_by_digit as unknown as object).sort()).toEqual(['1', '5', '6']);
    expect(m.params).toBe(784 * 32 + 32 + 32 * 2 + 2 + 2 * 32 + 32 + 32 * 784 + 784);
    expect(m.epochs).toBe(2);
    expect(Number.isFinite(m.density_log_likelihood_test)).toBe(true);

    const history = fs.readFileSync(path.join(runDir, 'history.csv'), 'utf8').trim().split('\n');
    // learning_rate is appended after the original columns (readers by position keep working).
    expect(history[0]).toBe('epoch,loss,val_loss,seconds,learning_rate');
    expect(history).toHaveLength(3);
    expect(history.slice(1).map((l) => Number(l.split(',')[4]))).toEqual([resolvedRate(runDir), resolvedRate(runDir)]);
    const logLines = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logLines.some((l) => l.event === 'completed')).toBe(true);
    const png = PNG.sync.read(fs.readFileSync(path.join(runDir, 'reconstructions.png')));
    expect(png.width).toBeGreaterThan(100);
    expect(fs.readlinkSync(path.join(runsDir, 'tiny', 'latest'))).toMatch(/0001$/);
    expect(fs.existsSync(path.join(runsDir, 'index.html'))).toBe(true);
  });

  it('gives three concurrent runs of one spec three distinct completed folders', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'tiny', tinyDeepSpec.replace('epochs: 2', 'epochs: 1'));
    const runsDir = path.join(dir, 'runs');
    const results = await Promise.all([0, 1, 2].map(() => runCli(['run', spec, '--runs-dir', runsDir])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const folders = results.map((r) => r.stdout.trim().split('\n').at(-1));
    expect(new Set(folders).size).toBe(3);
    const ids = fs.readdirSync(path.join(runsDir, 'tiny')).filter((f) => /^\d{4}$/.test(f)).sort();
    expect(ids).toEqual(['0001', '0002', '0003']);
    for (const id of ids) expect(readJson(path.join(runsDir, 'tiny', id, 'run.json')).status).toBe('completed');
  }, 120_000);

  it('marks a run interrupted on SIGINT mid-training, keeps its log and exits 130', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'long', tinyDeepSpec.replace('epochs: 2', 'epochs: 500').replace('limit: 300', 'limit: 2000'));
    const runsDir = path.join(dir, 'runs');
    let sent = false;
    const res = await runCli(['run', spec, '--runs-dir', runsDir], {
      onStderr: (chunk, child) => {
        if (!sent && /epoch 1\//.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent, res.stderr).toBe(true);
    expect(res.code).toBe(130);
    const runDir = path.join(runsDir, 'long', '0001');
    const run = readJson(path.join(runDir, 'run.json'));
    expect(run.status).toBe('interrupted');
    expect(run.finished_at).toBeTruthy();
    const log = fs.readFileSync(path.join(runDir, 'log.jsonl'), 'utf8');
    expect(log).toContain('"event":"interrupted"');
    expect(fs.existsSync(path.join(runsDir, 'long', 'latest'))).toBe(false);
  }, 120_000);

  it('refuses a run whose data file is corrupt with one line naming the file, and keeps earlier runs', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'train-images.idx');
    fs.writeFileSync(bad, Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])); // header says 10 images, holds 3 bytes
    fs.writeFileSync(path.join(dir, 'labels.idx'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    const spec = writeSpec(dir, 'corrupt', `
data:
  source: idx
  validation: 0
  train_images: train-images.idx
  train_labels: labels.idx
  test_images: train-images.idx
  test_labels: labels.idx
`);
    const runsDir = path.join(dir, 'runs');
    fs.mkdirSync(path.join(runsDir, 'corrupt', '0001'), { recursive: true });
    fs.writeFileSync(path.join(runsDir, 'corrupt', '0001', 'run.json'), '{"status":"completed"}');
    const res = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(res.code).toBe(1);
    const errLines = res.stderr.trim().split('\n').filter((l) => !l.startsWith('aelab: backend') && !l.startsWith('aelab: run '));
    expect(errLines.join('\n')).toContain('train-images.idx');
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user mistake
    expect(fs.readFileSync(path.join(runsDir, 'corrupt', '0001', 'run.json'), 'utf8')).toBe('{"status":"completed"}');
  });
});

/** The run's train.learning_rate, from its resolved.json (a constant schedule keeps it every epoch). */
function resolvedRate(runDir: string): number {
  return (JSON.parse(fs.readFileSync(path.join(runDir, 'resolved.json'), 'utf8')) as { spec: { train: { learning_rate: number } } }).spec.train.learning_rate;
}
