// Body of a data-parallel training worker thread (started by ./index.ts through
// ./worker-entry.mjs). It selects the wasm backend (with aelab's fast matmul, as the main thread
// does), rebuilds the run's model, and then, once per step and in lockstep with the other threads
// through shared-memory barriers: loads the shared parameters, computes the gradient of its slice
// of the batch, and updates its range of the parameters.
//
// The model and its backend come from the recipe's builder module (src/model/replica.ts, handed
// over by the pipeline): a worker is a fresh JavaScript realm that must build the very model and
// backend the run built, and the model stage is the one place that knows how.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../shared/errors.ts';
import { BARRIER_INTS, SharedBarrier } from './barrier.ts';
import {
  BARRIER_GRADIENTS,
  BARRIER_START,
  BARRIER_UPDATED,
  EPOCH,
  LEARNING_RATE,
  LOSSES,
  PARAMS_VERSION,
  ROWS,
  STATE,
  STATE_RUNNING,
  STEP,
  gradientMsSlot,
  sharedViews,
  updateMsSlot,
  type ReplicaBuilder,
  type WorkerInit,
  type WorkerReply,
} from './protocol.ts';
import { Replica } from './replica.ts';
import { createShardOptimizer, parameterRange, partRange } from './shard-optimizer.ts';

const port = parentPort;
if (port === null) throw new Error('src/train/parallel/worker.ts must run in a worker thread');
const init = workerData as WorkerInit;
const reply = (m: WorkerReply) => port.postMessage(m);

try {
  await serve(init);
} catch (err) {
  reply({ type: 'error', message: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
} finally {
  port.close();
}

async function serve(init: WorkerInit): Promise<void> {
  const { thread, threads, dim, paramCount } = init;
  const views = sharedViews(init.buffers, threads, paramCount);
  const { control, scalars, params, grads, batch } = views;
  const barrier = (at: number) => new SharedBarrier(control.subarray(at, at + BARRIER_INTS), threads);
  const start = barrier(BARRIER_START);
  const gradientsReady = barrier(BARRIER_GRADIENTS);
  const updated = barrier(BARRIER_UPDATED);
  const stopped = () => Atomics.load(control, STATE) !== STATE_RUNNING;

  const { buildReplica } = (await import(init.recipe.builder)) as ReplicaBuilder;
  const model = await buildReplica(init.recipe);
  const replica = new Replica(model, dim);
  const same = replica.layout.count === paramCount && replica.layout.shapes.every((s, i) => s.join('x') === init.shapes[i]?.join('x'));
  if (!same) {
    throw new Error(
      `the worker's model has parameter shapes ${JSON.stringify(replica.layout.shapes)}, the run's ${JSON.stringify(init.shapes)}; ` +
        'this model cannot be trained on several threads',
    );
  }
  const [from, to] = parameterRange(paramCount, threads, thread);
  const optimizer = createShardOptimizer(init.optimizer, threads, from, to, { memory: views.arena, layout: views.layout });
  replica.loadParams(params);
  let paramsVersion = Atomics.load(control, PARAMS_VERSION);
  reply({ type: 'ready' });

  for (;;) {
    start.arriveAndWait(stopped);
    if (stopped()) break;
    const rows = Atomics.load(control, ROWS);
    const step = Atomics.load(control, STEP);
    const epoch = Atomics.load(control, EPOCH);
    if (Atomics.load(control, PARAMS_VERSION) !== paramsVersion) {
      paramsVersion = Atomics.load(control, PARAMS_VERSION);
      replica.loadParams(params);
    }
    if (init.faults?.throwAtStep === step && thread === 1) throw new Error(`injected fault at step ${step}`);
    if (init.faults?.exitAtStep === step && thread === 1) process.exit(3);
    const [rowFrom, rowTo] = partRange(rows, threads, thread);
    const began = performance.now();
    scalars[LOSSES + thread] = replica.gradient(batch, rowFrom, rowTo, rows, epoch, grads[thread]!);
    scalars[gradientMsSlot(threads, thread)] = performance.now() - began;
    gradientsReady.arriveAndWait(stopped);
    if (stopped()) break;
    const updating = performance.now();
    optimizer.update(params, grads, step, scalars[LEARNING_RATE]!);
    scalars[updateMsSlot(threads, thread)] = performance.now() - updating;
    updated.arriveAndWait(stopped);
    if (stopped()) break;
    replica.loadParams(params);
  }
  model.dispose();
}
