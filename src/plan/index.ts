// Sweep expansion: turns a spec's `sweep:` block into the list of trials to run, and splits that
// list into deterministic shards for job arrays. Pure: no file system, no clock, no Math.random —
// the same sweep and seed always give the same trials in the same order, on every machine, which
// is what lets `--shard i/n` processes on different hosts agree on who runs what.
import { UserError, type Issue } from '../shared/errors.ts';
import { createRng, deriveSeed, type Rng } from '../shared/random.ts';
import type { SweepSpec, SweepRange } from '../shared/spec-types.ts';

/** One trial of a sweep: the base spec with `overrides` (dotted key → value) set. */
export interface Trial {
  /** Readable and unique within the sweep, e.g. `kind=pca,latent=8`. */
  name: string;
  /** Dotted key → value, in the order the keys are written in the sweep (grid keys, then random keys). */
  overrides: Record<string, unknown>;
}

/** A range as written in the spec; `log` and `integer` default to false when absent. */
type RangeInput = Pick<SweepRange, 'min' | 'max'> & Partial<Pick<SweepRange, 'log' | 'integer'>>;

/** Significant digits kept for values drawn from a continuous range (so names stay readable and
 * the value in a trial's name is exactly the value the trial uses). */
const DRAWN_SIGNIFICANT_DIGITS = 4;

/**
 * Expands a sweep into trials.
 *
 * - `grid`: the cartesian product of the lists, first key varying slowest, values in the order
 *   written.
 * - `random`: `n` draws; per key, a list (one element picked uniformly) or a `{min, max, log,
 *   integer}` range (uniform, or log-uniform with `log: true`; continuous draws are rounded to 4
 *   significant digits). Draws come from createRng(deriveSeed(seed, 'sweep')).
 * - both: every grid point is combined with each of the same `n` random draws (grid point varies
 *   slowest), giving grid × n trials. Reusing the draws across grid points keeps the comparison
 *   between grid points paired. A key may not appear in both.
 *
 * Trial names join `key=value` with commas; the key is the last segment of the dotted key unless
 * two keys share that last segment, then the full dotted key. Arrays of plain values are written
 * joined by '-' (encoder [500, 300] → `encoder=500-300`). Repeated names (a random sweep that drew
 * the same values twice) get `~2`, `~3`, … appended.
 */
export function expandSweep(sweep: SweepSpec, seed: number): Trial[] {
  const grid = sweep.grid ?? {};
  const gridKeys = Object.keys(grid);
  const random = sweep.random;
  const randomKeys = random ? Object.keys(random).filter((k) => k !== 'n') : [];
  const issues: Issue[] = [];

  if (gridKeys.length === 0 && random === undefined) {
    throw new UserError([
      { path: 'sweep', message: 'sweep has neither grid: nor random:; add one of them, or remove sweep:' },
    ]);
  }
  for (const key of gridKeys) {
    const values = grid[key];
    if (!Array.isArray(values) || values.length === 0) {
      issues.push({ path: `sweep.grid.${key}`, message: 'must be a non-empty list of values, e.g. [2, 4, 8]' });
    }
  }
  if (random !== undefined) {
    if (!Number.isInteger(random.n) || random.n < 1) {
      issues.push({ path: 'sweep.random.n', message: `must be a whole number ≥ 1 (the number of random trials), got ${JSON.stringify(random.n)}` });
    }
    for (const key of randomKeys) issues.push(...checkRandomEntry(key, random[key]));
  }
  issues.push(...checkKeyConflicts(gridKeys, randomKeys));
  if (issues.length > 0) throw new UserError(issues);

  const gridPoints = cartesian(gridKeys.map((key) => grid[key]!)).map((values) =>
    Object.fromEntries(gridKeys.map((key, i) => [key, structuredClone(values[i])])),
  );
  let combos: Record<string, unknown>[] = gridPoints;
  if (random !== undefined) {
    const rng = createRng(deriveSeed(seed, 'sweep'));
    const draws: Record<string, unknown>[] = [];
    for (let i = 0; i < random.n; i++) {
      const draw: Record<string, unknown> = {};
      for (const key of randomKeys) draw[key] = drawValue(random[key] as unknown[] | RangeInput, rng);
      draws.push(draw);
    }
    combos = gridPoints.flatMap((point) => draws.map((draw) => ({ ...point, ...structuredClone(draw) })));
  }

  const labels = keyLabels([...gridKeys, ...randomKeys]);
  const seen = new Map<string, number>();
  const taken = new Set<string>();
  return combos.map((overrides) => {
    const base = Object.entries(overrides)
      .map(([key, value]) => `${labels.get(key)}=${formatNameValue(value)}`)
      .join(',');
    let name = base;
    let repeat = seen.get(base) ?? 1;
    while (taken.has(name)) {
      repeat += 1;
      name = `${base}~${repeat}`;
    }
    seen.set(base, repeat);
    taken.add(name);
    return { name, overrides };
  });
}

