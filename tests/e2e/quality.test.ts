// Quality metrics through the real CLI: the classifier is trained by the first run and reused by
// the next, the numbers land in metrics.json, run.json, samples.png, classes.png, report.html and
// compare; evaluate.quality: false makes no classifier at all.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { qualitySpec, readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

describe('quality metrics in aelab run', () => {
  // Two runs and a compare through the CLI: ~15 s on an idle machine, much more on a shared one.
  it('trains the classifier once, reuses it, and reports the metrics everywhere', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'tiny', qualitySpec);
    const runsDir = path.join(dir, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/training the feature classifier for quality metrics \(784-64-10 MLP on 2500 training images, 1 epoch;/);
    expect(first.stderr).toMatch(/classifier test accuracy \d+\.\d\d % \(10000 test images, all labels\)/);
    expect(first.stderr).toMatch(/fd_samples \d+\.\d\d \(real \d+\.\d\d\), \d+\.\d % of samples in data\.digits/);
    const second = await runCli(['run', spec, '--runs-dir', runsDir, '--set', 'model.latent=3']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/training the feature classifier/);

    const entries = fs.readdirSync(path.join(runsDir, '.cache', 'classifiers'));
    expect(entries).toHaveLength(1);
    const runs = ['0001', '0002'].map((id) => path.join(runsDir, 'tiny', id));
    const records = runs.map((r) => readJson<{ classifier: { hash: string; trained: boolean; test_accuracy: number; architecture: string } }>(path.join(r, 'run.json')));
    expect(records.map((r) => r.classifier.trained)).toEqual([true, false]);
    expect(records[0]!.classifier.hash).toBe(entries[0]);
    expect(records[1]!.classifier.hash).toBe(entries[0]);
    expect(records[0]!.classifier.architecture).toBe('784-64-10 ReLU MLP');

    for (const runDir of runs) {
      const m = readJson<Record<string, unknown>>(path.join(runDir, 'metrics.json'));
      expect(m.classifier_test_accuracy).toBe(records[0]!.classifier.test_accuracy);
      expect(m.classifier_test_accuracy as number).toBeGreaterThan(0.8);
      expect(m.quality_samples).toBe(2985);
      for (const k of ['fd_samples', 'fd_reconstructions', 'fd_real']) expect(m[k] as number, k).toBeGreaterThan(0);
      // Real validation images are closer to the test images than anything a 2-epoch model makes.
      expect(m.fd_real as number).toBeLessThan(m.fd_reconstructions as number);
      expect(m.fd_real as number).toBeLessThan(m.fd_samples as number);
      for (const k of ['recon_accuracy', 'original_accuracy', 'sample_in_digits']) {
        expect(m[k] as number, k).toBeGreaterThanOrEqual(0);
        expect(m[k] as number, k).toBeLessThanOrEqual(1);
      }
      expect(m.original_accuracy as number).toBeGreaterThan(0.8);
      const shares = m.sample_class_share as Record<string, number>;
      expect(Object.keys(shares)).toHaveLength(10);
      expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(m.sample_in_digits as number).toBeCloseTo(shares['1']! + shares['5']! + shares['6']!, 9);

      // samples.png carries coloured class labels (the plain grid is greyscale).
      const png = PNG.sync.read(fs.readFileSync(path.join(runDir, 'samples.png')));
      let coloured = 0;
      for (let i = 0; i < png.data.length; i += 4) if (Math.abs(png.data[i]! - png.data[i + 2]!) > 80) coloured++;
      expect(coloured).toBeGreaterThan(20);
      expect(fs.existsSync(path.join(runDir, 'classes.png'))).toBe(true);
      const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
      expect(html).toContain('Classes of the samples.');
      expect(html).toContain('Fréchet distance, samples vs test images');
      expect(html).toContain('feature classifier test accuracy (all labels)');
    }

    const out = path.join(dir, 'cmp');
    const cmp = await runCli(['compare', ...runs, '--sort', 'fd_samples', '--format', 'csv', '--out', out]);
    expect(cmp.code, cmp.stderr).toBe(0);
    const [header, ...lines] = cmp.stdout.trim().split('\n');
    expect(header).toContain('fd_samples,sample_in_digits,recon_accuracy');
    const col = header!.split(',').indexOf('fd_samples');
    const values = lines.map((l) => Number(l.split(',')[col]));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(fs.existsSync(path.join(out, 'compare-fd-latent.png'))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'compare.html'), 'utf8')).toContain('Sample quality against latent size');
  });

  it('evaluate.quality: false makes no classifier and no quality metrics', async () => {
    const dir = tempDir();
    const spec = writeSpec(dir, 'off', tinyDeepSpec);
    const runsDir = path.join(dir, 'runs');
    const res = await runCli(['run', spec, '--runs-dir', runsDir]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/classifier/);
    expect(fs.existsSync(path.join(runsDir, '.cache'))).toBe(false);
    const runDir = path.join(runsDir, 'off', '0001');
    const m = readJson<Record<string, unknown>>(path.join(runDir, 'metrics.json'));
    expect(Object.keys(m).filter((k) => /^(fd_|recon_acc|sample_|classifier|quality)/.test(k))).toEqual([]);
    expect(readJson<Record<string, unknown>>(path.join(runDir, 'run.json')).classifier).toBeUndefined();
    expect(fs.existsSync(path.join(runDir, 'classes.png'))).toBe(false);
    expect(fs.existsSync(path.join(runDir, 'samples.png'))).toBe(true);
  });
});
