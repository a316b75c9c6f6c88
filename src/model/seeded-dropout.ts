// Dropout whose masks are seeded and differ from step to step. tfjs' Dropout layer either draws
// from Math.random (no seed: runs would not repeat) or, given a seed, draws the SAME mask on every
// call (it seeds a fresh generator each time), which is no dropout at all. This layer seeds each
// training call with (seed, optimizer step): a run repeats exactly, and every batch gets a new mask.
// The training loop passes the step (kwargs.step, counted over the whole training), so a run resumed
// from a checkpoint draws the masks an uninterrupted run would; a call without one (a direct
// caller) counts its own calls instead.
// Outside training (evaluation, encode/decode, pictures) it passes its input through unchanged.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../shared/random.ts';

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'AelabSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean; step?: number }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
    const step = kwargs.step ?? this.calls;
    this.calls = step + 1;
    const seed = deriveSeed(this.seed, `dropout:${step}`) || 1;
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      // ⌊u + keep⌋ is 1 with probability keep; kept units are scaled by 1/keep (inverted dropout).
      const mask = tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, 'float32', seed), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
