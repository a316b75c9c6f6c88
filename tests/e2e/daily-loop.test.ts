// The researcher's daily loop through the real CLI: one small sweep (pca and deep, two latent
// sizes, two seeds), then compare with a baseline and seed statistics, the terminal listing,
// running one trial by name, and the cues the commands print.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJson, runCli, tempDir, tinyDeepSpec, writeSpec } from '../helpers/cli.ts';

const grid = (latents: string) => `${tinyDeepSpec.replace('epochs: 2', 'epochs: 1')}
sweep:
  grid:
    model.kind: [pca, deep]
    model.latent: ${latents}
    seed: [1, 2]
`;

let dir: string;
let runsDir: string;
let sweepDir: string;
let first: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  dir = tempDir();
  runsDir = path.join(dir, 'runs');
  first = await runCli(['run', writeSpec(dir, 'loop', grid('[2, 3]')), '--runs-dir', runsDir], { cwd: dir });
  sweepDir = path.join(runsDir, 'loop', 'sweep-0001');
}, 180_000);

describe('a sweep, then compare that answers questions', () => {
  it('the sweep closes by pointing at aelab compare on its folder', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`aelab: done — 8 runs completed. Compare the trials: aelab compare runs/loop/sweep-0001 (all runs: ${path.join(runsDir, 'index.html')})`);
  });

  it('pca ignores the seed: each latent size is fitted once, the other seeds take that fit (same numbers, fit marked reused)', () => {
    const metrics = (latent: number, seed: number) => readJson<Record<string, unknown>>(path.join(sweepDir, `kind=pca,latent=${latent},seed=${seed}`, 'metrics.json'));
    for (const latent of [2, 3]) {
      const [one, two] = [metrics(latent, 1), metrics(latent, 2)];
      expect(one.pca_fit_reused).toBeUndefined();
      expect(two.pca_fit_reused).toBe(true);
      expect(two.test_mse).toBe(one.test_mse);
      expect(two.explained_variance).toEqual(one.explained_variance);
      // What the seed does change for pca, its density's samples, still differs: the trial itself is not reused.
      expect(fs.readFileSync(path.join(sweepDir, `kind=pca,latent=${latent},seed=2`, 'samples.png'))).not.toEqual(fs.readFileSync(path.join(sweepDir, `kind=pca,latent=${latent},seed=1`, 'samples.png')));
    }
  });

  it('--baseline model.kind=pca --group-by kind,latent: mean ± std with n, change against pca at the same latent size', async () => {
    const r = await runCli(['compare', 'runs/loop/sweep-0001', '--baseline', 'model.kind=pca', '--group-by', 'kind,latent', '--metrics', 'test_mse,test_mse_by_digit.5'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ {2}model\.kind +model\.latent +n +test_mse +Δ test_mse +test_mse_by_digit\.5 +Δ test_mse_by_digit\.5$/);
    const rows = lines.slice(2, 6);
    expect(rows.filter((l) => /^[* ] pca +[23] +2 .* base .* base$/.test(l))).toHaveLength(2);
    expect(rows.filter((l) => /^[* ] deep +[23] +2 +[\d.e-]+ ± [\d.e-]+ +[+−][\d.]+ ± [\d.]+ %/.test(l))).toHaveLength(2);
    expect(r.stdout).toContain('runs differing in seed are pooled');
    expect(r.stdout).toContain('Δ: relative change against the baseline model.kind=pca, matched on seed, model.latent');

    fs.rmSync(path.join(sweepDir, 'compare.html'));
    // The json numbers are the means of the runs' own metrics.json, and the change is against pca.
    const j = await runCli(['compare', 'runs/loop/sweep-0001', '--baseline', 'model.kind=pca', '--group-by', 'kind,latent', '--format', 'json'], { cwd: dir });
    expect(j.code, j.stderr).toBe(0);
    const groups = JSON.parse(j.stdout) as { 'model.kind': string; 'model.latent': number; n: number; test_mse: { mean: number; std: number }; test_mse_change: { mean: number } }[];
    expect(groups).toHaveLength(4);
    const mse = (kind: string, latent: number, seed: number) => readJson<{ test_mse: number }>(path.join(sweepDir, `kind=${kind},latent=${latent},seed=${seed}`, 'metrics.json')).test_mse;
    const deep3 = groups.find((g) => g['model.kind'] === 'deep' && g['model.latent'] === 3)!;
    expect(deep3.n).toBe(2);
    expect(deep3.test_mse.mean).toBeCloseTo((mse('deep', 3, 1) + mse('deep', 3, 2)) / 2, 12);
    expect(deep3.test_mse.std).toBeCloseTo(Math.abs(mse('deep', 3, 1) - mse('deep', 3, 2)) / Math.SQRT2, 12);
    const change = (seed: number) => (mse('deep', 3, seed) - mse('pca', 3, seed)) / mse('pca', 3, seed);
    expect(deep3.test_mse_change.mean).toBeCloseTo((change(1) + change(2)) / 2, 12);
    // json and csv are for pipes: no compare.html.
    expect(j.stderr).not.toContain('wrote');
    expect(fs.existsSync(path.join(sweepDir, 'compare.html'))).toBe(false);
  });

  it('--format csv --out DIR writes compare.html with groups, error bars, and each run’s latent scatter', async () => {
    const out = path.join(dir, 'cmp');
    const r = await runCli(['compare', 'runs/loop/sweep-0001', '--baseline', 'kind=pca', '--group-by', 'kind,latent', '--format', 'csv', '--out', out], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('model.kind,model.latent,n,test_mse_mean,test_mse_std,test_mse_change_mean,test_mse_change_std,val_mse_mean,val_mse_std,val_mse_change_mean,val_mse_change_std,params_mean,params_std,params_change_mean,params_change_std,train_seconds_mean,train_seconds_std,train_seconds_change_mean,train_seconds_change_std,baseline,best,runs');
    const html = fs.readFileSync(path.join(out, 'compare.html'), 'utf8');
    expect(html).toContain('Groups (mean ± std)');
    expect(html).toContain('bars: ± one standard deviation');
    expect(html.match(/<img src="[^"]*latent\.png"/g)).toHaveLength(8);
    expect(html).toContain('Δ test_mse');
    const svg = fs.readFileSync(path.join(out, 'compare-mse-latent.svg'), 'utf8');
    // One error bar per deep group (pca is deterministic: std 0, no bar).
    expect(svg.match(/aria-roledescription="rule mark"/g)).toHaveLength(2);
  });

  it('the density log-likelihood is no default column across encoders; asked for, it comes with a note', async () => {
    const plain = await runCli(['compare', 'runs/loop/sweep-0001', '--format', 'csv'], { cwd: dir });
    expect(plain.stdout.split('\n')[0]).not.toContain('density_log_likelihood_test');
    const asked = await runCli(['compare', 'runs/loop/sweep-0001', '--metrics', 'test_mse,density_log_likelihood_test', '--format', 'csv'], { cwd: dir });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout.split('\n')[0]).toContain('density_log_likelihood_test');
    expect(asked.stderr).toMatch(/note: the density log-likelihood .* different encoders/);
  });

  it('bad flags end in one clear line', async () => {
    const r = await runCli(['compare', 'runs/loop/sweep-0001', '--baseline', 'model.kind=linear'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('aelab: --baseline model.kind=linear: no compared run has model.kind=linear; its values here: pca, deep');
    const m = await runCli(['compare', 'runs/loop/sweep-0001', '--metrics', 'test_mse_by_digit.9'], { cwd: dir });
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('--metrics test_mse_by_digit.9: no run has this metric');
  });
});

describe('aelab ls, --trial and runs/index.html', () => {
  it('lists one line per run with id, trial, status, kind, latent, test MSE and age; filters; json', async () => {
    const r = await runCli(['ls', '--runs-dir', 'runs'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id +trial +status +kind +latent +test MSE +age$/);
    expect(lines).toHaveLength(9);
    const deep = lines.find((l) => l.includes('kind=deep,latent=3,seed=2'))!;
    const value = readJson<{ test_mse: number }>(path.join(sweepDir, 'kind=deep,latent=3,seed=2', 'metrics.json')).test_mse;
    expect(deep).toMatch(new RegExp(`^loop/sweep-0001 +kind=deep,latent=3,seed=2 +completed +deep +3 +${String(Number(value.toPrecision(4))).replace('.', '\\.')} +\\d+ (s|min)$`));
    const pca = await runCli(['ls', '--runs-dir', 'runs', '--name', 'lo*', '--status', 'completed', '--sweep', 'loop/sweep-0001', '--format', 'json'], { cwd: dir });
    expect(pca.code, pca.stderr).toBe(0);
    expect((JSON.parse(pca.stdout) as unknown[]).length).toBe(8);
    const none = await runCli(['ls', '--runs-dir', 'runs', '--status', 'failed'], { cwd: dir });
    expect(none.stdout.trim().split('\n')).toHaveLength(1);
    const bad = await runCli(['ls', '--runs-dir', 'runs', '--status', 'done'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status done: choose from running, completed, failed, interrupted, lost');
  });

  it('--trial runs only the matching trials, into the same sweep folder', async () => {
    const spec = path.join(dir, 'loop.yaml');
    const before = readJson(path.join(sweepDir, 'kind=deep,latent=2,seed=1', 'run.json')).started_at;
    fs.rmSync(path.join(sweepDir, 'kind=pca,latent=3,seed=2'), { recursive: true });
    fs.rmSync(path.join(sweepDir, 'kind=deep,latent=2,seed=2'), { recursive: true });
    const r = await runCli(['run', spec, '--runs-dir', runsDir, '--trial', 'kind=pca,latent=3'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--trial selects 2');
    expect(r.stderr).toContain('[kind=pca,latent=3,seed=1] already completed, skipped');
    expect(fs.existsSync(path.join(sweepDir, 'kind=pca,latent=3,seed=2', 'metrics.json'))).toBe(true);
    // Not selected: left alone.
    expect(fs.existsSync(path.join(sweepDir, 'kind=deep,latent=2,seed=2'))).toBe(false);
    expect(readJson(path.join(sweepDir, 'kind=deep,latent=2,seed=1', 'run.json')).started_at).toBe(before);
    expect(fs.existsSync(path.join(runsDir, 'loop', 'sweep-0002'))).toBe(false);
    const bad = await runCli(['run', spec, '--runs-dir', runsDir, '--trial', 'latent=9'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--trial latent=9: no trial of this sweep matches; its trials: kind=pca,latent=2,seed=1;');
    // The index tells trials of a sweep apart by their sweep folder.
    const index = fs.readFileSync(path.join(runsDir, 'index.html'), 'utf8');
    expect(index).toMatch(/loop <span class="muted mono">kind=pca,latent=3,seed=2<\/span><\/td><td class="mono">sweep-0001<\/td>/);
  }, 120_000);
});

describe('run folders as inputs', () => {
  it('show, validate and run take a run folder: overrides included, relative data paths resolved as they were', async () => {
    const { writeIdx, patternImages } = await import('../data/fixtures.ts');
    const home = tempDir();
    const specDir = path.join(home, 'specs');
    fs.mkdirSync(path.join(home, 'data'), { recursive: true });
    fs.mkdirSync(specDir);
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => [1, 5, 6][i % 3]!);
    writeIdx(path.join(home, 'data', 'train-images'), [240, 28, 28], patternImages(240, 28, 28));
    writeIdx(path.join(home, 'data', 'train-labels'), [240], labels(240));
    writeIdx(path.join(home, 'data', 'test-images'), [60, 28, 28], patternImages(60, 28, 28).reverse());
    writeIdx(path.join(home, 'data', 'test-labels'), [60], labels(60));
    const spec = writeSpec(
      specDir,
      'own',
      `data:\n  source: idx\n  train_images: ../data/train-images\n  train_labels: ../data/train-labels\n  test_images: ../data/test-images\n  test_labels: ../data/test-labels\n  validation: 40\nmodel:\n  kind: pca\n  latent: 2\noutputs:\n  reconstructions: 4\n  latent_points: 50\n  manifold_grid: 4\n  interpolations: 1\n  interpolation_steps: 4\n  samples: 4\n`,
    );
    const runs = path.join(home, 'runs');
    const first = await runCli(['run', spec, '--runs-dir', runs, '--set', 'model.latent=3'], { cwd: specDir });
    expect(first.code, first.stderr).toBe(0);
    const runDir = path.join(runs, 'own', '0001');
    // The spec as written, and the resolved spec that reruns it.
    expect(fs.readFileSync(path.join(runDir, 'spec.yaml'), 'utf8')).toBe(fs.readFileSync(spec, 'utf8'));
    const resolved = fs.readFileSync(path.join(runDir, 'resolved.yaml'), 'utf8');
    expect(resolved).toContain('with model.latent=3');
    expect(resolved).toContain(`train_images: ${path.join(home, 'data', 'train-images')}`);
    expect(readJson(path.join(runDir, 'run.json')).overrides).toEqual({ 'model.latent': 3 });

    // From another folder, by a relative path to the run folder.
    const show = await runCli(['show', path.relative(home, runDir)], { cwd: home });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^model:\n {2}kind: pca\n {2}latent: 3$/m);
    expect(show.stdout).toContain(`test_labels: ${path.join(home, 'data', 'test-labels')}`);
    const validate = await runCli(['validate', runDir], { cwd: home });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toContain('1 spec valid');
    expect(validate.stdout).not.toContain('warning');

    const again = await runCli(['run', runDir, '--runs-dir', runs], { cwd: home });
    expect(again.code, again.stderr).toBe(0);
    const rerun = path.join(runs, 'own', '0002');
    expect(again.stdout.trim().split('\n').at(-1)).toBe(rerun);
    // Same data, same model: the same numbers, and the same spec hash although the data paths are
    // now written absolute (own data count by their content, not their paths).
    const strip = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.endsWith('_seconds') && k !== 'samples_per_second'));
    expect(strip(readJson(path.join(rerun, 'metrics.json')))).toEqual(strip(readJson(path.join(runDir, 'metrics.json'))));
    const hashOf = (d: string) => readJson<{ spec_hash: string }>(path.join(d, 'run.json')).spec_hash;
    expect(hashOf(rerun)).toBe(hashOf(runDir));

    // The checkout moved (spec and data copied elsewhere): the same hash; one changed byte of data: another.
    const moved = tempDir();
    fs.cpSync(path.join(home, 'data'), path.join(moved, 'data'), { recursive: true });
    fs.cpSync(specDir, path.join(moved, 'specs'), { recursive: true });
    const shownHash = async (file: string) => {
      const r = await runCli(['show', file, '--set', 'model.latent=3'], { cwd: moved });
      expect(r.code, r.stderr).toBe(0);
      return /spec hash ([0-9a-f]{12})/.exec(r.stdout)?.[1];
    };
    expect(await shownHash(path.join(moved, 'specs', 'own.yaml'))).toBe(hashOf(runDir).slice(0, 12));
    const image = path.join(moved, 'data', 'test-images');
    const bytes = fs.readFileSync(image);
    bytes[bytes.length - 1] = 255 - bytes[bytes.length - 1]!;
    fs.writeFileSync(image, bytes);
    expect(await shownHash(path.join(moved, 'specs', 'own.yaml'))).not.toBe(hashOf(runDir).slice(0, 12));

    // A run folder from before resolved.yaml: the equivalent command instead.
    fs.rmSync(path.join(runDir, 'resolved.yaml'));
    const old = await runCli(['show', runDir], { cwd: home });
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(`has no resolved.yaml (it was made by an older aelab); the same spec runs with: aelab run ${spec} --set 'model.latent=3'`);
  }, 120_000);

  it('a sweep trial folder reruns as a single run of that trial, with the same spec hash', async () => {
    const trial = path.join(sweepDir, 'kind=pca,latent=2,seed=1');
    const r = await runCli(['run', trial, '--runs-dir', runsDir], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rerun = r.stdout.trim().split('\n').at(-1)!;
    expect(rerun).toBe(path.join(runsDir, 'loop', '0001'));
    expect(readJson(path.join(rerun, 'run.json')).spec_hash).toBe(readJson(path.join(trial, 'run.json')).spec_hash);
    expect(readJson(path.join(rerun, 'metrics.json')).test_mse).toBe(readJson(path.join(trial, 'metrics.json')).test_mse);
  }, 60_000);
});

describe('cues', () => {
  it('a run whose validation loss still fell says "may not have converged" in the terminal and the report', async () => {
    const home = tempDir();
    const spec = writeSpec(home, 'short', tinyDeepSpec.replace('epochs: 2', 'epochs: 3'));
    const r = await runCli(['run', spec, '--runs-dir', path.join(home, 'runs')], { cwd: home });
    expect(r.code, r.stderr).toBe(0);
    const history = fs.readFileSync(path.join(home, 'runs', 'short', '0001', 'history.csv'), 'utf8').trim().split('\n');
    const header = history[0]!.split(',');
    const val = history.slice(1).map((l) => Number(l.split(',')[header.indexOf('val_loss')]));
    const fall = (val[0]! - val[2]!) / val[0]!;
    // Three epochs of a tiny model on 300 images: the loss is still falling fast.
    expect(fall).toBeGreaterThan(0.01);
    expect(r.stderr).toContain(`aelab: short/0001 may not have converged: the validation loss still fell ${(fall * 100).toFixed(1)} % over the last 2 epochs`);
    const report = fs.readFileSync(path.join(home, 'runs', 'short', '0001', 'report.html'), 'utf8');
    expect(report).toContain('Warning: this run may not have converged');
  }, 60_000);

  it("an interrupted sweep's summary counts the trials that never started", async () => {
    const home = tempDir();
    const spec = writeSpec(home, 'stop', `${tinyDeepSpec.replace('epochs: 2', 'epochs: 500').replace('limit: 300', 'limit: 2000')}\nsweep:\n  grid:\n    seed: [1, 2, 3]\n`);
    let sent = false;
    const r = await runCli(['run', spec, '--runs-dir', path.join(home, 'runs')], {
      onStderr: (chunk, child) => {
        if (!sent && /epoch 1\//.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/sweep \S+stop\/sweep-0001: 0 completed, 0 failed, 1 interrupted \(rerun to resume\), 0 skipped, 2 not started \(rerun to run them\)/);
  }, 120_000);

  it('a changed sweep opens a new folder, says why, and reuses the trials whose configuration already completed', async () => {
    const spec = path.join(dir, 'loop.yaml');
    const r = await runCli(['run', spec, '--runs-dir', runsDir, '--set', 'train.epochs=2', '--set', 'sweep.grid.seed=[1]'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const second = path.join(runsDir, 'loop', 'sweep-0002');
    expect(r.stderr).toContain('aelab: new sweep folder sweep-0002: the plan differs from sweep-0001: 4 removed (kind=pca,latent=2,seed=2; kind=pca,latent=3,seed=2; kind=deep,latent=2,seed=2; … 4 in all), 2 with changed settings (kind=deep,latent=2,seed=1; kind=deep,latent=3,seed=1)');
    // pca ignores train.epochs, so its trials have the same spec hash and are not computed again.
    for (const latent of [2, 3]) {
      const trial = `kind=pca,latent=${latent},seed=1`;
      const from = path.join(sweepDir, trial);
      expect(r.stderr).toContain(`aelab: [${trial}] same configuration (spec hash) completed in ${from}: reused, files linked`);
      const run = readJson(path.join(second, trial, 'run.json'));
      expect(run).toMatchObject({ status: 'completed', reused_from: from, id: trial, sweep: { dir: second, trial } });
      expect(fs.statSync(path.join(second, trial, 'metrics.json')).ino).toBe(fs.statSync(path.join(from, 'metrics.json')).ino);
    }
    // The deep trials train with 2 epochs now.
    expect(readJson(path.join(second, 'kind=deep,latent=2,seed=1', 'run.json')).reused_from).toBeUndefined();
    expect(readJson(path.join(second, 'kind=deep,latent=2,seed=1', 'metrics.json')).epochs).toBe(2);
    expect(r.stderr).toContain(`sweep ${second}: 4 completed (2 reused from earlier sweeps, not retrained), 0 failed, 0 skipped`);
    const cmp = await runCli(['compare', second, '--format', 'json'], { cwd: dir });
    expect((JSON.parse(cmp.stdout) as unknown[]).length).toBe(4);
  }, 120_000);
});
