// The browser tests' rule about a missing Chromium, checked by running vitest on them with a
// Chromium path that does not exist: with CI=true they fail and say what is missing; without CI
// they are skipped, visibly (the reason is in the test name), never passed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.ts';

const VITEST = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');

function runBrowserTests(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VITEST, 'run', 'tests/render/browser.test.ts', 'tests/render/browser-run.test.ts', '--reporter=verbose'],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', AELAB_TEST_CHROMIUM: '/nonexistent/chromium', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('browser tests without Chromium', () => {
  it('fail under CI=true, naming what is missing', async () => {
    const { code, output } = await runBrowserTests({ CI: 'true' });
    expect(code, output).toBe(1);
    expect(output).toContain('Chromium is not installed at /nonexistent/chromium, and CI=true');
    expect(output).toMatch(/Tests\s+2 failed \(2\)/);
  }, 120_000);

  it('are skipped with the reason in their names when CI is not set', async () => {
    const { code, output } = await runBrowserTests({ CI: '' });
    expect(code, output).toBe(0);
    expect(output).toContain('skipped: /nonexistent/chromium is not installed and CI is not set');
    expect(output).toMatch(/Tests\s+6 skipped \(6\)/);
  }, 120_000);
});
