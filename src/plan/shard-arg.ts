// `--shard i/n` and `--shard auto`: which slice of a sweep this process runs. `auto` reads it from
// the job engine, so a job script needs no arithmetic: Slurm job arrays (which often count from 1)
// and Kubernetes indexed Jobs. Pure: the environment comes in as an argument.
import { UserError } from '../shared/errors.ts';
import { parseShard } from './index.ts';

export interface ShardChoice {
  index: number;
  count: number;
  /** Where it came from, for messages: 'i/n', 'Slurm array task 3 of 1-4', … */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const whole = (text: string | undefined): number | null => (text !== undefined && /^\s*\d+\s*$/.test(text) ? Number(text) : null);

/**
 * Reads a --shard value. 'i/n' is taken literally (i counts from 0), except that inside a Slurm
 * array that does not start at 0, an i equal to SLURM_ARRAY_TASK_ID is refused: that is
 * `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` on a 1-based array, which would silently
 * never run slice 0. 'auto' takes the slice from Slurm (SLURM_ARRAY_TASK_ID, _MIN, _MAX, _STEP,
 * _COUNT) or Kubernetes (JOB_COMPLETION_INDEX; the pod is not told the completions count, so
 * write 'auto/N' with N = the Job's completions). Throws UserError with the fix.
 */
export function parseShardArg(text: string, env: Env): ShardChoice {
  const trimmed = text.trim();
  const auto = /^auto(?:\/(\d+))?$/.exec(trimmed);
  if (!auto) {
    const { index, count } = parseShard(trimmed);
    const taskId = whole(env.SLURM_ARRAY_TASK_ID);
    const taskMin = whole(env.SLURM_ARRAY_TASK_MIN);
    if (taskId !== null && taskMin !== null && taskMin !== 0 && taskId === index) {
      throw new UserError(
        `--shard ${trimmed}: this Slurm array counts from ${taskMin} (SLURM_ARRAY_TASK_MIN=${taskMin}) but shards count from 0, ` +
          `so slice 0 would never run; write --shard auto (it maps array tasks to slices), or use --array=0-${count - 1}`,
      );
    }
    return { index, count, source: trimmed };
  }
  const givenCount = auto[1] === undefined ? null : Number(auto[1]);

  const taskId = whole(env.SLURM_ARRAY_TASK_ID);
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const min = whole(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const max = whole(env.SLURM_ARRAY_TASK_MAX);
    const step = whole(env.SLURM_ARRAY_TASK_STEP) ?? 1;
    const count = whole(env.SLURM_ARRAY_TASK_COUNT) ?? (max !== null ? Math.floor((max - min) / step) + 1 : null);
    if (taskId === null || count === null || step < 1) {
      throw new UserError(`--shard auto: cannot read the Slurm array from SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID ?? ''}, SLURM_ARRAY_TASK_COUNT=${env.SLURM_ARRAY_TASK_COUNT ?? ''}; give --shard i/n`);
    }
    // Only a plain range (--array=1-8 or 0-15:4) maps task ids to slices; a list (--array=1,4,9) does not.
    const isRange = max !== null && (max - min) % step === 0 && (max - min) / step + 1 === count;
    if (!isRange || (taskId - min) % step !== 0) {
      throw new UserError(
        `--shard auto: this Slurm array (tasks ${min}…${max ?? '?'}, step ${step}, ${count} tasks) is not a plain range, ` +
          `so its task ids do not number the slices; submit it with --array=0-N (or 1-N), or give --shard i/n`,
      );
    }
    if (givenCount !== null && givenCount !== count) {
      throw new UserError(`--shard auto/${givenCount}: the Slurm array has ${count} tasks (SLURM_ARRAY_TASK_COUNT); write --shard auto`);
    }
    const index = (taskId - min) / step;
    return { index, count, source: `Slurm array task ${taskId} of ${min}-${max}${step > 1 ? `:${step}` : ''}` };
  }

  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = whole(env.JOB_COMPLETION_INDEX);
    if (index === null) throw new UserError(`--shard auto: JOB_COMPLETION_INDEX is '${env.JOB_COMPLETION_INDEX}', not a whole number; give --shard i/n`);
    if (givenCount === null) {
      throw new UserError(
        `--shard auto: Kubernetes tells a pod its completion index (JOB_COMPLETION_INDEX=${index}) but not how many completions the Job has; ` +
          `write --shard auto/N with N = the Job's spec.completions`,
      );
    }
    if (index >= givenCount) {
      throw new UserError(`--shard auto/${givenCount}: JOB_COMPLETION_INDEX=${index} is not below ${givenCount}; N must be the Job's spec.completions`);
    }
    return { index, count: givenCount, source: `Kubernetes completion index ${index} of ${givenCount}` };
  }

  throw new UserError(
    '--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes indexed Job) is set; outside a job array give --shard i/n',
  );
}
