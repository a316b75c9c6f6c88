// Headless Chromium for the browser tests. A missing Chromium is a failure in CI (CI=true, as CI
// services and .ci/run's environment set it), never a silent skip; on a developer's machine
// without it the tests are skipped with the reason in their name.
import fs from 'node:fs';
import { describe, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package; AELAB_TEST_CHROMIUM points elsewhere (tests of this rule use a path that does not exist). */
export const CHROMIUM = process.env.AELAB_TEST_CHROMIUM || '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);
export const inCi = /^(1|true)$/i.test(process.env.CI ?? '');

export const MISSING_IN_CI = `Chromium is not installed at ${CHROMIUM}, and CI=true: the browser tests need it (apt-get install chromium; .ci/run installs it)`;

/** describe() for tests that need Chromium (see the rule at the top of this file). */
export function describeWithChromium(name: string, body: () => void): void {
  if (hasChromium) {
    describe(name, body);
  } else if (inCi) {
    describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(MISSING_IN_CI);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${CHROMIUM} is not installed and CI is not set; CI installs it with apt and fails without it)`, body);
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface PageVisit {
  /** src is cut to its first 60 characters; sources holds them whole, in the same order. */
  images: { src: string; alt: string; naturalWidth: number; naturalHeight: number }[];
  sources: string[];
  /** The page's visible text. */
  text: string;
  consoleErrors: string[];
  requests: string[];
  dialogs: string[];
  title: string;
}

/** Opens a file in a new page and records what a reader would notice going wrong. */
export async function visitPage(browser: Browser, file: string): Promise<PageVisit> {
  const page: Page = await browser.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('data:')) requests.push(r.url());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Lazy images below the fold load only when scrolled to; bring each into view first.
    await page.$$eval('img', (imgs) => imgs.forEach((img) => img.setAttribute('loading', 'eager')));
    await page.waitForFunction(() => [...document.images].every((img) => img.complete));
    const images = await page.$$eval('img', (imgs) =>
      imgs.map((img) => ({ src: img.src.slice(0, 60), alt: img.alt, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight })),
    );
    const sources = await page.$$eval('img', (imgs) => imgs.map((img) => img.src));
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text is what a reader sees; textContent includes hidden nodes
    const text = await page.evaluate(() => document.body.innerText);
    return { images, sources, text, consoleErrors, requests, dialogs, title: await page.title() };
  } finally {
    await page.close();
  }
}
