import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveCompareInputs, loadComparedRun, buildComparison, formatComparison, formatNumber, type SkippedInput } from '../../src/compare/index.ts';

/** Every headline column, the density log-likelihood included (asked for explicitly). */
const ALL = { metrics: ['test_mse', 'val_mse', 'params', 'train_seconds', 'density_log_likelihood_test'] };
import { UserError } from '../../src/shared/errors.ts';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aelab-compare-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function spec(kind: string, latent: number, extra: Record<string, unknown> = {}) {
  return {
    name: `exp-${kind}-${latent}`,
    description: `a ${kind} run`,
    seed: 1,
    data: { source: 'mnist', digits: [1, 5, 6], validation: 0.1 },
    model: { kind, latent, encoder: [500, 300], decoder: 'mirror', activation: 'relu', output_activation: 'sigmoid' },
    train: { epochs: 2, batch_size: 64, optimizer: 'adam', learning_rate: 0.001, early_stopping: { patience: 0, min_delta: 0 } },
    sweep: { grid: { 'model.latent': [latent] } },
    ...extra,
  };
}

function metrics(test_mse: number, ll: number) {
  return { n_train: 100, n_val: 10, n_test: 50, train_mse: test_mse * 0.9, val_mse: test_mse * 1.1, test_mse, params: 784 * 2 * 500, train_seconds: 12.345678, density_log_likelihood_test: ll };
}

/** Writes a run folder as the pipeline would (run.json, resolved.json, metrics.json). */
function writeRun(dir: string, run: Record<string, unknown>, resolvedSpec: unknown, metricValues?: unknown) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ status: 'completed', ...run }));
  if (resolvedSpec) fs.writeFileSync(path.join(dir, 'resolved.json'), JSON.stringify({ spec: resolvedSpec, hash: `hash-${path.basename(dir)}` }));
  if (metricValues) fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(metricValues));
}

/** runs/pca-vs-deep/sweep-0001 with four trials (one not run yet) and runs/single/0001 + latest. */
function fixture() {
  const sweepDir = path.join(tmp, 'runs', 'pca-vs-deep', 'sweep-0001');
  const trials = [
    ['kind=pca,latent=2', 'pca', 2, 0.0561234, -3.2],
    ['kind=pca,latent=8', 'pca', 8, 0.0301234, -9.5],
    ['kind=deep,latent=2', 'deep', 2, 0.0401234, -2.1],
    ['kind=deep,latent=8', 'deep', 8, null, null],
  ] as const;
  fs.mkdirSync(sweepDir, { recursive: true });
  fs.writeFileSync(
    path.join(sweepDir, 'sweep.json'),
    JSON.stringify({ trials: [...trials.map(([name]) => ({ name, folder: name })), { name: 'kind=deep,latent=32', folder: 'kind=deep,latent=32' }] }),
  );
  for (const [name, kind, latent, mse, ll] of trials) {
    writeRun(
      path.join(sweepDir, name),
      { id: name, name: 'pca-vs-deep', status: mse === null ? 'failed' : 'completed', sweep: { dir: 'sweep-0001', trial: name } },
      spec(kind, latent),
      mse === null ? undefined : metrics(mse, ll!),
    );
  }
  fs.mkdirSync(path.join(sweepDir, 'kind=deep,latent=8.attempt-1'));
  const single = path.join(tmp, 'runs', 'single', '0001');
  writeRun(single, { id: '0001', name: 'single' }, spec('linear', 4, { train: { ...spec('linear', 4).train, epochs: 5 } }), metrics(0.045, -4));
  fs.symlinkSync('0001', path.join(tmp, 'runs', 'single', 'latest'));
  return { sweepDir, single };
}

