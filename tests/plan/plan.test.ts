import { describe, it, expect } from 'vitest';
import { expandSweep, shardTrials, parseShard, type Trial } from '../../src/plan/index.ts';
import { UserError } from '../../src/shared/errors.ts';
import type { SweepSpec } from '../../src/shared/spec-types.ts';

// Table tests in the style of hydra's basic_sweeper tests: a sweep in, the exact trial list out.

const names = (trials: Trial[]) => trials.map((t) => t.name);

describe('expandSweep grid', () => {
  const cases: { title: string; sweep: SweepSpec; expected: Trial[] }[] = [
    {
      title: 'one key keeps the written order',
      sweep: { grid: { 'model.latent': [8, 2, 4] } },
      expected: [
        { name: 'latent=8', overrides: { 'model.latent': 8 } },
        { name: 'latent=2', overrides: { 'model.latent': 2 } },
        { name: 'latent=4', overrides: { 'model.latent': 4 } },
      ],
    },
    {
      title: 'first key varies slowest',
      sweep: { grid: { 'model.kind': ['pca', 'deep'], 'model.latent': [2, 4, 8] } },
      expected: [
        { name: 'kind=pca,latent=2', overrides: { 'model.kind': 'pca', 'model.latent': 2 } },
        { name: 'kind=pca,latent=4', overrides: { 'model.kind': 'pca', 'model.latent': 4 } },
        { name: 'kind=pca,latent=8', overrides: { 'model.kind': 'pca', 'model.latent': 8 } },
        { name: 'kind=deep,latent=2', overrides: { 'model.kind': 'deep', 'model.latent': 2 } },
        { name: 'kind=deep,latent=4', overrides: { 'model.kind': 'deep', 'model.latent': 4 } },
        { name: 'kind=deep,latent=8', overrides: { 'model.kind': 'deep', 'model.latent': 8 } },
      ],
    },
    {
      title: 'keys sharing a last segment are written in full',
      sweep: { grid: { 'model.kind': ['pca'], 'density.kind': ['gmm', 'gaussian-diag'] } },
      expected: [
        { name: 'model.kind=pca,density.kind=gmm', overrides: { 'model.kind': 'pca', 'density.kind': 'gmm' } },
        { name: 'model.kind=pca,density.kind=gaussian-diag', overrides: { 'model.kind': 'pca', 'density.kind': 'gaussian-diag' } },
      ],
    },
    {
      title: 'list values are joined with dashes in the name and kept as lists in the overrides',
      sweep: { grid: { 'model.encoder': [[500, 300], [64]], 'train.early_stopping.patience': [0] } },
      expected: [
        { name: 'encoder=500-300,patience=0', overrides: { 'model.encoder': [500, 300], 'train.early_stopping.patience': 0 } },
        { name: 'encoder=64,patience=0', overrides: { 'model.encoder': [64], 'train.early_stopping.patience': 0 } },
      ],
    },
    {
      title: 'repeated values give unique names',
      sweep: { grid: { 'model.latent': [2, 2, 2] } },
      expected: [
        { name: 'latent=2', overrides: { 'model.latent': 2 } },
        { name: 'latent=2~2', overrides: { 'model.latent': 2 } },
        { name: 'latent=2~3', overrides: { 'model.latent': 2 } },
      ],
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      expect(expandSweep(c.sweep, 1)).toEqual(c.expected);
    });
  }

  it('does not share list objects between trials and the spec', () => {
    const sweep: SweepSpec = { grid: { 'model.encoder': [[500, 300]], 'model.latent': [2, 4] } };
    const trials = expandSweep(sweep, 1);
    (trials[0]!.overrides['model.encoder'] as number[]).push(1);
    expect(trials[1]!.overrides['model.encoder']).toEqual([500, 300]);
    expect(sweep.grid!['model.encoder']).toEqual([[500, 300]]);
  });
});

