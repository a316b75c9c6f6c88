// The latent explorer in a real Chromium: its decoder (plain JS in the page) against the Node
// model's, hovering and clicking, the α slider's endpoints, the dimension choice for latent 8,
// sampling, no console errors, no requests, and the page without JavaScript. Chromium is a
// prerequisite: when it is missing these tests fail (CI installs it with apt).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Autoencoder } from '../../src/shared/types.ts';
import { buildModel, hiddenActivations } from '../../src/model/index.ts';
import { renderExplorer } from '../../src/render/explorer/html.ts';
import { htmlPage } from '../../src/render/page.ts';
import { renderComparison } from '../../src/render/index.ts';
import { deepSpec, syntheticImages } from '../model/fixtures.ts';
import { DIM, N_TEST, SIDE, buildFixtureModel, explorerModel, fixtureData, writeExplorerPage, type ExplorerFixture } from './explorer-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

interface Visit {
  page: Page;
  errors: string[];
  requests: string[];
}

type Hook = {
  latent: number;
  decode(z: number[], model?: number): Float32Array;
  state(): { z: number[]; pair: number[]; alpha: number; sample: number[] | null; plane: string; dims: number[]; nearest: number; decodes: number };
  code(i: number, model?: number): number[];
  imageIndex: number[];
  screenOf(z: number[]): { x: number; y: number };
  setZ(z: number[]): void;
  setPair(a: number, b: number): void;
  sample(): number[] | null;
  benchmark(ms: number, model?: number): number;
};
declare global {
  interface Window {
    aelab: Hook;
  }
}

/** The canvas's pixels as one grey value per pixel (the red channel). */
async function canvasGrey(page: Page, selector: string): Promise<number[]> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const out: number[] = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i]!);
    return out;
  });
}

