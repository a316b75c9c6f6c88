// One optimizer step with the extras tfjs' optimizers lack: a learning rate that changes between
// epochs, gradient clipping by global norm, L2 weight decay (adam, sgd, rmsprop) and decoupled
// weight decay (adamw, Loshchilov & Hutter 2019). Per step, in PyTorch's order:
//   gradients of the loss → clip by global norm → (L2) add wd·w to each decayed weight's gradient
//   → (adamw) w ← w·(1 − lr·wd) for each decayed weight → the optimizer's own update.
// L2 changes the gradient, so Adam's moment estimates rescale it (weights with large gradients are
// barely regularised); AdamW shrinks the weights directly, independent of the gradient history.
// With no clipping and no decay the step is exactly tfjs' optimizer.minimize.
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from './clip.ts';

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
      this.optimizer.applyGradients(named);
      return value;
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
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
