// `aelab ui --stale-after`: a run that says it is running, whose process is alive on this machine
// but whose heartbeat stopped 5 minutes ago, shows as running by default (10 minutes) and as lost
// with --stale-after 2m, as `aelab run`, `ls` and `compare` judge it; a bad duration is a usage error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { RunsIndex } from '../../src/ui/scan.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

function runsWithSilentRun(): string {
  const runsDir = path.join(tempDir('aelab-ui-stale-'), 'runs');
  const dir = path.join(runsDir, 'quiet', '0001');
  fs.mkdirSync(dir, { recursive: true });
  const heartbeat = new Date(Date.now() - 5 * 60_000).toISOString();
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ id: '0001', name: 'quiet', status: 'running', stage: 'train', pid: process.pid, hostname: os.hostname(), started_at: heartbeat, heartbeat_at: heartbeat }),
  );
  return runsDir;
}

describe('aelab ui --stale-after', () => {
  it('judges a silent running run by the given staleness', () => {
    const runsDir = runsWithSilentRun();
    const byDefault = new RunsIndex(runsDir);
    byDefault.scanAll();
    expect(byDefault.runs().map((r) => r.status)).toEqual(['running']);
    const strict = new RunsIndex(runsDir, 2 * 60_000);
    strict.scanAll();
    expect(strict.runs().map((r) => r.status)).toEqual(['lost']);
  });

  it('refuses a duration it cannot read or one shorter than two heartbeats (exit 2)', async () => {
    const runsDir = runsWithSilentRun();
    const bad = await runCli(['ui', '--runs-dir', runsDir, '--stale-after', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stale-after soon: expected a duration such as 90s, 10m or 2h/);
    const short = await runCli(['ui', '--runs-dir', runsDir, '--stale-after', '10s']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/must be at least 60s/);
  });
});