/**
 * The `index`-th of `count` deterministic slices (round-robin: items index, index+count, …), so
 * that shards get near-equal shares even when the trial list is ordered by cost.
 */
export function shardTrials<T>(trials: T[], index: number, count: number): T[] {
  checkShard(index, count, `${index}/${count}`);
  return trials.filter((_, i) => i % count === index);
}

/** Parses `--shard i/n` ('2/4' → { index: 2, count: 4 }); i counts from 0. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new UserError(
      `--shard expects i/n with whole numbers, i counting from 0 (e.g. --shard 0/4 … --shard 3/4), got '${text}'`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  checkShard(index, count, text.trim());
  return { index, count };
}

function checkShard(index: number, count: number, written: string): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new UserError(`--shard ${written}: n (the number of shards) must be a whole number ≥ 1`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new UserError(
      `--shard ${written}: i counts from 0, so with ${count} shard${count === 1 ? '' : 's'} it must be 0 … ${count - 1}` +
        ` (Slurm: --array=0-${count - 1} with --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)`,
    );
  }
}

function checkRandomEntry(key: string, entry: unknown): Issue[] {
  const path = `sweep.random.${key}`;
  if (Array.isArray(entry)) {
    return entry.length === 0 ? [{ path, message: 'must be a non-empty list to pick from, or a {min, max} range' }] : [];
  }
  if (entry === null || typeof entry !== 'object') {
    return [{ path, message: 'must be a list to pick from, or a range such as {min: 0.0001, max: 0.01, log: true}' }];
  }
  const range = entry as Partial<Record<keyof SweepRange, unknown>>;
  const { min, max } = range;
  if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max)) {
    return [{ path, message: 'a range needs numeric min and max, e.g. {min: 2, max: 32, integer: true}' }];
  }
  if (min > max) return [{ path, message: `min (${min}) is larger than max (${max}); swap them` }];
  if (range.log === true && min <= 0) {
    return [{ path, message: `a log range needs min > 0 (got min ${min}); use a positive min or log: false` }];
  }
  if (range.integer === true && Math.ceil(min) > Math.floor(max)) {
    return [{ path, message: `an integer range needs a whole number between min (${min}) and max (${max})` }];
  }
  return [];
}

/** Keys set in two places, or one key inside another (model and model.latent), are ambiguous. */
function checkKeyConflicts(gridKeys: string[], randomKeys: string[]): Issue[] {
  const issues: Issue[] = [];
  for (const key of randomKeys) {
    if (gridKeys.includes(key)) {
      issues.push({ path: `sweep.random.${key}`, message: `also set in sweep.grid; set each key in one place` });
    }
  }
  const all = [...gridKeys, ...randomKeys.filter((k) => !gridKeys.includes(k))];
  for (const outer of all) {
    for (const inner of all) {
      if (inner.startsWith(outer + '.')) {
        const where = gridKeys.includes(inner) ? 'grid' : 'random';
        issues.push({ path: `sweep.${where}.${inner}`, message: `lies inside '${outer}', which the sweep also sets; keep only one of them` });
      }
    }
  }
  return issues;
}

function drawValue(entry: unknown[] | RangeInput, rng: Rng): unknown {
  if (Array.isArray(entry)) return structuredClone(entry[rng.int(entry.length)]);
  const { min, max } = entry;
  const log = entry.log ?? false;
  if (entry.integer ?? false) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    if (!log) return lo + rng.int(hi - lo + 1);
    // Log-uniform over whole numbers: k is drawn with probability ∝ log((k + 1) / k).
    const x = Math.exp(Math.log(lo) + (Math.log(hi + 1) - Math.log(lo)) * rng.next());
    return Math.min(hi, Math.floor(x));
  }
  const u = rng.next();
  const raw = log ? Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * u) : min + (max - min) * u;
  const rounded = Number(raw.toPrecision(DRAWN_SIGNIFICANT_DIGITS));
  return Math.min(max, Math.max(min, rounded));
}

function cartesian(lists: unknown[][]): unknown[][] {
  let product: unknown[][] = [[]];
  for (const list of lists) product = product.flatMap((prefix) => list.map((value) => [...prefix, value]));
  return product;
}

/** Short label per key: its last segment, or the full dotted key when the last segment is shared. */
function keyLabels(keys: string[]): Map<string, string> {
  const last = (key: string) => key.slice(key.lastIndexOf('.') + 1);
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(last(key), (counts.get(last(key)) ?? 0) + 1);
  return new Map(keys.map((key) => [key, counts.get(last(key))! > 1 ? key : last(key)]));
}

function formatNameValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' || typeof v === 'string')) {
    return value.join('-');
  }
  return JSON.stringify(value);
}
export { selectTrials } from './select.ts';
