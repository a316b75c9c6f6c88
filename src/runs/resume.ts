// Continuing a run in its own folder (`aelab run --resume RUN_DIR`): which runs can be continued,
// and taking one over so that no other process (another --resume, a sweep rerun) continues it too.
import fs from 'node:fs';
import path from 'node:path';
import { isModelKind, modelKindRegistry } from '../kinds/model/registry.ts';
import { UserError } from '../shared/errors.ts';
import { runLiveness, systemProbe, type LivenessProbe } from '../shared/liveness.ts';
import { field, readJsonQuietly, readRunJson } from './list.ts';
import { RUN_JSON, type RunJson } from './record.ts';
import { acquireTakeover, inodeOf, releaseTakeover } from './sweep.ts';

/** The latest training checkpoint of a run (see train/checkpoint.ts); removed when the run completes. */
export const CHECKPOINT_FILE = 'checkpoint.bin';

/** The run's checkpoint file when it has one, else null. */
export function checkpointFile(dir: string): string | null {
  const file = path.join(dir, CHECKPOINT_FILE);
  return fs.existsSync(file) ? file : null;
}

/** Why a stopped run in `dir` has no checkpoint: its kind (from resolved.json) has no epochs, or it stopped during its first. */
export function whyNoCheckpoint(dir: string): string {
  const kind = field(field(field(readJsonQuietly(path.join(dir, 'resolved.json')), 'spec'), 'model'), 'kind');
  if (isModelKind(kind) && !modelKindRegistry[kind].trainable) return `model.kind ${kind} is fitted in one step, without epochs to checkpoint`;
  return 'it stopped before its first checkpoint (the end of epoch 1, or of epoch train.checkpoint_every)';
}

export interface ResumableRun {
  dir: string;
  /** run.json as the interrupted or lost run left it. */
  previous: RunJson;
  /** 'interrupted', or 'lost' (it said running, but its owner is gone). */
  was: 'interrupted' | 'lost';
  checkpoint: string;
}

/**
 * Takes over an interrupted or lost run for continuing it in place, or refuses with a UserError
 * that says why and what to do instead: a folder that is no run, a completed or failed run, one
 * whose owner still runs, one without a checkpoint. The caller rewrites run.json (now naming this
 * process) and then calls releaseTakeover(dir).
 */
export function claimRunForResume(dirArg: string, probe: LivenessProbe = systemProbe()): ResumableRun {
  const dir = path.resolve(dirArg);
  const rerun = `aelab run ${dirArg}`;
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`--resume ${dirArg}: no such folder; give a run folder (runs/<name>/NNNN, or a sweep's trial folder)`);
  if (!fs.existsSync(path.join(dir, RUN_JSON))) throw new UserError(`--resume ${dirArg}: not a run folder (it has no ${RUN_JSON}); give a run folder such as runs/<name>/0003`);
  const previous = readRunJson(dir);
  if (!previous) throw new UserError(`--resume ${dirArg}: its ${RUN_JSON} cannot be read; the run cannot be resumed — rerun it from scratch with: aelab run <its spec>`);
  let was: ResumableRun['was'];
  if (previous.status === 'completed') throw new UserError(`--resume ${dirArg}: this run already completed; there is nothing to resume (to train it again from scratch: ${rerun})`);
  if (previous.status === 'failed') {
    throw new UserError(`--resume ${dirArg}: this run failed (${previous.error?.message ?? 'see its run.json'}), it was not interrupted; fix the cause and rerun it from scratch: ${rerun}`);
  }
  if (previous.status === 'running') {
    if (runLiveness(previous, probe) === 'running') {
      throw new UserError(
        `--resume ${dirArg}: this run is still running (pid ${String(previous.pid)} on ${String(previous.hostname)}, last heartbeat ${String(previous.heartbeat_at)}); ` +
          'stop it (Ctrl-C or kill) first, or wait until it is judged lost (no heartbeat for --stale-after)',
      );
    }
    was = 'lost';
  } else {
    was = 'interrupted';
  }
  const checkpoint = checkpointFile(dir);
  if (!checkpoint) throw new UserError(`--resume ${dirArg}: this run has no checkpoint (${CHECKPOINT_FILE}): ${whyNoCheckpoint(dir)}; it would need a rerun from scratch: ${rerun}`);
  const judged = inodeOf(dir);
  if (judged === null || !acquireTakeover(dir, judged, probe)) {
    throw new UserError(`--resume ${dirArg}: another process is taking this run over right now (a sweep rerun or another --resume); leave it to that one`);
  }
  // Another process may have continued it between the look and the marker (and removed its own marker).
  const now = readRunJson(dir);
  if (!now || now.status !== previous.status || now.pid !== previous.pid || now.heartbeat_at !== previous.heartbeat_at) {
    releaseTakeover(dir);
    throw new UserError(`--resume ${dirArg}: another process has just taken this run over; leave it to that one`);
  }
  return { dir, previous, was, checkpoint };
}
