// Worker processes for `aelab run --jobs N`, both ends of their message protocol. Each worker
// selects its backend once and runs the trials the parent hands it, so the data set is loaded
// once per worker and only the parent claims trials.
//
//   parent → worker: init (once), then one trial at a time
//   worker → parent: ready (backend up), then done (the trial's outcome) per trial
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { selectBackend } from '../model/index.ts';
import { releaseTakeover, releaseTrial } from '../runs/index.ts';
import { errorMessage } from '../shared/errors.ts';
import { createTerminal } from '../shared/terminal.ts';
import type { BackendInfo } from '../shared/types.ts';
import { projectRoot } from '../shared/version.ts';
import { runTrial, type BackendName, type RunOutcome, type TrialTask } from './run.ts';

/** First message to a worker: what its runs share with the parent's. */
export interface WorkerInit {
  type: 'init';
  runsDir: string;
  backend?: BackendName;
  command: string[];
  /** The command's --jobs, so that each trial's train.workers `auto` leaves the cores to the other jobs. */
  jobs: number;
  staleAfterMs?: number;
}
/** A claimed trial for the worker to run. */
export interface WorkerTrial extends TrialTask {
  type: 'trial';
}
export type ParentMessage = WorkerInit | WorkerTrial;
export type WorkerReply = { type: 'ready'; backend: BackendInfo } | { type: 'done'; trial: string; outcome: RunOutcome };

const WORKER_ENTRY = fileURLToPath(new URL('./sweep-worker.ts', import.meta.url));
const TS_RUNNER = path.join(projectRoot, 'bin', 'run-ts.mjs');

/** A started sweep worker: resolves `ready` once its backend is up; runs one trial at a time. */
export interface SweepWorker {
  ready: Promise<boolean>;
  readonly alive: boolean;
  runTrial(task: TrialTask): Promise<RunOutcome>;
  close(): void;
}

/**
 * Worker processes for `--jobs N` (N − 1 of them: this process is a job too). Started before the
 * parent initialises its own backend, so that their start-up (tsx, tfjs, wasm: ~1.5 s) overlaps
 * the parent's instead of delaying the sweep; one pool serves every sweep spec of the command.
 */
export interface WorkerPool {
  readonly size: number;
  workers: SweepWorker[];
  /** Passes SIGINT/SIGTERM on, so that a `kill` of the parent alone also interrupts the workers' trials. */
  signal(sig: NodeJS.Signals): void;
  close(): void;
}

export function startWorkerPool(count: number, init: Omit<WorkerInit, 'type'>, env: NodeJS.ProcessEnv = process.env): WorkerPool {
  const workers: SweepWorker[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(TS_RUNNER, [WORKER_ENTRY], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...env } });
    const send = (message: ParentMessage) => child.send(message);
    let pending: { resolve: (o: RunOutcome) => void; reject: (e: Error) => void } | null = null;
    let exited = false;
    const ready = new Promise<boolean>((resolve) => {
      child.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') resolve(true);
        else if (msg.type === 'done' && pending) {
          const p = pending;
          pending = null;
          p.resolve(msg.outcome);
        }
      });
      child.on('exit', (code, signal) => {
        exited = true;
        resolve(false);
        if (pending) {
          const p = pending;
          pending = null;
          p.reject(new Error(`worker exited (${signal ?? code})`));
        }
      });
      child.on('error', () => resolve(false));
    });
    children.push(child);
    send({ type: 'init', ...init });
    workers.push({
      ready,
      get alive() {
        return !exited;
      },
      runTrial: (task) =>
        new Promise<RunOutcome>((resolve, reject) => {
          if (exited) return reject(new Error('worker is gone'));
          pending = { resolve, reject };
          send({ type: 'trial', ...task });
        }),
      close: () => {
        if (!exited && child.connected) child.disconnect();
      },
    });
  }
  return {
    size: count,
    workers,
    signal: (sig) => children.forEach((c) => c.exitCode === null && c.kill(sig)),
    close: () => workers.forEach((w) => w.close()),
  };
}

/**
 * Feeds the pool's workers from `nextTask` until it runs dry, handing each outcome to `record`.
 * A worker that failed to start leaves its share to the others.
 */
export async function serveTrialsWithWorkers(
  pool: WorkerPool,
  nextTask: () => TrialTask | null,
  record: (trial: string, outcome: RunOutcome) => void,
  signal: AbortSignal,
): Promise<void> {
  const serve = async (worker: SweepWorker) => {
    if (!(await worker.ready)) return;
    while (worker.alive) {
      const task = nextTask();
      if (!task) break;
      try {
        record(task.trial, await worker.runTrial(task));
      } catch (err) {
        // The worker died mid-trial: a trial it never started goes back to pending; one it started
        // still says running with a dead pid, so a rerun reclaims it. Stop feeding this worker.
        if (task.resume) releaseTakeover(task.runDir);
        else releaseTrial(task.runDir);
        record(task.trial, { dir: task.runDir, status: signal.aborted ? 'interrupted' : 'failed', error: errorMessage(err) });
        return;
      }
    }
  };
  await Promise.all(pool.workers.map(serve));
}

/** The body of a sweep worker process (./sweep-worker.ts): the process is its own shell. */
export async function serveSweepWorker(): Promise<void> {
  const terminal = createTerminal(process.stderr, { allowStatus: false });
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => controller.abort(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let init: WorkerInit | null = null;
  let backendInfo: BackendInfo | null = null;
  let busy = Promise.resolve();
  // After the parent disconnects, process.send emits an 'error' event that would crash us.
  const reply = (m: WorkerReply) => {
    if (process.connected) process.send!(m, undefined, {}, () => {});
  };
  process.on('message', (msg: ParentMessage) => {
    busy = busy
      .then(async () => {
        if (msg.type === 'init') {
          init = msg;
          backendInfo = await selectBackend(msg.backend);
          reply({ type: 'ready', backend: backendInfo });
          return;
        }
        if (!init || !backendInfo) throw new Error('sweep worker got a trial before init');
        const outcome = await runTrial(msg, { runsDir: init.runsDir, terminal, command: init.command, signal: controller.signal, backendInfo, staleAfterMs: init.staleAfterMs, jobs: init.jobs });
        reply({ type: 'done', trial: msg.trial, outcome });
      })
      .catch((err: unknown) => {
        // E.g. the backend cannot load: say so once and leave; the parent runs the trials itself.
        terminal.line(`aelab: sweep worker ${process.pid}: ${errorMessage(err)}`);
        process.exitCode = 1;
        if (process.connected) process.disconnect();
      });
  });
  // The parent is gone (second Ctrl-C, or it failed): finish nothing for nobody.
  await new Promise<void>((resolve) =>
    process.on('disconnect', () => {
      controller.abort('SIGHUP');
      resolve();
    }),
  );
  await busy;
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = controller.signal.aborted ? 130 : 0;
}