describe('resolveCompareInputs', () => {
  it('expands a sweep folder into its trials in plan order and reports what it skipped', () => {
    const { sweepDir } = fixture();
    const skipped: SkippedInput[] = [];
    const dirs = resolveCompareInputs(['runs/pca-vs-deep/sweep-0001'], tmp, (s) => skipped.push(s));
    expect(dirs.map((d) => path.basename(d))).toEqual(['kind=pca,latent=2', 'kind=pca,latent=8', 'kind=deep,latent=2', 'kind=deep,latent=8']);
    expect(dirs[0]).toBe(path.join(sweepDir, 'kind=pca,latent=2'));
    expect(skipped).toEqual([{ path: path.join('runs', 'pca-vs-deep', 'sweep-0001', 'kind=deep,latent=32'), reason: "trial 'kind=deep,latent=32' has not run yet" }]);
  });

  it('takes run folders, run.json files and globs, counts a latest link once, skips non-runs', () => {
    const { single } = fixture();
    const skipped: SkippedInput[] = [];
    const dirs = resolveCompareInputs(
      ['runs/single/*', 'runs/single/0001/run.json', 'runs/pca-vs-deep/sweep-0001/kind=pca,*', 'runs/nowhere', 'runs/pca-vs-deep', 'runs/zzz*'],
      tmp,
      (s) => skipped.push(s),
    );
    expect(dirs).toEqual([single, path.join(tmp, 'runs/pca-vs-deep/sweep-0001/kind=pca,latent=2'), path.join(tmp, 'runs/pca-vs-deep/sweep-0001/kind=pca,latent=8')]);
    expect(skipped.map((s) => [s.path, s.reason.split(',')[0]])).toEqual([
      [path.join('runs', 'nowhere'), 'does not exist'],
      [path.join('runs', 'pca-vs-deep'), 'has no run.json or sweep.json'],
      ['runs/zzz*', 'the pattern matched nothing'],
    ]);
  });

  it('with nothing to compare, says why', () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(() => resolveCompareInputs(['empty', 'missing'], tmp)).toThrow(UserError);
    expect(() => resolveCompareInputs(['empty', 'missing'], tmp)).toThrow(/no runs to compare:\n {2}empty: has no run\.json[^\n]*\n {2}missing: does not exist/);
  });
});

describe('loadComparedRun', () => {
  it('reads the three files and tolerates missing metrics', () => {
    const { sweepDir } = fixture();
    const failed = loadComparedRun(path.join(sweepDir, 'kind=deep,latent=8'));
    expect(failed).toMatchObject({ id: 'kind=deep,latent=8', name: 'pca-vs-deep', status: 'failed', metrics: null, trial: 'kind=deep,latent=8', specHash: 'hash-kind=deep,latent=8' });
    expect(failed.spec?.model.latent).toBe(8);
  });

  it('names a damaged file', () => {
    const { single } = fixture();
    fs.writeFileSync(path.join(single, 'metrics.json'), '{"test_mse": 0.');
    expect(() => loadComparedRun(single)).toThrow(/metrics\.json.*not valid JSON/);
    expect(() => loadComparedRun(tmp)).toThrow(/run\.json.*not a run folder/);
  });
});

