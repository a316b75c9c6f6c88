// A reusable barrier over shared memory for the threads of one data-parallel run. Workers block
// in Atomics.wait; the main thread must keep its event loop turning (so that a worker's crash is
// heard), so it waits with Atomics.waitAsync, raced against the run's failure.
//
// Layout: two Int32 slots, [arrived, generation]. The last of `parties` to arrive resets the
// count and bumps the generation, which releases the others.

export const BARRIER_INTS = 2;

/** Atomics.waitAsync (Node ≥ 16; typed only from lib es2024, newer than this project's). */
type WaitAsync = (ints: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const ARRIVED = 0;
const GENERATION = 1;
/**
 * How long a waiting thread first polls the generation before it sleeps. Waking a sleeping thread
 * costs 0.5–2 ms on a virtual machine (the idle vCPU must be scheduled again), three times per
 * step; the threads of a run own their cores anyway, and the waits are short (the other thread's
 * slice finishing), so polling briefly is the cheaper way to wait.
 */
export const SPIN_MS = 4;

export class SharedBarrier {
  constructor(
    private readonly ints: Int32Array,
    private readonly parties: number,
  ) {
    if (ints.length !== BARRIER_INTS) throw new Error(`SharedBarrier: needs ${BARRIER_INTS} Int32 slots, got ${ints.length}`);
  }

  /** Arrives; returns the generation to wait on (or null when this arrival completed it). */
  private arrive(): number | null {
    const generation = Atomics.load(this.ints, GENERATION);
    if (Atomics.add(this.ints, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(this.ints, ARRIVED, 0);
      Atomics.add(this.ints, GENERATION, 1);
      Atomics.notify(this.ints, GENERATION);
      return null;
    }
    return generation;
  }

  /** Arrives and blocks until every party has arrived, or until `stopped()` says to give up. */
  arriveAndWait(stopped: () => boolean): void {
    const generation = this.arrive();
    if (generation === null || this.spin(generation)) return;
    while (Atomics.load(this.ints, GENERATION) === generation) {
      if (stopped()) return;
      // Woken by the barrier's notify, or by release() when the run ends; the timeout is only a
      // safety net against a missed wake-up.
      Atomics.wait(this.ints, GENERATION, generation, 1000);
    }
  }

  /**
   * Arrives and resolves when every party has arrived. `check` runs before every wait and may
   * throw to give up (a failed run): whoever records the failure calls release(), which wakes us.
   */
  async arriveAndWaitAsync(check: () => void): Promise<void> {
    const generation = this.arrive();
    if (generation === null || this.spin(generation)) return;
    while (Atomics.load(this.ints, GENERATION) === generation) {
      check();
      const waited = waitAsync(this.ints, GENERATION, generation);
      if (waited.async) await waited.value;
    }
  }

  /** Polls for up to SPIN_MS; true when the barrier completed meanwhile. */
  private spin(generation: number): boolean {
    const until = performance.now() + SPIN_MS;
    do {
      for (let i = 0; i < 256; i++) if (Atomics.load(this.ints, GENERATION) !== generation) return true;
    } while (performance.now() < until);
    return false;
  }

  /** Wakes every waiter (they re-check their stop condition). */
  release(): void {
    Atomics.notify(this.ints, GENERATION);
  }
}
