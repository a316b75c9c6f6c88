// Seeded pseudo-random numbers for everything aelab draws (shuffles, picked test images, density
// samples, random sweeps), so the same seed gives the same run. Math.random is never used.

/**
 * mulberry32: small, fast, good enough for shuffling and sampling; state is one uint32 (plus the
 * spare normal Box–Muller made). `from`, as getState() returned it, continues a stream exactly
 * where it stood (a resumed run's shuffles match an uninterrupted run's).
 */
export function createRng(seed: number, from?: RngState): Rng {
  let state = (from ? from.state : seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = from ? from.spare : null;
  return {
    next,
    getState: () => ({ state, spare }),
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // Box–Muller; 1 - u keeps log away from 0.
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle: (arr) => {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = arr[i]!;
        arr[i] = arr[j]!;
        arr[j] = tmp;
      }
      return arr;
    },
  };
}

/** Where a stream stands: everything needed to continue it (plain JSON). */
export interface RngState {
  state: number;
  spare: number | null;
}

export interface Rng {
  /** Where the stream stands now; createRng(any, state) continues from here. */
  getState(): RngState;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<A extends { length: number; [i: number]: unknown }>(arr: A): A;
}

/** Derives an independent seed for a named purpose from the run's seed (e.g. 'shuffle', 'pictures'). */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) {
    h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}
