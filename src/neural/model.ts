/** Builds the tfjs Sequential model of a config through the layer registry, and names its weights stably. */

import { ConfigError, errorMessage } from '../errors';
import type { NormalizedConfig } from './config';
import { buildLayer } from './layers';
import type { NamedVariable } from './optimizers';
import { tf } from './tensorflow';

export interface BuiltModel {
  model: tf.Sequential;
  /**
   * Every weight as `layer<i>/<Keras weight name>` (`layer0/kernel`, `layer2/moving_mean`), `i` being
   * the index in `config.layers`: tfjs's own names carry a process-wide counter, so they differ run to run.
   */
  weights: NamedVariable[];
  trainable: NamedVariable[];
  outputUnits: number;
}

export function buildModel(config: NormalizedConfig, nextSeed: () => number): BuiltModel {
  const model = tf.sequential();
  config.layers.forEach((spec, i) => {
    try {
      model.add(buildLayer(spec, { inputShape: i === 0 ? config.inputShape : undefined, nextSeed }));
    } catch (err) {
      model.dispose();
      throw new ConfigError(`NeuralNet: layers[${i}] (${spec.type}) does not fit its input: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  });
  const output = model.outputs[0].shape;
  if (output.length !== 2) {
    model.dispose();
    const shape = output.slice(1).join(', ');
    throw new ConfigError(`NeuralNet: the output has shape [${shape}]; add a flatten layer before the last dense`);
  }
  const weights = model.layers.flatMap((layer, i) =>
    layer.weights.map((w) => ({
      name: `layer${i}/${w.originalName.slice(w.originalName.lastIndexOf('/') + 1)}`,
      // A LayerVariable reads as the tf.Variable that holds it.
      variable: w.read() as tf.Variable,
      trainable: w.trainable,
    })),
  );
  return {
    model,
    weights: weights.map(({ name, variable }) => ({ name, variable })),
    trainable: weights.filter((w) => w.trainable).map(({ name, variable }) => ({ name, variable })),
    outputUnits: output[1] as number,
  };
}
