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
    expect(bad.stderr).toContain('--status done: choose from running, completed, failed, interrupted, stale');
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