describe('expandSweep random', () => {
  it('gives the exact pinned trials for seed 42 (shards on other machines must agree)', () => {
    const sweep = { random: { n: 3, 'train.learning_rate': { min: 0.0001, max: 0.01, log: true }, 'model.latent': [2, 8] } };
    expect(expandSweep(sweep as unknown as SweepSpec, 42)).toEqual([
      { name: 'learning_rate=0.0008599,latent=2', overrides: { 'train.learning_rate': 0.0008599, 'model.latent': 2 } },
      { name: 'learning_rate=0.0002728,latent=2', overrides: { 'train.learning_rate': 0.0002728, 'model.latent': 2 } },
      { name: 'learning_rate=0.003695,latent=8', overrides: { 'train.learning_rate': 0.003695, 'model.latent': 8 } },
    ]);
  });

  it('draws n trials, the same for the same seed and different for another', () => {
    const sweep = { random: { n: 5, 'train.learning_rate': { min: 0.0001, max: 0.1, log: true, integer: false }, 'model.latent': [2, 4, 8, 16] } } as SweepSpec;
    const a = expandSweep(sweep, 7);
    expect(a).toHaveLength(5);
    expect(expandSweep(sweep, 7)).toEqual(a);
    expect(names(expandSweep(sweep, 8))).not.toEqual(names(a));
    for (const t of a) {
      expect(Object.keys(t.overrides)).toEqual(['train.learning_rate', 'model.latent']);
      const lr = t.overrides['train.learning_rate'] as number;
      expect(lr).toBeGreaterThanOrEqual(0.0001);
      expect(lr).toBeLessThanOrEqual(0.1);
      expect(Number(lr.toPrecision(4))).toBe(lr);
      expect([2, 4, 8, 16]).toContain(t.overrides['model.latent']);
      expect(t.name).toBe(`learning_rate=${lr},latent=${t.overrides['model.latent']}`);
    }
  });

  it('log ranges spread over orders of magnitude; linear ranges do not', () => {
    const lin = expandSweep({ random: { n: 400, 'train.learning_rate': { min: 0.001, max: 1, log: false, integer: false } } } as SweepSpec, 3);
    const log = expandSweep({ random: { n: 400, 'train.learning_rate': { min: 0.001, max: 1, log: true, integer: false } } } as SweepSpec, 3);
    const belowHundredth = (ts: Trial[]) => ts.filter((t) => (t.overrides['train.learning_rate'] as number) < 0.01).length;
    // P(x < 0.01): log-uniform 1/3, uniform ≈ 0.009.
    expect(belowHundredth(log)).toBeGreaterThan(100);
    expect(belowHundredth(lin)).toBeLessThan(20);
  });

  it('integer ranges give every whole number in [min, max] and nothing else', () => {
    const trials = expandSweep({ random: { n: 200, 'model.latent': { min: 2, max: 5, integer: true } } } as unknown as SweepSpec, 1);
    const values = new Set(trials.map((t) => t.overrides['model.latent']));
    expect([...values].sort()).toEqual([2, 3, 4, 5]);
    const logInts = expandSweep({ random: { n: 200, 'model.latent': { min: 1, max: 64, integer: true, log: true } } } as unknown as SweepSpec, 1);
    for (const t of logInts) {
      const v = t.overrides['model.latent'] as number;
      expect(Number.isInteger(v) && v >= 1 && v <= 64).toBe(true);
    }
    // Log-uniform over 1 … 64: about 1 draw in 6 is a 1, about 1 in 3 is above 16.
    const logValues = logInts.map((t) => t.overrides['model.latent'] as number);
    expect(logValues.filter((v) => v === 1).length).toBeGreaterThan(15);
    expect(logValues.filter((v) => v > 16).length).toBeGreaterThan(30);
  });

  it('duplicate draws get unique names', () => {
    const trials = expandSweep({ random: { n: 6, 'model.kind': ['pca'] } } as SweepSpec, 1);
    expect(names(trials)).toEqual(['kind=pca', 'kind=pca~2', 'kind=pca~3', 'kind=pca~4', 'kind=pca~5', 'kind=pca~6']);
  });
});

describe('expandSweep grid and random together', () => {
  it('crosses every grid point with the same n draws, grid point slowest', () => {
    const sweep = { grid: { 'model.kind': ['linear', 'deep'] }, random: { n: 2, 'train.batch_size': [32, 64, 128, 256] } } as SweepSpec;
    const trials = expandSweep(sweep, 11);
    expect(trials).toHaveLength(4);
    expect(trials.map((t) => t.overrides['model.kind'])).toEqual(['linear', 'linear', 'deep', 'deep']);
    const batches = trials.map((t) => t.overrides['train.batch_size']);
    expect(batches.slice(0, 2)).toEqual(batches.slice(2));
    expect(trials[0]!.name).toBe(`kind=linear,batch_size=${batches[0]}`);
  });
});

