import type { Classifier, FeatureVector } from '../learners/estimator';
import type { NormalizedConfig } from './config';
import type { EngineChoice } from './engine';
import type { NeuralRegressor, TrainReport } from './net-core';
import { NeuralNetCore, checkedOut } from './net-core';

export interface NeuralClassifier extends NeuralRegressor, Classifier {
  learnOne(x: FeatureVector, y: number): TrainReport;
  learnMany(xs: readonly FeatureVector[], ys: ArrayLike<number>, batchLabel?: string): TrainReport;
}

/** Classes are indices; probabilities come from the softmax units, or [1 - p, p] from one sigmoid unit. */
export class NeuralClassifierNet extends NeuralNetCore implements NeuralClassifier {
  readonly numClasses: number;

  constructor(config: NormalizedConfig, engine?: EngineChoice) {
    super(config, engine);
    this.numClasses = this.classCount as number;
  }

  override predictOne(x: FeatureVector): number {
    return argmax(this.predictProbaOne(x), 0, this.numClasses);
  }

  override predictMany(xs: readonly FeatureVector[], out?: Float64Array): Float64Array {
    const target = checkedOut(out, xs.length);
    const probabilities = this.predictProbaMany(xs);
    for (let i = 0; i < xs.length; i++) target[i] = argmax(probabilities, i * this.numClasses, this.numClasses);
    return target;
  }

  predictProbaOne(x: FeatureVector, out?: Float64Array): Float64Array {
    return this.predictProbaMany([x], out);
  }

  predictProbaMany(xs: readonly FeatureVector[], out?: Float64Array): Float64Array {
    const target = checkedOut(out, xs.length * this.numClasses);
    const outputs = this.outputs(xs);
    const k = this.numClasses;
    for (let i = 0; i < xs.length; i++) {
      if (this.outputUnits === 1) {
        target[2 * i] = 1 - outputs[i];
        target[2 * i + 1] = outputs[i];
        continue;
      }
      // Renormalised in float64: the float32 softmax sums to 1 only within float32 rounding.
      let sum = 0;
      for (let c = 0; c < k; c++) sum += outputs[i * k + c];
      for (let c = 0; c < k; c++) target[i * k + c] = outputs[i * k + c] / sum;
    }
    return target;
  }
}

/** The first index of the largest of `values[start .. start + length)`. */
function argmax(values: Float64Array, start: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[start + k] > values[start + best]) best = k;
  return best;
}
