// The pictures of a run, end to end: the same data spec shows the same test digits in every run,
// whatever the model, so reconstructions can be compared side by side.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

describe('run pictures', () => {
  it('shows the same test digits in the reconstructions of a pca run and a deep run on one data spec', async () => {
    const dir = tempDir();
    const runsDir = path.join(dir, 'runs');
    const deep = writeSpec(dir, 'deep', tinyDeepSpec.replace('epochs: 2', 'epochs: 1'));
    const pca = writeSpec(dir, 'pca', tinyDeepSpec.replace('kind: deep', 'kind: pca').replace(/\ntrain:[\s\S]*?(?=\noutputs:)/, ''));
    const res = await runCli(['run', deep, pca, '--runs-dir', runsDir]);
    expect(res.code, res.stderr).toBe(0);
    const read = (name: string) => PNG.sync.read(fs.readFileSync(path.join(runsDir, name, '0001', 'reconstructions.png')));
    const a = read('deep');
    const b = read('pca');
    expect([a.width, a.height]).toEqual([b.width, b.height]);
    // Four images make one pair of rows: originals in the top half, reconstructions below.
    const half = Math.floor(a.height / 2) * a.width * 4;
    expect(Buffer.compare(a.data.subarray(0, half), b.data.subarray(0, half))).toBe(0);
    expect(Buffer.compare(a.data.subarray(half), b.data.subarray(half))).not.toBe(0);
    // No loss chart for pca: it is not trained.
    expect(fs.existsSync(path.join(runsDir, 'pca', '0001', 'loss.png'))).toBe(false);
    expect(fs.existsSync(path.join(runsDir, 'deep', '0001', 'loss.png'))).toBe(true);
  }, 60_000);
});
