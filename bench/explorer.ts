// The latent explorer's speed in Chromium for the lecture's model (decoder 2-300-500-784): bare
// decodes per second through the page's window.aelab hook, and whole hover updates per second
// (pointermove → decode, nearest test image, scatter redraw), plus the explorer's size in the page.
// Untrained weights: a decode costs the same multiply-adds whatever the weights are.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { loadDataset } from '../src/data/index.ts';
import { buildModel } from '../src/model/index.ts';
import { renderExplorer } from '../src/render/explorer/html.ts';
import { htmlPage } from '../src/render/page.ts';
import { median } from './matmul.ts';

const CHROMIUM = '/usr/bin/chromium';

export interface ExplorerBenchResult {
  architecture: string;
  test_codes: number;
  embedded_images: number;
  explorer_bytes: number;
  decodes_per_second: { median: number; runs: number[] };
  hover_updates_per_second: { median: number; runs: number[] };
}

export async function benchExplorer(repeats: number, root: string): Promise<ExplorerBenchResult> {
  const data = loadDataset({ source: 'mnist', digits: [1, 5, 6], validation: 5000 }, { baseDir: root });
  const spec = { kind: 'deep', latent: 2, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid', dropout: 0, batch_norm: false, tied: false } as const;
  const model = await buildModel({ ...spec, encoder: [...spec.encoder] }, { inputDim: data.dim, seed: 42 });
  const { images, labels, count } = data.test;
  const codes = model.encode(images, count);
  const explorer = renderExplorer({
    height: data.height,
    width: data.width,
    latent: 2,
    labels,
    images,
    models: [{ label: 'deep', kind: 'deep', decoder: model.exportDecoder(), codes, density: null }],
    seed: 42,
  });
  model.dispose();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-bench-explorer-'));
  const file = path.join(dir, 'explorer.html');
  fs.writeFileSync(file, htmlPage({ title: 'explorer bench', body: explorer.html, contentSecurityPolicy: explorer.csp }));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    await page.goto(pathToFileURL(file).href);
    const decodes: number[] = [];
    const hovers: number[] = [];
    for (let r = 0; r < repeats; r++) {
      decodes.push(await page.evaluate(() => (window as unknown as { aelab: { benchmark(ms: number): number } }).aelab.benchmark(1000)));
      hovers.push(
        await page.evaluate(() => {
          const canvas = document.querySelector('canvas[data-role="scatter"]')!;
          const box = canvas.getBoundingClientRect();
          const t0 = performance.now();
          let n = 0;
          while (performance.now() - t0 < 1000) {
            const f = (n % 100) / 100;
            canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: box.left + 50 + f * 340, clientY: box.top + 50 + f * 300, bubbles: true }));
            n++;
          }
          return (n * 1000) / (performance.now() - t0);
        }),
      );
    }
    return {
      architecture: '2-300-500-784 (relu, sigmoid)',
      test_codes: count,
      embedded_images: (explorer.html.match(/"imageIndex":\[([^\]]*)\]/)?.[1] ?? '').split(',').length,
      explorer_bytes: Buffer.byteLength(explorer.html),
      decodes_per_second: { median: median(decodes), runs: decodes },
      hover_updates_per_second: { median: median(hovers), runs: hovers },
    };
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
