// Bad input, tried wider, through the real CLI: each case ends in exit 1 and one line naming the
// file or field, with no stack trace and no file written outside the runs folder. (How long each
// refusal takes is logged, not asserted: speed belongs in the bench, and this machine is shared.)
// Odd but valid input (big-endian and Fortran-order .npy) is read like any other.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync, constants as zlibConstants, createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, writeSpec, type CliResult } from '../helpers/cli.ts';
import { idxBytes, patternImages, writeIdx, writeNpy } from '../data/fixtures.ts';

const pcaSpec = `evaluate:
  quality: false   # no feature classifier: tests/e2e/quality.test.ts covers it
data:
  digits: [1, 5, 6]
  validation: 200
  limit: 300
model:
  kind: pca
  latent: 2
`;

/** Every file below dir (relative paths), to prove nothing appeared outside the runs folder. */
function tree(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (skip.includes(p)) continue;
      out.push(path.relative(dir, p));
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Exit 1 with exactly one message line (besides the backend line), mentioning every fragment. */
function expectOneLineRefusal(result: CliResult, fragments: string[], seconds: number): string {
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('aelab: backend '));
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('internal error');
  expect(lines, result.stderr).toHaveLength(1);
  for (const f of fragments) expect(lines[0]).toContain(f);
  console.log(`refused in ${seconds.toFixed(1)} s: ${lines[0]!.slice(0, 160)}`);
  return lines[0]!;
}

