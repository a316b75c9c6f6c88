// A decoder layer with tied weights: y = x·Wᵀ + b, where W is the kernel of an encoder Dense
// layer (named in the config) and b is this layer's own bias. The kernel stays owned by the
// encoder layer, so it is one variable: the model's trainable weights, the optimizer, the saved
// weights.bin and countParams all see it once, and its gradient sums both uses.
//
// The encoder layer is found by walking the model's graph back from this layer (not held in the
// config), so a saved model.json is self-contained: tf.loadLayersModel rebuilds the tie once this
// module has registered the class.
import * as tf from '@tensorflow/tfjs';

export interface TiedDenseArgs {
  name: string;
  /** Name of the encoder Dense layer whose kernel (units × this layer's input width) this layer applies transposed. */
  tiedTo: string;
  units: number;
}

type LayerVariable = tf.layers.Layer['weights'][number];

export class TiedDense extends tf.layers.Layer {
  static readonly className = 'AelabTiedDense';
  readonly tiedTo: string;
  readonly units: number;
  private bias: LayerVariable | null = null;
  private source: tf.layers.Layer | null = null;

  /** From the builder (tiedTo a name) or from a saved config (tiedTo: {name}; see getConfig). */
  constructor(args: TiedDenseArgs | (Omit<TiedDenseArgs, 'tiedTo'> & { tiedTo: { name: string } })) {
    super({ name: args.name });
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`TiedDense: units must be a positive integer, got ${args.units}`);
    this.tiedTo = typeof args.tiedTo === 'string' ? args.tiedTo : args.tiedTo.name;
    this.units = args.units;
  }

  override build(): void {
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  /** The encoder layer's kernel variable (units × this layer's input width); not a copy. */
  kernel(): tf.Tensor2D {
    return this.sourceKernel().read() as tf.Tensor2D;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const kernel = this.kernel();
    return tf.tidy(() => tf.add(tf.matMul(x as tf.Tensor2D, kernel, false, true), this.bias!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // tfjs snake-cases string values when saving and camel-cases them when loading ('encoder_2'
    // would come back as 'encoder2'); only a string under the key `name` is left alone.
    return { ...super.getConfig(), tiedTo: { name: this.tiedTo }, units: this.units };
  }

  private sourceKernel(): LayerVariable {
    this.source ??= this.findSource();
    const kernel = this.source.weights[0];
    if (this.source.getClassName() !== 'Dense' || kernel === undefined || kernel.shape.length !== 2 || kernel.shape[0] !== this.units) {
      throw new Error(`TiedDense ${this.name}: ${this.tiedTo} is not a Dense layer with ${this.units} inputs`);
    }
    return kernel;
  }

  /** The layer named tiedTo among the layers this one is (indirectly) applied to. */
  private findSource(): tf.layers.Layer {
    const seen = new Set<tf.layers.Layer>();
    const queue: tf.layers.Layer[] = [this];
    while (queue.length > 0) {
      const layer = queue.shift()!;
      for (const node of layer.inboundNodes) {
        for (const inbound of node.inboundLayers) {
          if (inbound.name === this.tiedTo) return inbound;
          if (!seen.has(inbound)) {
            seen.add(inbound);
            queue.push(inbound);
          }
        }
      }
    }
    throw new Error(`TiedDense ${this.name}: no layer ${this.tiedTo} before it in the model (a tied layer must be used inside its model)`);
  }
}

tf.serialization.registerClass(TiedDense);
