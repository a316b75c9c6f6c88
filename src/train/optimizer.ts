// One optimizer step with the extras tfjs' optimizers lack: a learning rate that changes between
// epochs, gradient clipping by global norm, L2 weight decay (adam, sgd, rmsprop) and decoupled
// weight decay (adamw, Loshchilov & Hutter 2019). Per step, in PyTorch's order:
//   gradients of the loss → clip by global norm → (L2) add wd·w to each decayed weight's gradient
//   → (adamw) w ← w·(1 − lr·wd) for each decayed weight → the optimizer's own update.
// L2 changes the gradient, so Adam's moment estimates rescale it (weights with large gradients are
// barely regularised); AdamW shrinks the weights directly, independent of the gradient history.
// With no clipping and no decay the step is exactly tfjs' optimizer.minimize (on wasm, Adam's update
// is a fused SIMD pass that gives the same bits: ./fused-adam.ts).
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from './clip.ts';
import { applyAdamFused } from './fused-adam.ts';

export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop';
export const optimizerNames: readonly OptimizerName[] = ['adam', 'adamw', 'sgd', 'rmsprop'];

export interface StepSettings {
  optimizer: OptimizerName;
  /** The starting learning rate; setLearningRate changes it between epochs. */
  learningRate: number;
  /** Decoupled for adamw, an L2 term for the others; 0 turns it off. */
  weightDecay: number;
  /** Largest global gradient norm; null (or 0) turns clipping off. */
  gradientClip: number | null;
}

/** The optimizer classes' learning-rate field (protected in the typings, read on every step). */
interface WithLearningRate {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

export class OptimizerStep {
  private readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  private readonly decayed: boolean[];
  private lr: number;

  /**
   * `variables` are what the loss is differentiated by; `decay(v)` says which of them weight
   * decay applies to (usually the kernels, not biases or batch-norm parameters).
   */
  constructor(
    private readonly settings: StepSettings,
    variables: readonly tf.Variable[],
    decay: (v: tf.Variable) => boolean,
  ) {
    if (!optimizerNames.includes(settings.optimizer)) throw new Error(`OptimizerStep: unknown optimizer '${String(settings.optimizer)}'`);
    this.variables = [...variables];
    this.decayed = this.variables.map((v) => settings.weightDecay > 0 && decay(v));
    this.lr = settings.learningRate;
    this.optimizer = makeOptimizer(settings.optimizer, settings.learningRate);
  }

  get learningRate(): number {
    return this.lr;
  }

  /** Sets the rate of the following steps (the optimizer's moment estimates are kept). */
  setLearningRate(lr: number): void {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`OptimizerStep.setLearningRate: must be a positive number, got ${lr}`);
    this.lr = lr;
    const o = this.optimizer as unknown as WithLearningRate;
    if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
    else o.learningRate = lr;
  }

  /** One step on `loss`; returns the loss value before the step (a scalar the caller disposes). */
  step(loss: () => tf.Scalar): tf.Scalar {
    const { weightDecay, gradientClip } = this.settings;
    const decoupled = this.settings.optimizer === 'adamw';
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, this.variables);
      let gradients = this.variables.map((v) => {
        const g = grads[v.name];
        if (g === undefined) throw new Error(`OptimizerStep: no gradient for variable ${v.name}`);
        return g;
      });
      if (gradientClip !== null && gradientClip > 0) gradients = clipByGlobalNorm(gradients, gradientClip).gradients;
      if (weightDecay > 0 && !decoupled) {
        gradients = gradients.map((g, i) => (this.decayed[i] ? tf.add(g, tf.mul(this.variables[i]!, weightDecay)) : g));
      }
      if (weightDecay > 0 && decoupled) {
        const keep = tf.scalar(1 - this.lr * weightDecay);
        this.variables.forEach((v, i) => {
          if (this.decayed[i]) v.assign(tf.mul(v, keep));
        });
      }
      const named: tf.NamedTensorMap = {};
      this.variables.forEach((v, i) => (named[v.name] = gradients[i]!));
      // On wasm, Adam's update runs as one SIMD pass with tfjs' own bits (./fused-adam.ts).
      if (!applyAdamFused(this.optimizer, named)) this.optimizer.applyGradients(named);
      return value;
    });
  }

  /**
   * Everything the following steps depend on, as plain arrays: the step count and the moment
   * estimates (tfjs' getWeights order), and Adam's running β powers. Those are products updated
   * in float32 each step; tfjs' setWeights would recompute them as β^(t+1), which may round
   * differently, so they are saved as they stand (a resumed run then steps exactly as before).
   */
  async exportState(): Promise<OptimizerState> {
    const [iter, ...moments] = await this.optimizer.getWeights();
    // The step count is a scalar made for the occasion; the moments are the optimizer's own variables.
    const iterations = iter ? iter.tensor.dataSync()[0]! : 0;
    iter?.tensor.dispose();
    const tensors = moments.map((w) => ({ name: w.name, shape: [...w.tensor.shape], values: Float32Array.from(w.tensor.dataSync()) }));
    const scalars: Record<string, number> = { learning_rate: this.lr };
    const adam = this.optimizer as unknown as Partial<AdamPowers>;
    if (adam.accBeta1 && adam.accBeta2) {
      scalars.acc_beta1 = adam.accBeta1.dataSync()[0]!;
      scalars.acc_beta2 = adam.accBeta2.dataSync()[0]!;
    }
    return { optimizer: this.settings.optimizer, iterations, scalars, tensors };
  }

  /** Continues from a state exportState() returned for the same optimizer and variables. */
  async importState(state: OptimizerState): Promise<void> {
    if (state.optimizer !== this.settings.optimizer) throw new Error(`OptimizerStep.importState: the state is ${state.optimizer}'s, this optimizer is ${this.settings.optimizer}`);
    const named = [
      { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
      ...state.tensors.map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, 'float32') })),
    ];
    try {
      await this.optimizer.setWeights(named);
    } finally {
      // setWeights made variables of its own from them.
      for (const w of named) w.tensor.dispose();
    }
    const adam = this.optimizer as unknown as Partial<AdamPowers>;
    if (adam.accBeta1 && adam.accBeta2) {
      const { acc_beta1: beta1, acc_beta2: beta2 } = state.scalars;
      if (beta1 === undefined || beta2 === undefined) throw new Error("OptimizerStep.importState: the state lacks Adam's β powers");
      tf.tidy(() => {
        adam.accBeta1!.assign(tf.scalar(beta1));
        adam.accBeta2!.assign(tf.scalar(beta2));
      });
    }
    if (state.scalars.learning_rate !== undefined) this.setLearningRate(state.scalars.learning_rate);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** An optimizer's state between steps (see OptimizerStep.exportState). */
export interface OptimizerState {
  optimizer: OptimizerName;
  /** Steps taken. */
  iterations: number;
  /** Named numbers: the learning rate, Adam's running β powers. */
  scalars: Record<string, number>;
  /** The moment estimates, in tfjs' getWeights order (first moments, then second, …). */
  tensors: { name: string; shape: number[]; values: Float32Array }[];
}

/** tfjs' Adam keeps β1^t and β2^t in two private scalar variables. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case 'adam':
    case 'adamw': // Adam's update; the decoupled decay is applied by OptimizerStep
      return tf.train.adam(lr);
    case 'sgd':
      return tf.train.sgd(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
  }
}

/** Weight decay's usual targets: dense and convolution kernels (a variable named …/kernel). */
export function isKernel(v: tf.Variable): boolean {
  return /(^|\/)kernel(_\d+)?$/.test(v.name);
}
