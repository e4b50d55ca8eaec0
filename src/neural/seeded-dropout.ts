import { tf } from './tensorflow';

export interface SeededDropoutArgs {
  rate: number;
  /** Draws the seed of each training call's mask. */
  nextSeed: () => number;
  inputShape?: number[];
}

/**
 * Dropout whose masks are reproducible yet differ call to call. tfjs's `dropout` layer takes one fixed
 * seed and so would draw the same mask at every step; this layer asks `nextSeed` for a fresh one.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'StreamlearnSeededDropout';
  private readonly rate: number;
  private readonly nextSeed: () => number;

  constructor(args: SeededDropoutArgs) {
    super(args.inputShape === undefined ? {} : { inputShape: args.inputShape });
    this.rate = args.rate;
    this.nextSeed = args.nextSeed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { [key: string]: unknown }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate === 0) return input;
    return tf.dropout(input, this.rate, undefined, this.nextSeed());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
