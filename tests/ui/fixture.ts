// A runs folder for the dashboard's tests, made by the real CLI: a two-trial sweep (pca and a
// tiny deep model that trains 2 epochs), plus hand-made damage: a run whose run.json is corrupt,
// a copy of a trial turned into a failed run whose name and error are hostile HTML, and one left
// 'running' by a process that died.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

export const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)">`;

export interface UiFixture {
  root: string;
  runsDir: string;
  sweepPath: string;
  deepTrial: string;
  pcaTrial: string;
}

export async function buildRunsFixture(): Promise<UiFixture> {
  const root = tempDir('aelab-ui-');
  const runsDir = path.join(root, 'runs');
  const spec = writeSpec(root, 'grid', `${tinyDeepSpec}\nsweep:\n  grid:\n    model.kind: [pca, deep]\n`);
  const res = await runCli(['run', spec, '--runs-dir', runsDir]);
  if (res.code !== 0) throw new Error(`fixture sweep failed:\n${res.stderr}`);
  const sweepPath = 'grid/sweep-0001';
  const deepTrial = `${sweepPath}/kind=deep`;
  const pcaTrial = `${sweepPath}/kind=pca`;
  for (const t of [deepTrial, pcaTrial]) if (!fs.existsSync(path.join(runsDir, t, 'run.json'))) throw new Error(`fixture: no ${t}`);

  // A run folder whose run.json was cut off mid-write by something other than aelab.
  fs.mkdirSync(path.join(runsDir, 'broken', '0001'), { recursive: true });
  fs.writeFileSync(path.join(runsDir, 'broken', '0001', 'run.json'), '{"id": "0001", "name": "bro');

  // A failed run with hostile text where user-controlled text goes.
  const hostileDir = path.join(runsDir, 'hostile', '0001');
  fs.cpSync(path.join(runsDir, deepTrial), hostileDir, { recursive: true });
  const run = JSON.parse(fs.readFileSync(path.join(hostileDir, 'run.json'), 'utf8'));
  delete run.sweep;
  Object.assign(run, {
    name: `hostile ${HOSTILE}`,
    id: '0001',
    status: 'failed',
    error: { message: `bad ${HOSTILE}\nsecond line`, kind: 'user' },
  });
  fs.writeFileSync(path.join(hostileDir, 'run.json'), JSON.stringify(run));
  fs.rmSync(path.join(hostileDir, 'report.html'));

  // A run left 'running' by a process on this machine that has since died: lost.
  const lostDir = path.join(runsDir, 'orphan', '0001');
  fs.cpSync(path.join(runsDir, deepTrial), lostDir, { recursive: true });
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  const lost = JSON.parse(fs.readFileSync(path.join(lostDir, 'run.json'), 'utf8'));
  delete lost.sweep;
  delete lost.finished_at;
  Object.assign(lost, { name: 'orphan', id: '0001', status: 'running', stage: 'train', pid: deadPid, hostname: os.hostname() });
  fs.writeFileSync(path.join(lostDir, 'run.json'), JSON.stringify(lost));
  fs.rmSync(path.join(lostDir, 'report.html'));
  return { root, runsDir, sweepPath, deepTrial, pcaTrial };
}

/** Every file below dir with its size and modification time, to prove nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      out[path.relative(dir, p)] = `${st.size}:${st.mtimeMs}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}