describe('buildComparison', () => {
  const load = (args: string[]) => resolveCompareInputs(args, tmp).map((dir) => loadComparedRun(dir));

  it('shows only the parameters that differ, sorts by test_mse and marks the best', () => {
    fixture();
    const c = buildComparison(load(['runs/pca-vs-deep/sweep-0001']), ALL);
    expect(c.parameters).toEqual(['model.kind', 'model.latent']);
    expect(c.rows.map((r) => r.label)).toEqual(['kind=pca,latent=8', 'kind=deep,latent=2', 'kind=pca,latent=2', 'kind=deep,latent=8']);
    expect(c.rows.map((r) => r.best)).toEqual([true, false, false, false]);
    expect(c.rows[0]!.metrics).toEqual({
      test_mse: 0.0301234,
      val_mse: 0.0301234 * 1.1,
      params: 784000,
      train_seconds: 12.345678,
      density_log_likelihood_test: -9.5,
    });
    // No run has quality metrics: their columns are not shown.
    expect(c.metrics).toEqual(['test_mse', 'val_mse', 'params', 'train_seconds', 'density_log_likelihood_test']);
    expect(c.rows[3]!.metrics.test_mse).toBeNull();
    expect(c.showStatus).toBe(true);
    expect(c.sort).toEqual({ key: 'test_mse', descending: false });
  });

  it('picks up nested differences and labels runs from different experiments by their path', () => {
    fixture();
    const c = buildComparison(load(['runs/single/0001', 'runs/pca-vs-deep/sweep-0001/kind=deep,latent=2']), {});
    expect(c.parameters).toEqual(['model.kind', 'model.latent', 'train.epochs']);
    expect(c.rows.map((r) => r.label)).toEqual(['pca-vs-deep/sweep-0001/kind=deep,latent=2', 'single/0001']);
    expect(c.showStatus).toBe(false);
  });

  it("shows '-' for settings that do not apply to a run's kind, and does not count them as differences", () => {
    fixture();
    // pca does not train and has no layers; linear has no hidden layers. The stored defaults of
    // those keys did nothing, so they neither show nor make a column.
    const deep = 'runs/pca-vs-deep/sweep-0001/kind=deep,latent=2';
    const pca = 'runs/pca-vs-deep/sweep-0001/kind=pca,latent=2';
    // train.epochs differs between the linear (5) and deep (2) runs; the pca run (stored 2) has none.
    const c = buildComparison(load(['runs/single/0001', pca, deep]), {});
    expect(c.parameters).toEqual(['model.kind', 'model.latent', 'train.epochs']);
    const epochs = Object.fromEntries(c.rows.map((r) => [r.label, r.parameters['train.epochs']]));
    expect(epochs).toEqual({ 'single/0001': 5, 'pca-vs-deep/sweep-0001/kind=pca,latent=2': undefined, 'pca-vs-deep/sweep-0001/kind=deep,latent=2': 2 });
    expect(formatComparison(c, 'csv')).toContain('/kind=pca,latent=2",completed,pca,2,,0.0561234');
    // Linear (5 epochs) against pca (stored 2, but pca does not train): the epochs do not differ.
    expect(buildComparison(load(['runs/single/0001', pca]), {}).parameters).toEqual(['model.kind', 'model.latent']);
    // A layer setting that only one of the runs uses is no difference either.
    const resolvedFile = path.join(tmp, deep, 'resolved.json');
    const resolved = JSON.parse(fs.readFileSync(resolvedFile, 'utf8'));
    resolved.spec.model.activation = 'tanh';
    fs.writeFileSync(resolvedFile, JSON.stringify(resolved));
    expect(buildComparison(load([pca, deep]), {}).parameters).toEqual(['model.kind']);
  });

  it('a run without resolved.json shows no parameters instead of making every key differ', () => {
    const { single } = fixture();
    const bare = path.join(tmp, 'runs', 'bare', '0001');
    writeRun(bare, { id: '0001', name: 'bare' }, null, metrics(0.02, -1));
    const c = buildComparison(load(['runs/single/0001', 'runs/pca-vs-deep/sweep-0001/kind=deep,latent=2', 'runs/bare/0001']), {});
    expect(c.parameters).toEqual(['model.kind', 'model.latent', 'train.epochs']);
    expect(c.rows[0]).toMatchObject({ dir: bare, best: true, parameters: { 'model.kind': undefined } });
    expect(c.rows.map((r) => r.dir)).toContain(single);
  });

  it('sorts the log-likelihood largest first and parameters ascending', () => {
    fixture();
    const runs = load(['runs/pca-vs-deep/sweep-0001']);
    expect(buildComparison(runs, { ...ALL, sort: 'density_log_likelihood_test' }).rows.map((r) => r.label)).toEqual([
      'kind=deep,latent=2',
      'kind=pca,latent=2',
      'kind=pca,latent=8',
      'kind=deep,latent=8',
    ]);
    const byLatent = buildComparison(runs, { sort: 'model.latent' });
    expect(byLatent.rows.map((r) => r.parameters['model.latent'])).toEqual([2, 2, 8, 8]);
    // The best mark follows test_mse whatever the order.
    expect(byLatent.rows.find((r) => r.best)?.label).toBe('kind=pca,latent=8');
  });

  it('refuses an unknown sort key and lists the valid ones', () => {
    fixture();
    const runs = load(['runs/pca-vs-deep/sweep-0001']);
    expect(() => buildComparison(runs, { sort: 'accuracy' })).toThrow(UserError);
    expect(() => buildComparison(runs, { ...ALL, sort: 'accuracy' })).toThrow(
      '--sort accuracy: not a column of this comparison; choose one of test_mse, val_mse, params, train_seconds, density_log_likelihood_test, model.kind, model.latent',
    );
  });

  it('shows the quality columns when runs have them: --sort fd_samples ascending, sample_in_digits largest first', () => {
    const { sweepDir } = fixture();
    const quality: Record<string, [number, number, number]> = {
      'kind=pca,latent=2': [30.5, 0.71, 0.93],
      'kind=pca,latent=8': [12.25, 0.9, 0.97],
      'kind=deep,latent=2': [20.75, 0.95, 0.96],
    };
    for (const [trial, [fd, inDigits, acc]] of Object.entries(quality)) {
      const file = path.join(sweepDir, trial, 'metrics.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...m, fd_samples: fd, sample_in_digits: inDigits, recon_accuracy: acc }));
    }
    const runs = load(['runs/pca-vs-deep/sweep-0001']);
    const byFd = buildComparison(runs, { sort: 'fd_samples' });
    // pca and deep runs do not share an encoder: their density log-likelihoods are not comparable, so not a default column.
    expect(byFd.metrics).toEqual(['test_mse', 'val_mse', 'params', 'train_seconds', 'fd_samples', 'sample_in_digits', 'recon_accuracy']);
    expect(byFd.sort).toEqual({ key: 'fd_samples', descending: false });
    expect(byFd.rows.map((r) => r.label)).toEqual(['kind=pca,latent=8', 'kind=deep,latent=2', 'kind=pca,latent=2', 'kind=deep,latent=8']);
    expect(byFd.rows[0]!.metrics.fd_samples).toBe(12.25);
    const byShare = buildComparison(runs, { sort: 'sample_in_digits' });
    expect(byShare.sort.descending).toBe(true);
    expect(byShare.rows.map((r) => r.label)).toEqual(['kind=deep,latent=2', 'kind=pca,latent=8', 'kind=pca,latent=2', 'kind=deep,latent=8']);
    const csv = formatComparison(byFd, 'csv').split('\n');
    expect(csv[0]).toBe('run,status,model.kind,model.latent,test_mse,val_mse,params,train_seconds,fd_samples,sample_in_digits,recon_accuracy,best,dir');
    expect(formatComparison(byFd, 'table')).toMatch(/fd_samples\s+sample_in_digits\s+recon_accuracy/);
  });
});

describe('formatComparison', () => {
  const comparison = () => buildComparison(resolveCompareInputs(['runs/pca-vs-deep/sweep-0001'], tmp).map((dir) => loadComparedRun(dir)), ALL);

  it('csv: a header line, then one quoted line per run', () => {
    fixture();
    const lines = formatComparison(comparison(), 'csv').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('run,status,model.kind,model.latent,test_mse,val_mse,params,train_seconds,density_log_likelihood_test,best,dir');
    expect(lines[1]!.startsWith('"kind=pca,latent=8",completed,pca,8,0.0301234,')).toBe(true);
    expect(lines[1]).toContain(',784000,12.345678,-9.5,true,');
    expect(lines[4]!.startsWith('"kind=deep,latent=8",failed,deep,8,,,,,,false,')).toBe(true);
  });

  it('table: aligned, 4 significant digits, best marked with *', () => {
    fixture();
    const text = formatComparison(comparison(), 'table');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}run {17}status {5}model\.kind {2}model\.latent {2}test_mse/);
    expect(lines[2]!.startsWith('* kind=pca,latent=8 ')).toBe(true);
    expect(lines[2]).toContain('0.03012');
    expect(lines[2]).toContain('12.35');
    expect(lines[2]).not.toContain('0.0301234');
    expect(lines[3]!.startsWith('  kind=deep,latent=2')).toBe(true);
    expect(lines[5]).toMatch(/kind=deep,latent=8 +failed +deep +8 +- +-/);
    // Columns line up: every row's test_mse ends where the header's does.
    const end = lines[0]!.indexOf('test_mse') + 'test_mse'.length;
    for (const row of lines.slice(2, 6)) expect(row[end - 1]).not.toBe(' ');
    expect(lines.at(-1)).toBe('* lowest test_mse');
  });

  it('md: a Markdown table with the best row marked', () => {
    fixture();
    const lines = formatComparison(comparison(), 'md').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('| best | run | status | model.kind | model.latent | test_mse | val_mse | params | train_seconds | density_log_likelihood_test |');
    expect(lines[1]).toBe('| :---: | :--- | :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(lines[2]).toBe('| \\* | kind=pca,latent=8 | completed | pca | 8 | 0.03012 | 0.03314 | 784000 | 12.35 | -9.5 |');
  });

  it('json: one object per run with full precision', () => {
    fixture();
    const rows = JSON.parse(formatComparison(comparison(), 'json')) as Record<string, unknown>[];
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ run: 'kind=pca,latent=8', status: 'completed', 'model.kind': 'pca', 'model.latent': 8, test_mse: 0.0301234, best: true });
    expect(rows[3]).toMatchObject({ test_mse: null, best: false });
  });

  it('formats numbers for people', () => {
    expect([formatNumber(784000), formatNumber(0.0301234), formatNumber(12.345678), formatNumber(123456.7), formatNumber(1.23456e-7), formatNumber(-9.5)]).toEqual([
      '784000',
      '0.03012',
      '12.35',
      '123500',
      '1.235e-7',
      '-9.5',
    ]);
  });
});

