// The VAE, denoising and sparse settings end to end through the real CLI, at toy size.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, writeSpec } from '../helpers/cli.ts';

const tinyVaeSpec = `
data:
  digits: [1, 5, 6]
  validation: 200
  limit: 300
model:
  kind: vae
  encoder: [32]
  latent: 2
train:
  epochs: 2
  batch_size: 64
  kl_warmup_epochs: 2
evaluate:
  quality: false   # tests/e2e/quality.test.ts runs them; the default classifier trains on all of MNIST
  iwae_samples: 5
outputs:
  reconstructions: 4
  latent_points: 200
  manifold_grid: 4
  interpolations: 1
  samples: 4
`;

describe('aelab run, model.kind vae', () => {
  it('writes the likelihood metrics, samples from the prior, and repeats exactly with one seed', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'tiny-vae', tinyVaeSpec);
    const runsDir = path.join(dir, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/ELBO \(test\) -\d+\.\d\d, IWAE NLL \(test\) \d+\.\d\d nats/);
    const second = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(second.code, second.stderr).toBe(0);

    const m = readJson<Record<string, number | string | null>>(path.join(runsDir, 'tiny-vae', '0001', 'metrics.json'));
    for (const k of ['elbo_train', 'elbo_val', 'elbo_test', 'kl_test', 'reconstruction_nll_test', 'nll_iwae_test', 'active_units', 'test_mse']) {
      expect(typeof m[k], k).toBe('number');
    }
    expect(m.density_kind).toBe('prior');
    expect(m.iwae_samples).toBe(5);
    expect(m.elbo_test as number).toBeCloseTo(-((m.kl_test as number) + (m.reconstruction_nll_test as number)), 6);
    // The IWAE bound is tighter than the ELBO: −log p(x) ≤ −ELBO (up to its estimation noise).
    expect(m.nll_iwae_test as number).toBeLessThan(-(m.elbo_test as number) + 1);
    expect(m.kl_test as number).toBeGreaterThan(0);
    expect(m.active_units as number).toBeGreaterThanOrEqual(0);
    expect(m.active_units as number).toBeLessThanOrEqual(2);

    // Same spec and seed: the same numbers (timings aside).
    const again = readJson<Record<string, unknown>>(path.join(runsDir, 'tiny-vae', '0002', 'metrics.json'));
    const science = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => !/seconds|samples_per_second/.test(k)));
    expect(science(again)).toEqual(science(m));

    const runDir = path.join(runsDir, 'tiny-vae', '0001');
    const history = fs.readFileSync(path.join(runDir, 'history.csv'), 'utf8').trim().split('\n');
    expect(history[0]).toBe('epoch,loss,val_loss,seconds,learning_rate,reconstruction,kl');
    // Warm-up: epoch 1 weighs the KL by 1/2, so loss = reconstruction + KL/2.
    const [, loss, , , , rec, kl] = history[1]!.split(',').map(Number);
    expect(loss).toBeCloseTo(rec! + kl! / 2, 2);
    expect(readJson<{ kind: string }>(path.join(runDir, 'density.json')).kind).toBe('prior');
    expect(readJson<{ kind: string; likelihood: string }>(path.join(runDir, 'model', 'aelab-model.json'))).toMatchObject({ kind: 'vae', likelihood: 'bernoulli' });
    const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('over the prior N(0, I)');
    expect(html).toContain('the VAE prior N(0, I) (not fitted');
    expect(html).toContain('negative ELBO in nats per image');
    // The scatter shows the posterior means, and says so.
    expect(fs.readFileSync(path.join(runDir, 'latent.svg'), 'utf8')).toContain('Test codes z = μ(x)');
  }, 300_000);

  it('refuses density.kind prior for a deep model, naming the field and the fix', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'prior-deep', tinyVaeSpec.replace('kind: vae', 'kind: deep') + 'density:\n  kind: prior\n');
    const res = await runCli(['run', spec, '--runs-dir', path.join(dir, 'runs')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/prior-deep\.yaml:\d+:\d+ +density\.kind .*model\.kind deep has none; use a density fitted on the codes/);
    expect(fs.existsSync(path.join(dir, 'runs', 'prior-deep'))).toBe(false);
  });

  it('refuses a sweep whose vae trial would get deep-only settings, at validation, naming field, line and fix; nothing runs', async () => {
    const dir = tempDir();
    // dropout and an activation list are written for the deep trial; batch_norm in the vae trial itself.
    const sweep = tinyVaeSpec
      .replace('  kind: vae\n', '  dropout: 0.2\n  activation: [relu, relu]\n')
      .concat('sweep:\n  trials:\n    - {model.kind: deep}\n    - {model.kind: vae, model.batch_norm: true}\n');
    const spec = writeSpec(dir, 'vae-vocabulary', sweep);
    const validate = await runCli(['validate', spec]);
    expect(validate.code).toBe(1);
    const report = validate.stdout + validate.stderr;
    expect(report).toMatch(/vae-vocabulary\.yaml:\d+:\d+ +model\.dropout +trial kind=vae,batch_norm=true: model\.kind vae does not use dropout.*remove model\.dropout or use model\.kind deep/);
    expect(report).toMatch(/vae-vocabulary\.yaml:\d+:\d+ +model\.activation +trial kind=vae,batch_norm=true: model\.kind vae takes one activation for all hidden layers, e\.g\. activation: relu/);
    expect(report).toMatch(/model\.batch_norm +model\.kind vae does not use batch normalisation; remove model\.batch_norm or use model\.kind deep/);
    const run = await runCli(['run', spec, '--runs-dir', path.join(dir, 'runs')]);
    expect(run.code).toBe(1);
    expect(fs.existsSync(path.join(dir, 'runs', 'vae-vocabulary'))).toBe(false);
  });
});

