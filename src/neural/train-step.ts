/** One guarded gradient step: gradients, global-norm clipping, update, and a finite check. */

import type { Objective } from './objectives';
import type { SlotOptimizer } from './optimizers';
import { tf } from './tensorflow';

export interface StepParts {
  model: tf.Sequential;
  optimizer: SlotOptimizer;
  trainable: readonly tf.Variable[];
  /** Every weight, trainable or not (batch normalisation's moving statistics), for the finite check. */
  weights: readonly tf.Variable[];
  loss: Objective;
  metrics: readonly Objective[];
  /** null: no clipping. */
  globalClipNorm: number | null;
}

/** A type, not an interface, so that `tf.tidy` may return it. */
export type StepResult = {
  loss: number;
  /** In the order of `StepParts.metrics`, over the step's batch as the forward pass saw it (training mode). */
  metrics: Float32Array;
  /** False when the loss or any weight after the update is NaN or infinite. */
  finite: boolean;
};

/**
 * Scales `gradients` by clipNorm / max(‖g‖, clipNorm), ‖g‖ the L2 norm of all of them together, as
 * TensorFlow's `clip_by_global_norm` (tfjs has no such op).
 */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], clipNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return gradients.map((g) => tf.mul(g, scale));
  });
}

/** Takes one step on the batch (`x`, `yTrue`); every tensor it makes is released before it returns. */
export function trainStep(parts: StepParts, x: tf.Tensor, yTrue: tf.Tensor): StepResult {
  let metrics: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      const { value, grads } = parts.optimizer.computeGradients(() => {
        const yPred = parts.model.apply(x, { training: true }) as tf.Tensor;
        // The gradient scope releases everything but the loss, so the metrics of this forward pass are kept.
        metrics = parts.metrics.map((metric) => tf.keep(metric(yTrue, yPred)));
        return parts.loss(yTrue, yPred);
      }, parts.trainable as tf.Variable[]);
      const names = parts.trainable.map((v) => v.name);
      const raw = names.map((name) => grads[name]);
      const clipped = parts.globalClipNorm === null ? raw : clipByGlobalNorm(raw, parts.globalClipNorm);
      parts.optimizer.applyGradients(names.map((name, i) => ({ name, tensor: clipped[i] })));
      const weightsFinite = tf.all(tf.stack(parts.weights.map((w) => tf.all(tf.isFinite(w)))));
      const read = tf.stack([value, tf.cast(weightsFinite, 'float32'), ...metrics]).dataSync() as Float32Array;
      return { loss: read[0], metrics: read.slice(2), finite: Number.isFinite(read[0]) && read[1] === 1 };
    });
  } finally {
    tf.dispose(metrics);
  }
}