async function timed(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<{ result: CliResult; seconds: number }> {
  const start = performance.now();
  const result = await runCli(args, opts);
  return { result, seconds: (performance.now() - start) / 1000 };
}

/** Four IDX files of `count` 28×28 images with labels 1, 5, 6; `replace` swaps some of them. */
function idxData(dir: string, count = 120): Record<string, string> {
  const labels = Uint8Array.from({ length: count }, (_, i) => [1, 5, 6][i % 3]!);
  return {
    train_images: writeIdx(path.join(dir, 'train-images'), [count, 28, 28], patternImages(count, 28, 28)),
    train_labels: writeIdx(path.join(dir, 'train-labels'), [count], labels),
    test_images: writeIdx(path.join(dir, 'test-images'), [count, 28, 28], patternImages(count, 28, 28)),
    test_labels: writeIdx(path.join(dir, 'test-labels'), [count], labels),
  };
}

function dataSpec(source: 'idx' | 'npy', files: Record<string, string>): string {
  return `evaluate:
  quality: false   # no feature classifier: tests/e2e/quality.test.ts covers it
data:
  source: ${source}
${Object.entries(files).map(([k, v]) => `  ${k}: ${v}`).join('\n')}
  digits: [1, 5, 6]
  validation: 20
model:
  kind: pca
  latent: 2
outputs:
  latent_points: 50
`;
}

describe.concurrent('bad input through aelab run', () => {
  it('a name that tries to leave the runs folder, in the spec or through --set', async () => {
    const dir = tempDir();
    const runsDir = path.join(dir, 'runs');
    const before = tree(dir);
    for (const [spec, extra] of [
      [`name: ../../escape\n${pcaSpec}`, []],
      [pcaSpec, ['--set', 'name=/tmp/abs']],
    ] as const) {
      const file = writeSpec(dir, 'escape', spec);
      const { result, seconds } = await timed(['run', file, '--runs-dir', runsDir, ...extra]);
      expectOneLineRefusal(result, ['name'], seconds);
      fs.rmSync(file);
    }
    expect(tree(dir)).toEqual(before);
  }, 180_000);

  it('a YAML alias bomb', async () => {
    const dir = tempDir();
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const file = writeSpec(dir, 'bomb', `${pcaSpec}${levels.join('\n')}\n`);
    const { result, seconds } = await timed(['run', file, '--runs-dir', path.join(dir, 'runs')]);
    expectOneLineRefusal(result, ['bomb.yaml', 'alias'], seconds);
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
  }, 180_000);

  it('--set with a key path through a list or a number', async () => {
    const dir = tempDir();
    const file = writeSpec(dir, 'ok', pcaSpec);
    for (const [set, says] of [
      ['data.digits.x=3', 'data.digits is the list'],
      ['data.digits[7].foo=3', 'data.digits has no entry [7]'],
    ] as const) {
      const { result, seconds } = await timed(['run', file, '--runs-dir', path.join(dir, 'runs'), '--set', set]);
      expectOneLineRefusal(result, ['--set', says], seconds);
    }
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
  }, 180_000);

  it('a 50 MB spec is refused at once, not parsed', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'huge.yaml');
    fs.writeFileSync(file, `${pcaSpec}description: "${'y'.repeat(50_000_000)}"\n`);
    const { result, seconds } = await timed(['run', file, '--runs-dir', path.join(dir, 'runs')]);
    expectOneLineRefusal(result, ['huge.yaml', '47.7 MB', 'at most 0.25 MB'], seconds);
  }, 180_000);

  it('an IDX header claiming 10⁹ images, raw or gzipped, and a gzip bomb: refused before allocating', async () => {
    const dir = tempDir();
    const files = idxData(dir);
    const header = (count: number) => idxBytes([count, 28, 28], new Uint8Array(0));
    const claims = path.join(dir, 'claims-1e9');
    fs.writeFileSync(claims, Buffer.concat([header(1e9), Buffer.from(patternImages(50, 28, 28))]));
    const claimsGz = path.join(dir, 'claims-1e9.gz');
    fs.writeFileSync(claimsGz, gzipSync(fs.readFileSync(claims)));
    // A 100-image header followed by 1 GB of zeros, in a ~1 MB .gz.
    const bomb = path.join(dir, 'bomb.gz');
    const zeros = Buffer.alloc(1 << 20);
    let chunks = 0;
    const source = new Readable({
      read() {
        this.push(chunks === 0 ? Buffer.from(header(100)) : chunks <= 1024 ? zeros : null);
        chunks++;
      },
    });
    await pipeline(source, createGzip({ level: zlibConstants.Z_BEST_COMPRESSION }), fs.createWriteStream(bomb));
    for (const [file, says] of [
      [claims, 'is truncated: the header says 1000000000 items'],
      [claimsGz, 'announces 784.0 GB of data in its header'],
      [bomb, 'un-gzips to more than the 78.4 kB its header announces'],
    ] as const) {
      const spec = writeSpec(dir, 'idx', dataSpec('idx', { ...files, train_images: file }));
      const { result, seconds } = await timed(['run', spec, '--runs-dir', path.join(dir, 'runs')]);
      expectOneLineRefusal(result, [file, 'data.train_images', says], seconds);
    }
    expect(fs.existsSync(path.join(dir, 'runs', 'idx'))).toBe(false);
  }, 300_000);

  it('a labels file shorter than its images', async () => {
    const dir = tempDir();
    const files = idxData(dir);
    files.train_labels = writeIdx(path.join(dir, 'short-labels'), [60], Uint8Array.from({ length: 60 }, (_, i) => [1, 5, 6][i % 3]!));
    const spec = writeSpec(dir, 'short', dataSpec('idx', files));
    const { result, seconds } = await timed(['run', spec, '--runs-dir', path.join(dir, 'runs')]);
    expectOneLineRefusal(result, [files.train_labels!, 'data.train_labels', 'holds 60 labels', 'holds 120 images'], seconds);
  }, 180_000);

  it('big-endian and Fortran-order .npy files give the same run as plain ones', async () => {
    const dir = tempDir();
    const count = 120;
    const images = patternImages(count, 28, 28);
    const floats = Float32Array.from(images, (v) => v / 255);
    const bigEndian = new Uint8Array(floats.length * 4);
    const view = new DataView(bigEndian.buffer);
    floats.forEach((v, i) => view.setFloat32(4 * i, v, false));
    // Fortran order: the first index varies fastest.
    const fortran = new Uint8Array(images.length);
    for (let i = 0; i < count; i++) for (let j = 0; j < 784; j++) fortran[j * count + i] = images[i * 784 + j]!;
    const labels = BigInt64Array.from({ length: count }, (_, i) => BigInt([1, 5, 6][i % 3]!));
    const plain = {
      train_images: writeNpy(path.join(dir, 'plain.npy'), '<f4', [count, 28, 28], floats),
      train_labels: writeNpy(path.join(dir, 'labels.npy'), '<i8', [count], labels),
      test_images: writeNpy(path.join(dir, 'plain-u8.npy'), '|u1', [count, 784], images),
      test_labels: path.join(dir, 'labels.npy'),
    };
    const odd = {
      ...plain,
      train_images: writeNpy(path.join(dir, 'big-endian.npy'), '>f4', [count, 28, 28], bigEndian),
      test_images: writeNpy(path.join(dir, 'fortran.npy'), '|u1', [count, 784], fortran, { fortranOrder: true }),
    };
    const runsDir = path.join(dir, 'runs');
    const a = await runCli(['run', writeSpec(dir, 'plain', dataSpec('npy', plain)), '--runs-dir', runsDir]);
    const b = await runCli(['run', writeSpec(dir, 'odd', dataSpec('npy', odd)), '--runs-dir', runsDir]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const mse = (name: string) => readJson<{ test_mse: number }>(path.join(runsDir, name, '0001', 'metrics.json')).test_mse;
    expect(mse('odd')).toBe(mse('plain'));
  }, 300_000);
});
