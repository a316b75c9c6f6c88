// The report of a real run in a real browser: a tiny spec goes through the CLI (`aelab run` into a
// temp runs folder) and its report.html and the runs index are opened in headless Chromium. Every
// picture the run wrote must be in the report, byte for byte, and load; the numbers shown must be
// the run's metrics.json; nothing may log an error or fetch anything.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium, launchChromium, visitPage } from '../helpers/chromium.ts';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

describeWithChromium('a real run’s report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let runsDir: string;
  let runDir: string;

  beforeAll(async () => {
    dir = tempDir('aelab-browser-run-');
    runsDir = path.join(dir, 'runs');
    const spec = writeSpec(dir, 'browser-tiny', tinyDeepSpec);
    const [res, launched] = await Promise.all([runCli(['run', spec, '--runs-dir', runsDir]), launchChromium()]);
    browser = launched;
    expect(res.code, res.stderr).toBe(0);
    runDir = path.join(runsDir, 'browser-tiny', '0001');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('report.html shows every PNG of the run folder, byte for byte, at its size; no errors, no requests', async () => {
    const file = path.join(runDir, 'report.html');
    const v = await visitPage(browser, file);
    const pngs = fs
      .readdirSync(runDir)
      .filter((f) => f.endsWith('.png'))
      .sort();
    // A deep run writes its pictures and a loss chart.
    expect(pngs).toEqual(
      expect.arrayContaining(['interpolation.png', 'latent.png', 'loss.png', 'manifold.png', 'reconstructions.png', 'samples.png']),
    );
    expect(v.images.map((img) => img.alt).sort()).toEqual(pngs);
    v.images.forEach((img, i) => {
      const bytes = fs.readFileSync(path.join(runDir, img.alt));
      expect(v.sources[i], img.alt).toBe(`data:image/png;base64,${bytes.toString('base64')}`);
      const png = PNG.sync.read(bytes);
      expect([img.naturalWidth, img.naturalHeight], img.alt).toEqual([png.width, png.height]);
    });
    expect(v.consoleErrors).toEqual([]);
    expect(v.requests).toEqual([pathToFileURL(file).href]);
    expect(v.dialogs).toEqual([]);
    expect(v.title).toContain('browser-tiny');
  });

  it('report.html shows the run’s own numbers and backend', async () => {
    const v = await visitPage(browser, path.join(runDir, 'report.html'));
    const metrics = readJson<Record<string, number>>(path.join(runDir, 'metrics.json'));
    const run = readJson<{ backend: { name: string } }>(path.join(runDir, 'run.json'));
    // Four significant digits, as the report formats them.
    for (const key of ['train_mse', 'val_mse', 'test_mse']) expect(v.text).toContain(String(Number(metrics[key]!.toPrecision(4))));
    expect(v.text).toContain('2,985'); // test images
    expect(v.text).toContain(run.backend.name);
    expect(v.text).not.toMatch(/is missing from the run folder/);
  });

  it('the runs index lists the run and links to its report', async () => {
    const index = path.join(runsDir, 'index.html');
    const v = await visitPage(browser, index);
    expect(v.consoleErrors).toEqual([]);
    expect(v.dialogs).toEqual([]);
    expect(v.text).toContain('browser-tiny');
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(index).href);
      const hrefs = await page.$$eval('a', (links) => links.map((a) => a.href));
      expect(hrefs).toContain(pathToFileURL(path.join(runDir, 'report.html')).href);
    } finally {
      await page.close();
    }
  });
});
