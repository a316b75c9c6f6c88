// `aelab ui` on the command line: prints its URL, warns when it listens beyond this machine,
// refuses bad flags and a missing runs folder, and stops on Ctrl-C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { bin, root, runCli, tempDir } from '../helpers/cli.ts';

describe('aelab ui (CLI)', () => {
  it('prints its URL, serves the runs list, warns for a network-wide --host, and stops on Ctrl-C', async () => {
    const runsDir = path.join(tempDir('aelab-ui-cli-'), 'runs');
    fs.mkdirSync(runsDir);
    const child = spawn(process.execPath, [bin, 'ui', '--runs-dir', runsDir, '--port', '0', '--host', '0.0.0.0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /^(http:\/\/\S+)$/m.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('close', () => reject(new Error(`exited before printing a URL:\n${stderr}`)));
    });
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(stderr).toMatch(/warning: listening on 0\.0\.0\.0: anyone who can reach this machine on port \d+ can read every run/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('No runs yet');
    } finally {
      child.kill('SIGINT');
    }
    const end = await closed;
    expect(end.code === 130 || end.signal === 'SIGINT').toBe(true);
  }, 60_000);

  it('says nothing about the network on the default host', async () => {
    const runsDir = tempDir('aelab-ui-cli-');
    const child = spawn(process.execPath, [bin, 'ui', '--runs-dir', runsDir, '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('http://') && resolve()));
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
    expect(stderr).toContain('0 runs in');
    expect(stderr).not.toContain('warning');
  }, 60_000);

  it('refuses a bad --port (exit 2) and a runs folder that does not exist (exit 1)', async () => {
    const port = await runCli(['ui', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port eighty: give a port number from 0 to 65535');
    const missing = path.join(tempDir('aelab-ui-cli-'), 'nope');
    const res = await runCli(['ui', '--runs-dir', missing]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`runs folder ${missing} does not exist`);
  }, 60_000);
});
