// --shard i/n and --shard auto, as job engines set the environment.
import { describe, expect, it } from 'vitest';
import { parseShardArg } from '../../src/plan/shard-arg.ts';
import { shardTrials } from '../../src/plan/index.ts';
import { UserError } from '../../src/shared/errors.ts';

/** The variables Slurm sets for `--array=<min>-<max>[:step]` in the task with this id. */
function slurmArray(min: number, max: number, id: number, step = 1): Record<string, string> {
  return {
    SLURM_ARRAY_JOB_ID: '812',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_STEP: String(step),
    SLURM_ARRAY_TASK_COUNT: String(Math.floor((max - min) / step) + 1),
  };
}

function refusal(text: string, env: Record<string, string>): string {
  try {
    parseShardArg(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error(`--shard ${text} was accepted`);
}

describe('--shard', () => {
  it('takes i/n literally outside job arrays and in 0-based ones', () => {
    expect(parseShardArg('2/4', {})).toEqual({ index: 2, count: 4, source: '2/4' });
    expect(parseShardArg('2/4', slurmArray(0, 3, 2))).toMatchObject({ index: 2, count: 4 });
    for (const bad of ['3/3', 'abc', '0/0', '-1/2', '1/2/3', 'auto/x']) expect(refusal(bad, {})).toMatch(/--shard/);
  });

  it('refuses $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT on a 1-based array, which would skip slice 0', () => {
    expect(refusal('1/4', slurmArray(1, 4, 1))).toMatch(/counts from 1 .*slice 0 would never run; write --shard auto/);
    // Arithmetic done right is fine.
    expect(parseShardArg('0/4', slurmArray(1, 4, 1))).toMatchObject({ index: 0, count: 4 });
  });

  it('auto: every task of a Slurm array gets its own slice, whatever the array starts at or steps by', () => {
    for (const [min, max, step] of [[0, 3, 1], [1, 4, 1], [1, 7, 2], [5, 5, 1]] as const) {
      const ids: number[] = [];
      for (let id = min; id <= max; id += step) ids.push(id);
      const slices = ids.map((id) => parseShardArg('auto', slurmArray(min, max, id, step)));
      expect(slices.map((s) => s.count)).toEqual(ids.map(() => ids.length));
      expect(slices.map((s) => s.index)).toEqual(ids.map((_, i) => i));
      // …so together they run every trial exactly once.
      const trials = Array.from({ length: 11 }, (_, i) => i);
      expect(slices.flatMap((s) => shardTrials(trials, s.index, s.count)).sort((a, b) => a - b)).toEqual(trials);
    }
    expect(parseShardArg('auto', slurmArray(1, 4, 3)).source).toBe('Slurm array task 3 of 1-4');
    expect(parseShardArg('auto/4', slurmArray(1, 4, 3))).toMatchObject({ index: 2, count: 4 });
    expect(refusal('auto/5', slurmArray(1, 4, 3))).toMatch(/has 4 tasks/);
    // --array=1,4,9: not a range.
    expect(refusal('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '9', SLURM_ARRAY_TASK_COUNT: '3' })).toMatch(/not a plain range/);
  });

  it('auto: a Kubernetes indexed Job gives the index, the spec gives the count', () => {
    expect(parseShardArg('auto/3', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 3, source: 'Kubernetes completion index 2 of 3' });
    expect(refusal('auto', { JOB_COMPLETION_INDEX: '2' })).toMatch(/write --shard auto\/N/);
    expect(refusal('auto/2', { JOB_COMPLETION_INDEX: '2' })).toMatch(/not below 2/);
    expect(refusal('auto', {})).toMatch(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/);
  });
});
