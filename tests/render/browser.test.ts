// Opens the HTML pages in headless Chromium: every image must load, nothing may log an error,
// and the report must not request anything outside itself.
import { it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { renderComparison, renderRunPictures, renderRunReport, renderRunsIndex, pictureNotes } from '../../src/render/index.ts';
import { history, pictureData } from './fixtures.ts';
import { reportInput, resolvedSpec } from './report-fixture.ts';
import { describeWithChromium, launchChromium, visitPage } from '../helpers/chromium.ts';

const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)">`;

describeWithChromium('HTML pages in headless Chromium', () => {
  let browser: Browser;
  let root: string;

  const visit = (file: string) => visitPage(browser, file);

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-render-browser-'));
    browser = await launchChromium();
    // Two runs with every picture, a runs index and a comparison referencing their PNGs.
    for (const [name, data] of [['deep', pictureData(28, 28)], ['pca', pictureData(8, 12)]] as const) {
      const dir = path.join(root, name, '0001');
      fs.mkdirSync(dir, { recursive: true });
      const files = await renderRunPictures(data, name === 'deep' ? history(5) : null);
      for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.data);
      const input = reportInput(dir, files.filter((f) => f.name.endsWith('.png')).map((f) => f.name));
      const html = renderRunReport({
        ...input,
        run: { ...input.run, name: `${name} ${HOSTILE}` },
        resolved: { ...resolvedSpec(), description: HOSTILE },
        notes: pictureNotes(data),
      });
      fs.writeFileSync(path.join(dir, 'report.html'), html);
    }
    fs.writeFileSync(
      path.join(root, 'index.html'),
      renderRunsIndex(
        ['deep', 'pca'].map((name, i) => ({
          name: `${name} ${HOSTILE}`,
          id: '0001',
          status: i === 0 ? 'completed' : 'failed',
          kind: name,
          latent: 2,
          test_mse: 0.03,
          started_at: `2025-11-2${i}T10:00:00Z`,
          link: `${name}/0001/report.html`,
        })),
      ),
    );
    const compareDir = path.join(root, 'compare');
    fs.mkdirSync(compareDir);
    const { html, files } = await renderComparison({
      parameterKeys: ['model.kind'],
      metricKeys: ['test_mse'],
      runs: ['deep', 'pca'].map((name) => ({
        id: name,
        label: `${name} ${HOSTILE}`,
        kind: name,
        latent: 2,
        parameters: { 'model.kind': name },
        metrics: { test_mse: name === 'deep' ? 0.02 : 0.05 },
        reportPath: `../${name}/0001/report.html`,
        reconstructionsPath: `../${name}/0001/reconstructions.png`,
        samplesPath: `../${name}/0001/samples.png`,
      })),
      best: { runId: 'deep', metric: 'test_mse' },
    });
    for (const f of files) fs.writeFileSync(path.join(compareDir, f.name), f.data);
    fs.writeFileSync(path.join(compareDir, 'compare.html'), html);
  });

  afterAll(async () => {
    await browser?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('report.html: every picture loads from its data: URI, no console errors, no requests, no script runs', async () => {
    // pca has no training history, so no loss chart.
    for (const [name, pictures] of [['deep', 6], ['pca', 5]] as const) {
      const file = path.join(root, name, '0001', 'report.html');
      const v = await visit(file);
      expect(v.images.length).toBe(pictures);
      for (const img of v.images) {
        expect(img.src.startsWith('data:image/png;base64,')).toBe(true);
        expect(img.naturalWidth).toBeGreaterThan(0);
      }
      expect(v.consoleErrors).toEqual([]);
      expect(v.requests).toEqual([pathToFileURL(file).href]);
      expect(v.dialogs).toEqual([]);
      expect(v.title).toContain(`${name} ${HOSTILE}`);
    }
  });

  it('runs/index.html renders the hostile names as text', async () => {
    const v = await visit(path.join(root, 'index.html'));
    expect(v.consoleErrors).toEqual([]);
    expect(v.dialogs).toEqual([]);
    expect(v.images).toEqual([]);
  });

  it('compare.html: the embedded chart and every run’s reconstructions and samples load', async () => {
    const v = await visit(path.join(root, 'compare', 'compare.html'));
    expect(v.images.length).toBe(1 + 2 + 2);
    for (const img of v.images) expect(img.naturalWidth).toBeGreaterThan(0);
    expect(v.consoleErrors).toEqual([]);
    expect(v.dialogs).toEqual([]);
  });
});
