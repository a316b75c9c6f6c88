// Is a run that says `running` really running? run.json cannot say when its process dies without a
// word (kill -9, the OOM killer, a lost node), so readers decide from two facts the run keeps
// fresh: its owner (host and pid) and its heartbeat (heartbeat_at, rewritten every ≤30 s).
// Shared by every reader (runs listing, index page, compare, sweep claims), so all agree.
import os from 'node:os';

export type Liveness = 'running' | 'lost';

/** A run whose heartbeat is older than this is lost (the CLI's --stale-after changes it). */
export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
/**
 * The shortest --stale-after: twice the heartbeat period (runs/record.ts beats every 30 s), so
 * that a live run between two beats, or briefly busy, is never taken for lost.
 */
export const MIN_STALE_AFTER_MS = 60_000;

/** The parts of run.json (or of a sweep trial's claim) that liveness looks at. */
export interface LivenessFacts {
  hostname?: unknown;
  pid?: unknown;
  /** ISO time of the last sign of life; a claim calls it claimed_at. */
  heartbeat_at?: unknown;
}

export interface LivenessProbe {
  /** Milliseconds since the epoch, as Date.now(). */
  now: number;
  staleAfterMs: number;
  /** Whether a process with this pid exists on this machine. */
  isPidAlive: (pid: number) => boolean;
  /** This machine's host name, as os.hostname(). */
  hostname: string;
}

/**
 * `lost` when the owner is certainly gone — it ran on this host and its pid is not alive — or its
 * heartbeat is older than staleAfterMs (the only test possible for a run on another machine, and
 * the one that catches a reused pid). A record without a readable heartbeat (written before
 * heartbeats existed) on another host cannot be judged and counts as running. Pure: the clock,
 * the process table and the host name come in through `probe`.
 */
export function runLiveness(facts: LivenessFacts, probe: LivenessProbe): Liveness {
  const sameHost = typeof facts.hostname === 'string' && facts.hostname === probe.hostname;
  if (sameHost && typeof facts.pid === 'number' && !probe.isPidAlive(facts.pid)) return 'lost';
  const beat = typeof facts.heartbeat_at === 'string' ? Date.parse(facts.heartbeat_at) : NaN;
  if (!Number.isNaN(beat) && probe.now - beat > probe.staleAfterMs) return 'lost';
  return 'running';
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, as another user). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The probe for this process, now. */
export function systemProbe(staleAfterMs: number = DEFAULT_STALE_AFTER_MS): LivenessProbe {
  return { now: Date.now(), staleAfterMs, isPidAlive, hostname: os.hostname() };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * '10m', '90s', '1.5h', '500ms', '2d' → milliseconds; a bare number is seconds. Null when the text
 * is not such a duration (the caller says what was expected).
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}
