// A real run's report.html and codes: the run writes codes/*.npy that read back as the model's
// codes, and its report's explorer decodes like the saved model, in Chromium, with nothing
// fetched and no console errors. A PCA run with latent 8 and train_codes off gets the dimension
// choice and no codes/train.npy. Chromium is a prerequisite: missing, these tests fail.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/data/index.ts';
import { loadDataset } from '../../src/data/index.ts';
import { loadModel } from '../../src/model/index.ts';
import { runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('a run writes codes/*.npy and an explorer in report.html', () => {
  let browser: Browser;
  let deepDir: string;
  let pcaDir: string;
  let pca2Dir: string;
  let root: string;

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium`).toBe(true);
    const dir = tempDir();
    const runsDir = path.join(dir, 'runs');
    const pcaSpec = tinyDeepSpec.replace('kind: deep', 'kind: pca');
    // Three runs at once: a deep one, PCA at latent 8 without train codes, PCA at latent 2.
    const results = await Promise.all([
      runCli(['run', writeSpec(dir, 'tiny', tinyDeepSpec), '--runs-dir', runsDir]),
      runCli(['run', writeSpec(dir, 'pca8', pcaSpec.replace('latent: 2', 'latent: 8') + '  train_codes: false\n'), '--runs-dir', runsDir]),
      runCli(['run', writeSpec(dir, 'pca2', pcaSpec), '--runs-dir', runsDir]),
    ]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    deepDir = path.join(runsDir, 'tiny', '0001');
    pcaDir = path.join(runsDir, 'pca8', '0001');
    pca2Dir = path.join(runsDir, 'pca2', '0001');
    root = dir;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('codes/test.npy, test_labels.npy and train.npy hold the saved model’s codes of the data', async () => {
    const test = readNpy(path.join(deepDir, 'codes', 'test.npy'));
    const labels = readNpy(path.join(deepDir, 'codes', 'test_labels.npy'));
    const train = readNpy(path.join(deepDir, 'codes', 'train.npy'));
    expect(test.dtype).toBe('float32');
    expect(test.shape).toEqual([2985, 2]);
    expect(labels.dtype).toBe('uint8');
    expect(labels.shape).toEqual([2985]);
    expect(train.shape).toEqual([300, 2]);
    const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 200, limit: 300 }, { baseDir: '.' });
    expect(Array.from(labels.data as Uint8Array)).toEqual(Array.from(data.test.labels));
    const model = await loadModel(path.join(deepDir, 'model'));
    const some = data.test.images.subarray(0, 10 * data.dim);
    const want = model.encode(some, 10);
    const got = (test.data as Float32Array).subarray(0, 20);
    for (let i = 0; i < 20; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[i]!)));
    model.dispose();
    expect(fs.existsSync(path.join(pcaDir, 'codes', 'test.npy'))).toBe(true);
    expect(fs.existsSync(path.join(pcaDir, 'codes', 'train.npy'))).toBe(false);
  });

  it("the report's explorer decodes like the saved model, hovering works, nothing is fetched", async () => {
    const file = path.join(deepDir, 'report.html');
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('id="aelab-explorer"');
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const model = await loadModel(path.join(deepDir, 'model'));
    for (const z of [[0, 0], [1.5, -0.5], [-3, 2]]) {
      const got = await page.evaluate((zz) => Array.from((window as unknown as { aelab: { decode(z: number[]): Float32Array } }).aelab.decode(zz)), z);
      const want = model.decode(Float32Array.from(z), 1);
      let worst = 0;
      for (let p = 0; p < want.length; p++) worst = Math.max(worst, Math.abs(got[p]! - want[p]!));
      expect(worst).toBeLessThan(1e-5);
    }
    model.dispose();
    const scatter = page.locator('canvas[data-role="scatter"]');
    await scatter.scrollIntoViewIfNeeded();
    const box = (await scatter.boundingBox())!;
    const state = () => page.evaluate(() => (window as unknown as { aelab: { state(): { z: number[] } } }).aelab.state().z);
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    const a = await state();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7);
    const b = await state();
    expect(b[0]).toBeGreaterThan(a[0]!);
    expect(b[1]).toBeLessThan(a[1]!);
    // The static pictures are all still there.
    expect(await page.locator('figure img').count()).toBe(6);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    await page.close();
  });

  it('a latent-8 PCA run offers the dimension choice and samples from its density', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(path.join(pcaDir, 'report.html')).href);
    expect(await page.locator('select[data-role="plane"]').count()).toBe(1);
    expect(await page.locator('input[data-role="dim-slider"]').count()).toBe(8);
    await page.click('button[data-role="sample"]');
    const sample = await page.evaluate(() => (window as unknown as { aelab: { state(): { sample: number[] | null } } }).aelab.state().sample);
    expect(sample).toHaveLength(8);
    expect(await page.locator('button[data-role="sample"]').textContent()).toContain('diagonal Gaussian fitted on the training codes');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compare.html decodes one z through the deep and the PCA run; runs of different latent sizes get a note instead', async () => {
    const out = path.join(root, 'cmp');
    const res = await runCli(['compare', deepDir, pca2Dir, pcaDir, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const file = path.join(out, 'compare.html');
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    // pca8 has another latent size, so two decoders.
    expect(await page.locator('canvas[data-role="decoded"]').count()).toBe(2);
    // The decoders come in table order (best test MSE first); the labels say which is which.
    const labels = await page.evaluate(() => (window as unknown as { aelab: { models: string[] } }).aelab.models);
    expect(labels).toHaveLength(2);
    for (const dir of [deepDir, pca2Dir]) {
      const index = labels.findIndex((l) => l.includes(path.basename(path.dirname(dir))));
      expect(index).toBeGreaterThanOrEqual(0);
      const model = await loadModel(path.join(dir, 'model'));
      const z = [0.5, -1];
      const got = await page.evaluate(([zz, m]) => Array.from((window as unknown as { aelab: { decode(z: number[], m: number): Float32Array } }).aelab.decode(zz as number[], m as number)), [z, index] as const);
      const want = model.decode(Float32Array.from(z), 1);
      let worst = 0;
      for (let p = 0; p < want.length; p++) worst = Math.max(worst, Math.abs(got[p]! - want[p]!));
      expect(worst).toBeLessThan(1e-5);
      model.dispose();
    }
    expect(errors).toEqual([]);
    await page.close();

    const apart = await runCli(['compare', deepDir, pcaDir, '--out', path.join(root, 'cmp2')]);
    expect(apart.code, apart.stderr).toBe(0);
    const html = fs.readFileSync(path.join(root, 'cmp2', 'compare.html'), 'utf8');
    expect(html).toContain('No interactive explorer');
    expect(html).toContain('latent sizes 2, 8');
  });
});
