// The dashboard in a real Chromium while a run trains in another process: the run appears in the
// list as running, its loss curve grows epoch by epoch, and its report shows up when it completes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startUiServer, type UiServer } from '../../src/ui/server.ts';
import { bin, root, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('aelab ui in Chromium', () => {
  let browser: Browser;
  let server: UiServer;
  let runsDir: string;
  let specFile: string;

  beforeAll(async () => {
    // A missing browser is a broken CI machine, not a reason to skip.
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is required (apt install chromium)`).toBe(true);
    const dir = tempDir('aelab-ui-browser-');
    runsDir = path.join(dir, 'runs');
    fs.mkdirSync(runsDir);
    // Long enough per epoch that the page sees the curve grow while the run is still training.
    specFile = writeSpec(dir, 'growing', tinyDeepSpec.replace('epochs: 2', 'epochs: 16').replace('limit: 300', 'limit: 2000'));
    server = await startUiServer({ runsDir, port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a run appear, its curve grow while it trains, and its report when it completes', async () => {
    const page: Page = await browser.newPage();
    const problems: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('about:'))
        problems.push(`request outside: ${r.url()}`);
    });
    await page.goto(server.url);
    await expect.poll(() => page.textContent('#live')).toMatch(/^live/);
    expect(await page.textContent('#runs')).toContain('No runs yet');

    const child = spawn(process.execPath, [bin, 'run', specFile, '--runs-dir', runsDir], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // The list updates itself: the run appears as running, with its epoch count.
      const row = page.locator('tr.run[data-path="growing/0001"][data-status="running"]');
      await row.waitFor({ timeout: 90_000 });
      // Filters hide and show it.
      await page.fill('#filter-text', 'no-such-run');
      await expect.poll(() => row.isVisible()).toBe(false);
      await page.fill('#filter-text', 'growing');
      await expect.poll(() => row.isVisible()).toBe(true);

      await row.locator('a').first().click();
      await page.waitForURL(/\/r\/growing\/0001\/\.run$/);
      const curve = page.locator('#chart path.series[data-name="training loss"]');
      await curve.waitFor({ timeout: 90_000 });
      const first = Number(await curve.getAttribute('data-points'));
      const statusAtFirst = await page.locator('#run-status .badge').first().textContent();
      // The same curve, without reloading, gains epochs.
      await expect
        .poll(async () => Number(await page.locator('#chart path.series[data-name="training loss"]').getAttribute('data-points')), {
          timeout: 60_000,
        })
        .toBeGreaterThan(first);
      expect(first).toBeLessThan(16);
      expect(statusAtFirst).toBe('running');

      // When the run completes, report.html is written and the page shows it.
      await page.locator('iframe.report').waitFor({ timeout: 120_000 });
      expect(await exited, stderr).toBe(0);
      await expect
        .poll(async () => Number(await page.locator('#chart path.series[data-name="training loss"]').getAttribute('data-points')))
        .toBe(16);
      const report = page.frameLocator('iframe.report');
      await expect.poll(() => report.locator('h1').textContent()).toBe('growing');

      await page.goto(server.url);
      await page.locator('tr.run[data-path="growing/0001"][data-status="completed"]').waitFor();
      expect(problems).toEqual([]);
    } finally {
      child.kill();
      await page.close();
    }
  }, 300_000);
});