describe('compare that answers questions', () => {
  /** runs/seeds/sweep-0001: pca and deep at latent 2 and 8, seeds 1–3; deep's MSE varies by seed. */
  function seedFixture() {
    const sweepDir = path.join(tmp, 'runs', 'seeds', 'sweep-0001');
    const trials: { name: string; folder: string }[] = [];
    for (const kind of ['pca', 'deep']) {
      for (const latent of [2, 8]) {
        for (const seed of [1, 2, 3]) {
          const name = `kind=${kind},latent=${latent},seed=${seed}`;
          trials.push({ name, folder: name });
          const pcaMse = latent === 2 ? 0.05 : 0.03;
          const mse = kind === 'pca' ? pcaMse : pcaMse * (0.6 + 0.01 * seed);
          writeRun(
            path.join(sweepDir, name),
            { id: name, name: 'seeds', sweep: { dir: 'sweep-0001', trial: name } },
            { ...spec(kind, latent), seed },
            { ...metrics(mse, -3), test_mse_by_digit: { '1': mse / 2, '5': mse * 2 - seed / 1000, '6': mse } },
          );
        }
      }
    }
    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({ trials }));
    return sweepDir;
  }
  const load = () => resolveCompareInputs(['runs/seeds/sweep-0001'], tmp).map((dir) => loadComparedRun(dir));

  it('leaves the density log-likelihood out by default unless all runs share an encoder, and says why when asked for', () => {
    seedFixture();
    const c = buildComparison(load(), {});
    expect(c.metrics).toEqual(['test_mse', 'val_mse', 'params', 'train_seconds']);
    expect(c.notes).toEqual([]);
    const asked = buildComparison(load(), { metrics: ['test_mse', 'density_log_likelihood_test'] });
    expect(asked.metrics).toEqual(['test_mse', 'density_log_likelihood_test']);
    expect(asked.notes.join()).toMatch(/different encoders/);
    // Two runs of one model that differ only in the density model share their codes: comparable.
    const a = path.join(tmp, 'runs', 'dens', '0001');
    const b = path.join(tmp, 'runs', 'dens', '0002');
    writeRun(a, { id: '0001' }, { ...spec('deep', 2), density: { kind: 'gaussian_diag' } }, metrics(0.04, -3));
    writeRun(b, { id: '0002' }, { ...spec('deep', 2), density: { kind: 'gaussian_full' } }, metrics(0.04, -2));
    const same = buildComparison([a, b].map((dir) => loadComparedRun(dir)), {});
    expect(same.parameters).toEqual(['density.kind']);
    expect(same.metrics).toContain('density_log_likelihood_test');
  });

  it('shows and sorts nested metrics, and names what exists when a metric is unknown', () => {
    seedFixture();
    const c = buildComparison(load(), { metrics: ['test_mse_by_digit.5'], sort: 'test_mse_by_digit.5' });
    const values = c.rows.map((r) => r.metrics['test_mse_by_digit.5']!);
    expect(values).toEqual([...values].sort((x, y) => x - y));
    expect(values[0]).toBeCloseTo(0.03 * 0.63 * 2 - 0.003, 12); // deep, latent 8, seed 3
    expect(() => buildComparison(load(), { metrics: ['test_mse_by_digit'] })).toThrow(/test_mse_by_digit: no run has this metric; it holds several, e\.g\. test_mse_by_digit\.1/);
    expect(() => buildComparison(load(), { metrics: ['accuracy'] })).toThrow(/--metrics accuracy: no run has this metric; numeric metrics of these runs: n_train/);
  });

  it('--baseline KEY=VALUE: the change of every shown metric against the baseline at the same latent size', () => {
    seedFixture();
    const c = buildComparison(load(), { baseline: 'kind=pca', metrics: ['test_mse'] });
    expect(c.baseline).toEqual({ selector: 'kind=pca', matchedOn: ['seed', 'model.latent'] });
    const byLabel = Object.fromEntries(c.rows.map((r) => [r.label, r]));
    expect(byLabel['kind=deep,latent=8,seed=2']!.changes.test_mse).toBeCloseTo(-0.38, 12);
    expect(byLabel['kind=deep,latent=2,seed=3']!.changes.test_mse).toBeCloseTo(-0.37, 12);
    expect(byLabel['kind=pca,latent=2,seed=1']!.isBaseline).toBe(true);
    const table = formatComparison(c, 'table');
    expect(table).toMatch(/kind=deep,latent=2,seed=1 +1 +deep +2 +0\.0305 +−39 %/);
    expect(table).toMatch(/kind=pca,latent=2,seed=1 .* base/);
    expect(table).toContain('Δ: relative change against the baseline kind=pca, matched on seed, model.latent');
    const json = JSON.parse(formatComparison(c, 'json')) as Record<string, unknown>[];
    expect(json.find((r) => r.run === 'kind=deep,latent=8,seed=2')).toMatchObject({ test_mse_change: expect.closeTo(-0.38, 12), baseline: false });
    // A single run folder as the baseline: every run against it.
    const one = buildComparison(load(), { baseline: 'kind=pca,latent=8,seed=1', metrics: ['test_mse'] });
    expect(one.rows.find((r) => r.label === 'kind=pca,latent=2,seed=1')!.changes.test_mse).toBeCloseTo(0.05 / 0.03 - 1, 12);
    expect(() => buildComparison(load(), { baseline: 'model.kind=linear' })).toThrow('--baseline model.kind=linear: no compared run has model.kind=linear; its values here: pca, deep');
    expect(() => buildComparison(load(), { baseline: 'kind=pca', groupBy: ['colour'] })).toThrow(/--group-by colour: no run has this setting/);
    expect(() => buildComparison(load(), { baseline: 'nonsense' })).toThrow(/--baseline nonsense: not one of the compared runs/);
  });

  it('--group-by: mean ± std with n per group, in table, md, csv and json', () => {
    seedFixture();
    const c = buildComparison(load(), { baseline: 'model.kind=pca', groupBy: ['kind', 'latent'], metrics: ['test_mse'] });
    expect(c.groupBy).toEqual(['model.kind', 'model.latent']);
    expect(c.averagedOver).toEqual(['seed']);
    expect(c.groups!.map((g) => g.label)).toEqual(['kind=deep,latent=8', 'kind=pca,latent=8', 'kind=deep,latent=2', 'kind=pca,latent=2']);
    const deep2 = c.groups!.find((g) => g.label === 'kind=deep,latent=2')!;
    expect(deep2.rows).toHaveLength(3);
    expect(deep2.metrics.test_mse!.mean).toBeCloseTo(0.05 * 0.62, 12);
    expect(deep2.metrics.test_mse!.std).toBeCloseTo(0.05 * 0.01, 12);
    expect(deep2.changes.test_mse!.mean).toBeCloseTo(-0.38, 12);
    expect(deep2.changes.test_mse!.std).toBeCloseTo(0.01, 12);
    const table = formatComparison(c, 'table').split('\n');
    expect(table[0]).toMatch(/^ {2}model\.kind {2}model\.latent {2}n +test_mse +Δ test_mse$/);
    expect(table[2]).toMatch(/^\* deep +8 +3 +0\.0186 ± 0\.0003 +−38 ± 1 %$/);
    expect(table).toContain('mean ± std (sample standard deviation) over the n runs of each group; runs differing in seed are pooled');
    const md = formatComparison(c, 'md');
    expect(md).toContain('| \\* | deep | 8 | 3 | 0.0186 ± 0.0003 | −38 ± 1 % |');
    // The notes under the table read as written (they were once percent-encoded).
    expect(md).toContain('\nmean ± std (sample standard deviation) over the n runs of each group; runs differing in seed are pooled');
    expect(md).not.toMatch(/%[0-9A-F]{2}/);
    const csv = formatComparison(c, 'csv').trimEnd().split('\n');
    expect(csv[0]).toBe('model.kind,model.latent,n,test_mse_mean,test_mse_std,test_mse_change_mean,test_mse_change_std,baseline,best,runs');
    expect(csv).toHaveLength(5);
    const json = JSON.parse(formatComparison(c, 'json')) as ({ runs: string[]; test_mse: { std: number } } & Record<string, unknown>)[];
    expect(json[0]).toMatchObject({ 'model.kind': 'deep', 'model.latent': 8, n: 3, best: true, baseline: false });
    expect(json[0]!.test_mse.std).toBeCloseTo(0.0003, 12);
    expect(json[0]!.runs).toHaveLength(3);
    expect(json.find((g) => g['model.kind'] === 'pca')).toMatchObject({ baseline: true, test_mse_change: { mean: 0, std: 0, n: 3 } });
  });
});