describe('expandSweep listed trials', () => {
  it('runs each listed trial once, in the order written, named by its own keys', () => {
    const sweep = {
      trials: [
        { 'model.kind': 'deep', 'density.kind': 'gaussian-diag' },
        { 'model.kind': 'deep', 'density.kind': 'gmm' },
        { 'model.kind': 'vae' },
      ],
    } as SweepSpec;
    expect(expandSweep(sweep, 1)).toEqual([
      { name: 'model.kind=deep,density.kind=gaussian-diag', overrides: { 'model.kind': 'deep', 'density.kind': 'gaussian-diag' } },
      { name: 'model.kind=deep,density.kind=gmm', overrides: { 'model.kind': 'deep', 'density.kind': 'gmm' } },
      { name: 'model.kind=vae', overrides: { 'model.kind': 'vae' } },
    ]);
  });

  it('crosses every grid point with every listed trial, grid slowest', () => {
    const sweep = { grid: { 'model.latent': [2, 8] }, trials: [{ 'model.kind': 'deep' }, { 'model.kind': 'linear' }] } as SweepSpec;
    expect(names(expandSweep(sweep, 1))).toEqual(['latent=2,kind=deep', 'latent=2,kind=linear', 'latent=8,kind=deep', 'latent=8,kind=linear']);
  });
});

describe('expandSweep mistakes', () => {
  const bad: { title: string; sweep: unknown; path: string }[] = [
    { title: 'empty sweep', sweep: {}, path: 'sweep' },
    { title: 'empty grid list', sweep: { grid: { 'model.latent': [] } }, path: 'sweep.grid.model.latent' },
    { title: 'n not positive', sweep: { random: { n: 0, 'model.latent': [2] } }, path: 'sweep.random.n' },
    { title: 'min above max', sweep: { random: { n: 1, 'train.learning_rate': { min: 1, max: 0.1 } } }, path: 'sweep.random.train.learning_rate' },
    { title: 'log range through zero', sweep: { random: { n: 1, 'train.learning_rate': { min: 0, max: 1, log: true } } }, path: 'sweep.random.train.learning_rate' },
    { title: 'integer range without integers', sweep: { random: { n: 1, 'model.latent': { min: 2.2, max: 2.8, integer: true } } }, path: 'sweep.random.model.latent' },
    { title: 'key in grid and random', sweep: { grid: { 'model.latent': [2] }, random: { n: 1, 'model.latent': [4] } }, path: 'sweep.random.model.latent' },
    { title: 'empty trials list', sweep: { trials: [] }, path: 'sweep.trials' },
    { title: 'an empty listed trial', sweep: { trials: [{ 'model.latent': 2 }, {}] }, path: 'sweep.trials[1]' },
    { title: 'key in grid and a listed trial', sweep: { grid: { 'model.latent': [2] }, trials: [{ 'model.latent': 4 }] }, path: 'sweep.trials' },
    { title: 'key inside another key', sweep: { grid: { model: [{ kind: 'pca' }], 'model.latent': [2] } }, path: 'sweep.grid.model.latent' },
  ];
  for (const c of bad) {
    it(`${c.title} → UserError at ${c.path}`, () => {
      let caught: unknown;
      try {
        expandSweep(c.sweep as SweepSpec, 1);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as UserError).issues.map((i) => i.path)).toContain(c.path);
    });
  }
});

describe('shards', () => {
  const cases: { trials: number; index: number; count: number; expected: number[] }[] = [
    { trials: 10, index: 0, count: 3, expected: [0, 3, 6, 9] },
    { trials: 10, index: 1, count: 3, expected: [1, 4, 7] },
    { trials: 10, index: 2, count: 3, expected: [2, 5, 8] },
    { trials: 2, index: 3, count: 4, expected: [] },
    { trials: 3, index: 0, count: 1, expected: [0, 1, 2] },
  ];
  for (const c of cases) {
    it(`shard ${c.index}/${c.count} of ${c.trials}`, () => {
      const all = Array.from({ length: c.trials }, (_, i) => i);
      expect(shardTrials(all, c.index, c.count)).toEqual(c.expected);
    });
  }

  it('the shards together hold every trial exactly once', () => {
    const all = Array.from({ length: 17 }, (_, i) => i);
    const union = [0, 1, 2, 3].flatMap((i) => shardTrials(all, i, 4)).sort((a, b) => a - b);
    expect(union).toEqual(all);
  });

  it('parses i/n', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
  });

  const badShards: [string, RegExp][] = [
    ['4/4', /--shard 4\/4: i counts from 0.*0 … 3/],
    ['1/0', /--shard 1\/0: n/],
    ['two/4', /--shard expects i\/n/],
    ['-1/4', /--shard expects i\/n/],
    ['1', /--shard expects i\/n/],
  ];
  for (const [text, message] of badShards) {
    it(`refuses --shard ${text}`, () => {
      expect(() => parseShard(text)).toThrow(UserError);
      expect(() => parseShard(text)).toThrow(message);
    });
  }
  it('shardTrials refuses an index outside 0 … n-1 with a --shard message', () => {
    expect(() => shardTrials([1, 2], 2, 2)).toThrow(/--shard 2\/2: i counts from 0/);
    expect(() => shardTrials([1, 2], 0, 0)).toThrow(/--shard 0\/0/);
  });
});