describe('aelab run, denoising and sparse', () => {
  it('trains on corrupted inputs, draws input/target/output rows, and reports code_sparsity', async () => {
    const dir = tempDir();
    const text = tinyVaeSpec
      .replace('kind: vae', 'kind: deep')
      .replace('  kl_warmup_epochs: 2\n', '  input_noise: {kind: masking, fraction: 0.4}\n')
      .replace('  iwae_samples: 5\n', '')
      .replace('  latent: 2\n', '  latent: 2\n  code_l1: 0.001\n');
    const spec = writeSpec(dir, 'tiny-dae', text);
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(res.code, res.stderr).toBe(0);
    const runDir = path.join(runsDir, 'tiny-dae', '0001');
    const m = readJson<Record<string, number>>(path.join(runDir, 'metrics.json'));
    expect(m.code_sparsity).toBeGreaterThanOrEqual(0);
    expect(m.code_sparsity).toBeLessThanOrEqual(1);
    expect(m.elbo_test).toBeUndefined();
    expect(fs.readFileSync(path.join(runDir, 'history.csv'), 'utf8').split('\n')[0]).toBe('epoch,loss,val_loss,seconds,learning_rate,reconstruction,code_l1');
    // 4 test digits in one row: three rows (corrupted input, clean target, output) instead of two.
    const png = PNG.sync.read(fs.readFileSync(path.join(runDir, 'reconstructions.png')));
    const plain = await runCli(['run', writeSpec(dir, 'tiny-ae', tinyVaeSpec.replace('kind: vae', 'kind: deep').replace('  kl_warmup_epochs: 2\n', '').replace('  iwae_samples: 5\n', '')), '--runs-dir', runsDir]);
    expect(plain.code, plain.stderr).toBe(0);
    const plainPng = PNG.sync.read(fs.readFileSync(path.join(runsDir, 'tiny-ae', '0001', 'reconstructions.png')));
    expect(png.width).toBe(plainPng.width);
    expect(png.height).toBeGreaterThan(plainPng.height * 1.4);
    expect(fs.readFileSync(path.join(runDir, 'report.html'), 'utf8')).toContain('Denoising run: in each group of three rows');
  }, 300_000);
});
