// The planning half of the composer: a sweep spec → its trials, each validated like a spec file.
// Kept apart from run.ts so that `aelab validate` can check sweeps without loading tfjs.
import { expandSweep, selectTrials, shardTrials } from '../plan/index.ts';
import { parseShardArg } from '../plan/shard-arg.ts';
import { MIN_STALE_AFTER_MS, parseDuration } from '../shared/liveness.ts';
import { UserError, isUserError } from '../shared/errors.ts';
import { loadSpec, type LoadedSpec } from '../spec/index.ts';

// The CLI reaches the plan stage only through the composer.
export { parseShardArg, selectTrials, shardTrials, parseDuration, MIN_STALE_AFTER_MS };

export interface PlannedTrial {
  name: string;
  overrides: Record<string, unknown>;
  hash: string;
}

/** A trial's own spec: the sweep spec without its sweep block, with the trial's keys set. */
export function loadTrialSpec(file: string, baseOverrides: Record<string, unknown>, trial: { name: string; overrides: Record<string, unknown> }): LoadedSpec {
  return loadSpec(file, {
    overrides: { ...baseOverrides, ...trial.overrides },
    dropSweep: true,
    overridesSource: `sweep trial ${trial.name}`,
  });
}

/** Expands and validates a sweep; every invalid trial is reported before anything runs. */
export function planSweep(loaded: LoadedSpec): PlannedTrial[] {
  const sweep = loaded.spec.sweep;
  if (!sweep) throw new Error('planSweep called on a spec without a sweep block');
  const trials = expandSweep(sweep, loaded.spec.seed);
  const planned: PlannedTrial[] = [];
  const problems: UserError['issues'] = [];
  for (const trial of trials) {
    try {
      const t = loadTrialSpec(loaded.file, loaded.overrides, trial);
      planned.push({ name: trial.name, overrides: trial.overrides, hash: t.hash });
    } catch (err) {
      if (!isUserError(err)) throw err;
      // Problems in the overrides already name the trial as their file; others get it in front.
      for (const issue of err.issues) {
        problems.push(issue.file?.startsWith('sweep trial') ? issue : { ...issue, message: `trial ${trial.name}: ${issue.message}` });
      }
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return planned;
}
