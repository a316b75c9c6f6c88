// train.workers → how many threads one run trains on, and why (recorded in run.json).
//   auto: the machine's cores, divided among the sweep's --jobs (so jobs × workers never exceeds
//         the cores), and 1 where threads cannot help: tfjs-node (native TensorFlow already uses
//         every core), the pure-JS cpu backend, a model or optimizer a worker cannot replicate
//         exactly, or a step so small that thread start-up and synchronisation would cost more
//         than they save.
//   N:    N threads; a request that cannot be honoured exactly is a UserError naming why.
import type { ModelKindDescriptor } from '../../kinds/model/types.ts';
import { UserError } from '../../shared/errors.ts';
import type { ModelSpec, TrainSpec } from '../../shared/spec-types.ts';
import { shardOptimizerKinds } from './shard-optimizer.ts';

export type WorkersRequest = 'auto' | number;

export interface WorkersRequestContext {
  requested: WorkersRequest;
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** The machine's cores (os.availableParallelism()). */
  cores: number;
  /** Runs training at once in this command (a sweep's --jobs); 1 for a single run. */
  jobs: number;
  /** Why a worker could not replicate this run exactly (model kind, optimizer…); null when it can. */
  unsupported: string | null;
  params: number;
  batchSize: number;
}

export interface WorkersDecision {
  requested: WorkersRequest;
  workers: number;
  /** One line: why this many. */
  reason: string;
}

/**
 * Below this many parameter × sample products per step (about 13 ms of single-thread wasm work),
 * what every thread pays per step whatever its slice (~5–9 ms: re-packing the changed weights,
 * tfjs's backward bookkeeping, the barriers and parameter copies) costs about what a second
 * thread saves; `auto` keeps such runs (the tests' toy models, small explorations) on one thread.
 */
export const MIN_PARALLEL_WORK = 6e7;

export function resolveWorkers(ctx: WorkersRequestContext): WorkersDecision {
  const { requested } = ctx;
  if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 1)) {
    throw new UserError([{ path: 'train.workers', message: `must be 'auto' or a positive integer, got ${JSON.stringify(requested)}` }]);
  }
  const one = (reason: string): WorkersDecision => ({ requested, workers: 1, reason });
  const refuse = (why: string): never => {
    throw new UserError([{ path: 'train.workers', message: `${requested} workers are not possible here: ${why}; set train.workers to 1 or auto` }]);
  };
  const blocker =
    ctx.backend === 'tensorflow'
      ? 'tfjs-node (native TensorFlow) already uses every core'
      : ctx.backend === 'cpu'
        ? 'data-parallel training needs the wasm backend (the cpu backend is the slow fallback)'
        : ctx.unsupported;
  if (requested === 1) return one('train.workers is 1');
  if (blocker !== null) return requested === 'auto' ? one(blocker) : refuse(blocker);
  if (requested !== 'auto') {
    if (requested > ctx.batchSize) refuse(`a batch of ${ctx.batchSize} cannot be split into ${requested} slices`);
    return { requested, workers: requested, reason: `train.workers is ${requested}` };
  }
  const share = Math.floor(ctx.cores / Math.max(1, ctx.jobs));
  if (share <= 1) {
    return one(ctx.jobs > 1 ? `${ctx.jobs} jobs share ${ctx.cores} core${ctx.cores === 1 ? '' : 's'}` : 'this machine has one core');
  }
  if (ctx.params * ctx.batchSize < MIN_PARALLEL_WORK) {
    return one(`a step of ${ctx.params.toLocaleString('en-US')} parameters × ${ctx.batchSize} samples is too small to gain from threads`);
  }
  const workers = Math.min(share, ctx.batchSize);
  return { requested, workers, reason: `auto: ${workers} of ${ctx.cores} cores${ctx.jobs > 1 ? ` (${ctx.jobs} jobs)` : ''}` };
}

/**
 * Why a worker thread could not reproduce this run's training step exactly, or null when it can:
 * the kind must declare dataParallel (see TrainableModelKind), the optimizer must have a
 * data-parallel update, and the step may use none of the features the shard update does not
 * implement (weight decay, gradient clipping) or that differ between slices (dropout's random
 * masks, batch norm's batch statistics). Learning-rate schedules and warm-up are fine: the rate is
 * handed to every thread each step.
 */
export function dataParallelBlocker(kind: ModelKindDescriptor, spec: { train: TrainSpec; model: ModelSpec }): string | null {
  if (!kind.trainable) return `model kind ${kind.kind} is not trained by gradient descent`;
  if (kind.dataParallel !== true) {
    return `model kind ${kind.kind} does not declare that several threads train it exactly (random draws or batch statistics in its objective would differ)`;
  }
  const { train, model } = spec;
  if (!(shardOptimizerKinds as readonly string[]).includes(train.optimizer)) return `optimizer ${train.optimizer} has no data-parallel update (${shardOptimizerKinds.join(', ')} do)`;
  if ((train.weight_decay ?? 0) > 0) return 'train.weight_decay is not implemented by the data-parallel update';
  if ((train.gradient_clip ?? 0) > 0) return 'train.gradient_clip needs the whole gradient, which the data-parallel update does not gather';
  if ((model.dropout ?? 0) > 0) return 'model.dropout draws different random masks on each thread';
  if (model.batch_norm === true) return "model.batch_norm's batch statistics differ between the threads' slices";
  if (train.input_noise) return 'train.input_noise corrupts the whole batch in the main thread; the threads would see clean slices';
  if ((model.code_l1 ?? 0) > 0) return "model.code_l1's penalty part is not reported by the threads";
  return null;
}
