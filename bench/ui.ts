// `aelab ui` speed: listing a runs folder of 1,000 runs (cold walk + page, and a warm request),
// and how long a new epoch takes to reach a run page in Chromium, through fs.watch and through
// the periodic rescan alone (watch off, as on a network file system).
// The runs are written here as a training process leaves them (run.json, resolved.json, spec.yaml,
// metrics.json, a 20-epoch history.csv): reading them is what the dashboard does, whatever trained them.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { runsPage } from '../src/ui/pages.ts';
import { RunsIndex } from '../src/ui/scan.ts';
import { startUiServer } from '../src/ui/server.ts';
import { median } from './matmul.ts';

const CHROMIUM = '/usr/bin/chromium';

export interface UiBenchResult {
  runs: number;
  /** Walk + read every run + render the list page, from nothing (what a first request costs). */
  cold_list_seconds: { median: number; runs: number[] };
  /** GET / on a running server (the index is kept current, so this renders from memory). */
  warm_request_seconds: { median: number; runs: number[] };
  list_page_bytes: number;
  /** history.csv gains a line → the run page's curve has one more point. */
  epoch_latency_watch_seconds: { median: number; runs: number[] };
  epoch_latency_rescan_only_seconds: { median: number; runs: number[] };
}

function writeRun(dir: string, i: number, running: boolean, epochs: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const started = running ? new Date().toISOString() : new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const latent = [2, 4, 8, 16, 32][i % 5]!;
  const kind = i % 2 ? 'deep' : 'pca';
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify(
      {
        id: path.basename(dir),
        name: path.basename(path.dirname(dir)),
        status: running ? 'running' : 'completed',
        started_at: started,
        finished_at: running ? undefined : started,
        duration_seconds: running ? undefined : 60,
        command: ['aelab', 'run', 'x.yaml'],
        overrides: {},
        versions: { node: process.version, aelab: '0.1.0' },
        cpus: 2,
        hostname: os.hostname(),
        pid: process.pid,
        stage: running ? 'train' : 'done',
      },
      null,
      2,
    ),
  );
  const spec = {
    name: 'x',
    seed: 42,
    data: { source: 'mnist', digits: [1, 5, 6], validation: 5000 },
    model: { kind, latent, encoder: [500, 300] },
    train: { epochs: 20, batch_size: 64, learning_rate: 0.001 },
  };
  fs.writeFileSync(path.join(dir, 'resolved.json'), JSON.stringify({ spec, hash: 'f'.repeat(64) }, null, 2));
  fs.writeFileSync(path.join(dir, 'spec.yaml'), `# bench run ${i}\nmodel:\n  kind: ${kind}\n  latent: ${latent}\n`);
  if (!running)
    fs.writeFileSync(
      path.join(dir, 'metrics.json'),
      JSON.stringify({ test_mse: 0.03 + (i % 17) / 1000, val_mse: 0.031, params: 1e5 + i, train_seconds: 60 }),
    );
  const lines = ['epoch,loss,val_loss,seconds'];
  for (let e = 1; e <= epochs; e++) lines.push(`${e},${0.1 / e},${0.11 / e},3.1`);
  fs.writeFileSync(path.join(dir, 'history.csv'), lines.join('\n') + '\n');
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

export async function benchUi(repeats: number, workDir: string): Promise<UiBenchResult> {
  const runsDir = path.join(workDir, 'ui-runs');
  fs.rmSync(runsDir, { recursive: true, force: true });
  const RUNS = 1000;
  // 20 experiments of 50 runs; every other experiment is one 50-trial sweep.
  for (let i = 0; i < RUNS; i++) {
    const exp = Math.floor(i / 50);
    const dir =
      exp % 2
        ? path.join(runsDir, `exp-${exp}`, 'sweep-0001', `kind=deep,latent=${i % 50}`)
        : path.join(runsDir, `exp-${exp}`, String((i % 50) + 1).padStart(4, '0'));
    writeRun(dir, i, false, 20);
  }

  const cold: number[] = [];
  let bytes = 0;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    const index = new RunsIndex(runsDir);
    index.scanAll();
    const html = runsPage(runsDir, index.runs());
    cold.push((performance.now() - t) / 1000);
    bytes = Buffer.byteLength(html);
    if (index.runs().length !== RUNS) throw new Error(`listed ${index.runs().length} runs, wrote ${RUNS}`);
  }

  // One run that trains: its history grows while the page watches.
  const liveDir = path.join(runsDir, 'live', '0001');
  writeRun(liveDir, 0, true, 1);
  const warm: number[] = [];
  const latency = { watch: [] as number[], rescan: [] as number[] };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const watch of [true, false]) {
      const server = await startUiServer({ runsDir, port: 0, watch });
      try {
        if (watch) {
          for (let r = 0; r < repeats; r++) {
            const t = performance.now();
            await get(server.url);
            warm.push((performance.now() - t) / 1000);
          }
        }
        const page = await browser.newPage();
        await page.goto(`${server.url}r/live/0001/.run`);
        const points = async () =>
          Number((await page.locator('#chart path.series[data-name="training loss"]').getAttribute('data-points')) ?? 0);
        await page.locator('#chart path.series').first().waitFor({ state: 'attached' });
        for (let r = 0; r < repeats; r++) {
          const before = await points();
          const history = path.join(liveDir, 'history.csv');
          const text = fs.readFileSync(history, 'utf8') + `${before + 1},${0.1 / (before + 1)},${0.11 / (before + 1)},3.1\n`;
          // As the pipeline writes it: a temp file renamed over the old one.
          fs.writeFileSync(history + '.tmp', text);
          const t = performance.now();
          fs.renameSync(history + '.tmp', history);
          await page.waitForFunction(
            (n) => Number(document.querySelector('#chart path.series[data-name="training loss"]')?.getAttribute('data-points')) > n,
            before,
            { timeout: 30_000, polling: 20 },
          );
          (watch ? latency.watch : latency.rescan).push((performance.now() - t) / 1000);
          await new Promise((res) => setTimeout(res, 300));
        }
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  const stat = (runs: number[]) => ({ median: median(runs), runs: runs.map((v) => Math.round(v * 1000) / 1000) });
  return {
    runs: RUNS,
    cold_list_seconds: stat(cold),
    warm_request_seconds: stat(warm),
    list_page_bytes: bytes,
    epoch_latency_watch_seconds: stat(latency.watch),
    epoch_latency_rescan_only_seconds: stat(latency.rescan),
  };
}