/** The uint8 grey values the page draws for decoded pixels. */
function toGrey(pixels: Float32Array): number[] {
  return Array.from(pixels, (v) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? worst : Infinity;
}

describe('latent explorer in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let data: ExplorerFixture;
  const models: Autoencoder[] = [];
  let deep2: Autoencoder;
  let pca8: Autoencoder;
  const files: Record<string, string> = {};

  async function open(file: string, opts: { javaScriptEnabled?: boolean } = {}): Promise<Visit> {
    const context = await browser.newContext({ javaScriptEnabled: opts.javaScriptEnabled ?? true, viewport: { width: 1200, height: 1400 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests };
  }
  async function close(v: Visit): Promise<void> {
    await v.page.context().close();
  }
  function expectClean(v: Visit, file: string): void {
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([pathToFileURL(file).href]);
  }

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-explorer-'));
    data = fixtureData();
    deep2 = await buildFixtureModel(deepSpec({ latent: 2, encoder: [24, 16] }), data);
    pca8 = await buildFixtureModel({ ...deepSpec(), kind: 'pca', latent: 8 }, data);
    models.push(deep2, pca8);
    files['deep2'] = writeExplorerPage(dir, 'deep2', [explorerModel('deep', deep2, data)], data, 90);
    files['pca8'] = writeExplorerPage(dir, 'pca8', [explorerModel('pca', pca8, data)], data);
    // Every hidden activation, linear and PCA, four decoders to a page (as compare.html shows them).
    const all: Autoencoder[] = [await buildFixtureModel({ ...deepSpec(), kind: 'pca', latent: 3 }, data), await buildFixtureModel({ ...deepSpec(), kind: 'linear', latent: 3, output_activation: 'linear' }, data)];
    for (const activation of hiddenActivations) all.push(await buildFixtureModel(deepSpec({ latent: 3, encoder: [20, 12], activation }), data, 9));
    models.push(...all);
    for (let p = 0; p * 4 < all.length; p++) {
      const group = all.slice(p * 4, p * 4 + 4);
      files[`kinds${p}`] = writeExplorerPage(dir, `kinds${p}`, group.map((m, i) => explorerModel(`${m.kind} ${p * 4 + i}`, m, data)), data);
    }
  });

  afterAll(async () => {
    await browser?.close();
    for (const m of models) m.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the page's decode equals the Node model's decode to 1e-5, for pca, linear and deep with every activation", async () => {
    const pages = Object.keys(files).filter((k) => k.startsWith('kinds')).sort();
    let compared = 0;
    for (const key of pages) {
      const index = Number(key.slice(5));
      const v = await open(files[key]!);
      const group = models.slice(2 + index * 4, 2 + index * 4 + 4);
      for (let m = 0; m < group.length; m++) {
        const model = group[m]!;
        // The test codes' range and well beyond it, where the nonlinearities bend.
        const zs = [[0, 0, 0], [1.5, -2, 0.7], [-4, 3, 5], model.encode(data.images.subarray(0, DIM), 1)];
        for (const z of zs) {
          const got = await v.page.evaluate(([zz, mm]) => Array.from(window.aelab.decode(zz as number[], mm as number)), [Array.from(z), m] as const);
          const want = model.decode(Float32Array.from(z), 1);
          expect(maxAbsDiff(got, want), `${model.kind} model ${m} of ${key} at z = ${Array.from(z).join(', ')}`).toBeLessThan(1e-5);
          compared++;
        }
      }
      expectClean(v, files[key]!);
      await close(v);
    }
    expect(compared).toBe(4 * (2 + hiddenActivations.length));
  });

  it('hovering the scatter decodes the point under the mouse; the nearest test image follows', async () => {
    const v = await open(files['deep2']!);
    const { page } = v;
    expect(await page.isVisible('#aelab-explorer')).toBe(true);
    const box = (await page.locator('canvas[data-role="scatter"]').boundingBox())!;
    const shots: number[][] = [];
    const zs: number[][] = [];
    // Two opposite corners of the plot.
    for (const [fx, fy] of [[0.15, 0.85], [0.9, 0.1]] as const) {
      await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
      const z = (await page.evaluate(() => window.aelab.state())).z;
      const grey = await canvasGrey(page, 'canvas[data-role="decoded"]');
      expect(maxAbsDiff(grey, toGrey(deep2.decode(Float32Array.from(z), 1)))).toBeLessThanOrEqual(1);
      shots.push(grey);
      zs.push(z);
    }
    // Left to right is z1 rising, bottom to top z2 rising.
    expect(zs[1]![0]).toBeGreaterThan(zs[0]![0]!);
    expect(zs[1]![1]).toBeGreaterThan(zs[0]![1]!);
    expect(maxAbsDiff(shots[0]!, shots[1]!)).toBeGreaterThan(0);
    // Hovering right on a test code decodes (about) that code and makes its image the nearest one.
    const index = await page.evaluate(() => window.aelab.imageIndex[40]!);
    const code = await page.evaluate((i) => window.aelab.code(i), index);
    const at = await page.evaluate((zz) => window.aelab.screenOf(zz), code);
    await page.mouse.move(at.x, at.y);
    const onCode = await page.evaluate(() => window.aelab.state());
    const spread = Math.abs(zs[1]![0]! - zs[0]![0]!) + Math.abs(zs[1]![1]! - zs[0]![1]!);
    expect(maxAbsDiff(onCode.z, code)).toBeLessThan(0.02 * spread);
    expect(onCode.nearest).toBe(40);
    expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="nearest"]'), toGrey(data.images.subarray(index * DIM, (index + 1) * DIM)))).toBeLessThanOrEqual(1);
    const recon = toGrey(deep2.reconstruct(data.images.subarray(index * DIM, (index + 1) * DIM), 1));
    expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="nearest-reconstruction"]'), recon)).toBeLessThanOrEqual(1);
    expectClean(v, files['deep2']!);
    await close(v);
  });

  it('clicking two test points and moving α to 0 and 1 shows their reconstructions; the pixel row shows the images', async () => {
    const v = await open(files['deep2']!);
    const { page } = v;
    const [ia, ib] = await page.evaluate(() => [window.aelab.imageIndex[3]!, window.aelab.imageIndex[70]!]);
    for (const k of [3, 70]) {
      const at = await page.evaluate((kk) => window.aelab.screenOf(window.aelab.code(window.aelab.imageIndex[kk]!)), k);
      await page.mouse.click(at.x, at.y);
    }
    expect((await page.evaluate(() => window.aelab.state())).pair).toEqual([3, 70]);
    const slider = page.locator('input[data-role="alpha"]');
    const image = (i: number) => toGrey(data.images.subarray(i * DIM, (i + 1) * DIM));
    for (const [key, index] of [['Home', ia!], ['End', ib!]] as const) {
      await slider.focus();
      await page.keyboard.press(key);
      const state = await page.evaluate(() => window.aelab.state());
      expect(state.alpha).toBe(key === 'Home' ? 0 : 1);
      const recon = toGrey(deep2.reconstruct(data.images.subarray(index * DIM, (index + 1) * DIM), 1));
      expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="interpolation-latent"]'), recon)).toBeLessThanOrEqual(1);
      expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="interpolation-pixel"]'), image(index))).toBeLessThanOrEqual(1);
    }
    expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="pair-a"]'), image(ia!))).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(await canvasGrey(page, 'canvas[data-role="pair-b"]'), image(ib!))).toBeLessThanOrEqual(1);
    // Halfway, the pixel blend is the mean of the two images.
    await page.locator('input[data-role="alpha"]').fill('0.5');
    const blend = await canvasGrey(page, 'canvas[data-role="interpolation-pixel"]');
    const half = Array.from({ length: DIM }, (_, p) => Math.round(((image(ia!)[p]! + image(ib!)[p]!) / 2)));
    expect(maxAbsDiff(blend, half)).toBeLessThanOrEqual(1);
    expectClean(v, files['deep2']!);
    await close(v);
  });

  it('"Sample" draws from the density, decodes it and marks it', async () => {
    const v = await open(files['deep2']!);
    const { page } = v;
    await page.click('button[data-role="sample"]');
    const state = await page.evaluate(() => window.aelab.state());
    expect(state.sample).not.toBeNull();
    expect(state.z).toEqual(state.sample);
    const grey = await canvasGrey(page, 'canvas[data-role="decoded"]');
    expect(maxAbsDiff(grey, toGrey(deep2.decode(Float32Array.from(state.sample!), 1)))).toBeLessThanOrEqual(1);
    // Samples spread like the codes: 200 of them have about the codes' mean and spread.
    const draws = await page.evaluate(() => Array.from({ length: 200 }, () => window.aelab.sample()!));
    const codes = deep2.encode(data.images, N_TEST);
    for (const j of [0, 1]) {
      const col = Array.from({ length: N_TEST }, (_, i) => codes[i * 2 + j]!);
      const m = col.reduce((s, x) => s + x, 0) / N_TEST;
      const sd = Math.sqrt(col.reduce((s, x) => s + (x - m) ** 2, 0) / N_TEST);
      const dm = draws.reduce((s, d) => s + d[j]!, 0) / draws.length;
      expect(Math.abs(dm - m)).toBeLessThan(0.3 * sd);
    }
    expectClean(v, files['deep2']!);
    await close(v);
  });

  it('latent 8 offers the principal plane or two chosen dimensions, a held code and a slider per dimension', async () => {
    const v = await open(files['pca8']!);
    const { page } = v;
    expect(await page.locator('input[data-role="dim-slider"]').count()).toBe(8);
    expect(await page.locator('select[data-role="plane"] option').allTextContents()).toEqual(['first two principal axes of the codes', 'two dimensions']);
    expect(await page.locator('select[data-role="dim-x"]').isDisabled()).toBe(true);
    await page.selectOption('select[data-role="plane"]', 'dims');
    await page.selectOption('select[data-role="dim-x"]', '2');
    await page.selectOption('select[data-role="dim-y"]', '5');
    const before = (await page.evaluate(() => window.aelab.state())).z;
    const box = (await page.locator('canvas[data-role="scatter"]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    const after = (await page.evaluate(() => window.aelab.state())).z;
    // Only z3 and z6 moved; the others are held at the mean code.
    for (let j = 0; j < 8; j++) {
      if (j === 2 || j === 5) expect(Math.abs(after[j]! - before[j]!)).toBeGreaterThan(1e-3);
      else expect(after[j]).toBeCloseTo(before[j]!, 12);
    }
    // A slider moves its own dimension, and the decoded image follows it.
    const decodedBefore = await canvasGrey(page, 'canvas[data-role="decoded"]');
    const slider = page.locator('input[data-role="dim-slider"][data-dim="0"]');
    await slider.focus();
    await page.keyboard.press('End');
    const slid = (await page.evaluate(() => window.aelab.state())).z;
    expect(slid[0]).toBeGreaterThan(after[0]! + 1e-3);
    expect(slid.slice(1)).toEqual(after.slice(1));
    const decodedAfter = await canvasGrey(page, 'canvas[data-role="decoded"]');
    expect(maxAbsDiff(decodedAfter, toGrey(pca8.decode(Float32Array.from(slid), 1)))).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(decodedAfter, decodedBefore)).toBeGreaterThan(0);
    // The principal plane: moving the mouse changes z along the first two principal directions only.
    await page.selectOption('select[data-role="plane"]', 'pca');
    await page.selectOption('select[data-role="hold"]', 'mean');
    expect(await page.locator('select[data-role="dim-x"]').isDisabled()).toBe(true);
    const p0 = (await page.evaluate(() => window.aelab.state())).z;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.2);
    const p1 = (await page.evaluate(() => window.aelab.state())).z;
    expect(maxAbsDiff(p0, p1)).toBeGreaterThan(1e-3);
    expectClean(v, files['pca8']!);
    await close(v);
  });

  it('compare.html decodes one z through up to four runs side by side', async () => {
    const other = await buildFixtureModel(deepSpec({ latent: 2, encoder: [12], activation: 'tanh' }), data, 77);
    const pca2 = await buildFixtureModel({ ...deepSpec(), kind: 'pca', latent: 2 }, data);
    models.push(other, pca2);
    const runs = [deep2, other, pca2];
    const { html } = await renderComparison({
      parameterKeys: ['model.kind'],
      metricKeys: ['test_mse'],
      runs: runs.map((m, i) => ({ id: String(i), label: `${m.kind} ${i}`, kind: m.kind, latent: 2, parameters: { 'model.kind': m.kind }, metrics: {} })),
      explorer: {
        height: SIDE,
        width: SIDE,
        latent: 2,
        labels: data.labels,
        images: data.images,
        models: runs.map((m, i) => explorerModel(`${m.kind} ${i}`, m, data)),
        seed: 3,
      },
    });
    const file = path.join(dir, 'compare.html');
    fs.writeFileSync(file, html);
    const v = await open(file);
    const { page } = v;
    expect(await page.locator('canvas[data-role="decoded"]').count()).toBe(3);
    const box = (await page.locator('canvas[data-role="scatter"]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.6);
    const z = (await page.evaluate(() => window.aelab.state())).z;
    for (let m = 0; m < runs.length; m++) {
      const grey = await canvasGrey(page, `canvas[data-role="decoded"][data-model="${m}"]`);
      expect(maxAbsDiff(grey, toGrey(runs[m]!.decode(Float32Array.from(z), 1)))).toBeLessThanOrEqual(1);
    }
    // Switching the scatter to the PCA run plots its codes and keeps decoding through all three.
    await page.selectOption('select[data-role="model"]', '2');
    const code = await page.evaluate(() => window.aelab.code(window.aelab.imageIndex[5]!, 2));
    const at = await page.evaluate((zz) => window.aelab.screenOf(zz), code);
    await page.mouse.move(at.x, at.y);
    expect((await page.evaluate(() => window.aelab.state())).nearest).toBe(5);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([pathToFileURL(file).href]);
    await close(v);
  });

  it('without JavaScript the explorer stays hidden and the rest of the page is there', async () => {
    const v = await open(files['deep2']!, { javaScriptEnabled: false });
    expect(await v.page.isVisible('#aelab-explorer')).toBe(false);
    expect(await v.page.isVisible('text=static content')).toBe(true);
    expect(await v.page.locator('noscript').count()).toBe(1);
    await close(v);
  });

  it("measures decodes per second for the lecture's decoder, 2-300-500-784 (reported, not asserted)", async () => {
    const images = syntheticImages(N_TEST, 784, 21);
    const lecture = await buildModel(deepSpec({ latent: 2, encoder: [500, 300] }), { inputDim: 784, seed: 1 });
    const { html, csp } = renderExplorer({
      height: 28,
      width: 28,
      latent: 2,
      labels: data.labels,
      images,
      models: [{ label: 'deep', kind: 'deep', decoder: lecture.exportDecoder(), codes: lecture.encode(images, N_TEST), density: null }],
      seed: 1,
    });
    const file = path.join(dir, 'lecture.html');
    fs.writeFileSync(file, htmlPage({ title: 'lecture', body: html, contentSecurityPolicy: csp }));
    const v = await open(file);
    const z = [0.3, -0.2];
    const got = await v.page.evaluate((zz) => Array.from(window.aelab.decode(zz)), z);
    expect(maxAbsDiff(got, lecture.decode(Float32Array.from(z), 1))).toBeLessThan(1e-5);
    const rate = await v.page.evaluate(() => window.aelab.benchmark(500));
    console.log(`explorer: ${Math.round(rate)} decodes/s in Chromium for the lecture's 2-300-500-784 decoder (untrained weights)`);
    expect(rate).toBeGreaterThan(0);
    expectClean(v, file);
    await close(v);
    lecture.dispose();
  });
});
