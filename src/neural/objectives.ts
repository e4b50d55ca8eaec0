/** Keras' losses and metrics by name, and the target encoding each loss expects. */

import { tf } from './tensorflow';

export const CLASSIFICATION_LOSSES = ['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const;
export const LOSSES = [...CLASSIFICATION_LOSSES, 'meanSquaredError'] as const;
export const METRICS = ['accuracy', 'meanSquaredError', 'meanAbsoluteError'] as const;

export type ClassificationLossName = (typeof CLASSIFICATION_LOSSES)[number];
export type LossName = (typeof LOSSES)[number];
export type MetricName = (typeof METRICS)[number];

/** Mean over the batch of a per-example objective; `yTrue` as {@link encodeTargets} makes it. */
export type Objective = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

export function isClassificationLoss(loss: LossName): loss is ClassificationLossName {
  return (CLASSIFICATION_LOSSES as readonly string[]).includes(loss);
}

/** Both categorical losses see one-hot targets (see `encodeTargets`), so they are the same function. */
function isCategorical(loss: LossName): boolean {
  return loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy';
}

const meanOf =
  (perExample: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor): Objective =>
  (yTrue, yPred) =>
    tf.mean(perExample(yTrue, yPred));

export function lossObjective(loss: LossName): Objective {
  if (isCategorical(loss)) return meanOf(tf.metrics.categoricalCrossentropy);
  if (loss === 'binaryCrossentropy') return meanOf(tf.metrics.binaryCrossentropy);
  return meanOf(tf.metrics.meanSquaredError);
}

/** `accuracy` means binary or categorical accuracy depending on the loss, as in Keras. */
export function metricObjective(metric: MetricName, loss: LossName): Objective {
  switch (metric) {
    case 'accuracy':
      return meanOf(isCategorical(loss) ? tf.metrics.categoricalAccuracy : tf.metrics.binaryAccuracy);
    case 'meanSquaredError':
      return meanOf(tf.metrics.meanSquaredError);
    case 'meanAbsoluteError':
      return meanOf(tf.metrics.meanAbsoluteError);
  }
}

/**
 * Targets as the loss expects them, row-major with `outputUnits` columns: a one-hot row of the class
 * index for the categorical losses (streams carry class indices, so "sparse" and one-hot targets are
 * the same thing here), the value itself otherwise.
 */
export function encodeTargets(loss: LossName, ys: ArrayLike<number>, outputUnits: number): Float32Array {
  if (!isCategorical(loss)) return Float32Array.from(ys);
  const encoded = new Float32Array(ys.length * outputUnits);
  for (let i = 0; i < ys.length; i++) encoded[i * outputUnits + ys[i]] = 1;
  return encoded;
}
