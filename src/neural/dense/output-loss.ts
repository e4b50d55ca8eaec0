/**
 * The loss, its gradient at the output layer's pre-activations, and the training metrics, as tfjs computes
 * them for ../objectives: predictions clipped to [ε, 1 − ε] (ε = 1e-7, tfjs's float32 epsilon), with no
 * gradient where the clip bites; squares overflow as they would in float32.
 */

import type { LossName, MetricName } from '../objectives';
import type { Block } from './activations';
import { backThrough, type DenseActivation } from './activations';

const EPSILON = 1e-7;

const clip = (p: number): number => Math.min(Math.max(p, EPSILON), 1 - EPSILON);
const clipped = (p: number): boolean => p < EPSILON || p > 1 - EPSILON;

export interface OutputLayer {
  loss: LossName;
  activation: DenseActivation | 'softmax';
  metrics: readonly MetricName[];
}

/** What `lossAndGradient` reads and writes: the outputs of `n` examples and their gradients, same layout. */
interface OutputBlocks {
  outputs: Block;
  /** Written for the block's rows; the caller zeroes any padding rows. */
  gradients: Block;
}

/** A target row as ../objectives encodes it: one-hot for the categorical losses, the value otherwise. */
function target(layer: OutputLayer, y: number, unit: number): number {
  return layer.loss === 'binaryCrossentropy' || layer.loss === 'meanSquaredError' ? y : unit === y ? 1 : 0;
}

/** The per-example loss, written to `gradients` as the gradient of the batch mean. */
function exampleLoss(memory: Float32Array, layer: OutputLayer, { outputs, gradients }: OutputBlocks, r: number, y: number): number {
  const n = outputs.rows;
  const out = outputs.offset + r * outputs.stride;
  const grad = gradients.offset + r * gradients.stride;
  switch (layer.loss) {
    case 'binaryCrossentropy': {
      // tfjs turns the clipped probability back into a logit and takes the sigmoid cross-entropy of it.
      const p = memory[out];
      const logit = Math.log(clip(p) / (1 - clip(p)));
      memory[grad] = clipped(p) ? 0 : (p - y) / n;
      return Math.max(logit, 0) - logit * y + Math.log1p(Math.exp(-Math.abs(logit)));
    }
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      let sum = 0;
      for (let j = 0; j < outputs.units; j++) sum += memory[out + j];
      const q = memory[out + y] / sum;
      const scale = clipped(q) ? 0 : 1 / n;
      for (let j = 0; j < outputs.units; j++) memory[grad + j] = scale * (memory[out + j] - (j === y ? 1 : 0));
      return -Math.log(clip(q));
    }
    case 'meanSquaredError': {
      const d = memory[out] - y;
      memory[grad] = (2 * d) / n;
      return Math.fround(d * d);
    }
  }
}

function metricOf(memory: Float32Array, layer: OutputLayer, outputs: Block, r: number, y: number, metric: MetricName): number {
  const out = outputs.offset + r * outputs.stride;
  if (metric === 'accuracy') {
    if (layer.loss === 'binaryCrossentropy') return (memory[out] > 0.5 ? 1 : 0) === y ? 1 : 0;
    let best = 0;
    for (let j = 1; j < outputs.units; j++) if (memory[out + j] > memory[out + best]) best = j;
    return best === y ? 1 : 0;
  }
  let sum = 0;
  for (let j = 0; j < outputs.units; j++) {
    const d = memory[out + j] - target(layer, y, j);
    sum += metric === 'meanSquaredError' ? d * d : Math.abs(d);
  }
  return sum / outputs.units;
}

/** The batch's mean loss and metrics; the gradients of the mean loss land in `blocks.gradients`. */
export function lossAndGradient(
  memory: Float32Array,
  layer: OutputLayer,
  blocks: OutputBlocks,
  ys: readonly number[],
): { loss: number; metrics: Float32Array } {
  const n = blocks.outputs.rows;
  let loss = 0;
  const metrics = new Float32Array(layer.metrics.length);
  for (let r = 0; r < n; r++) {
    // Summed in float32, as tfjs's mean is: a sum that overflows there must come out infinite here too.
    loss = Math.fround(loss + exampleLoss(memory, layer, blocks, r, ys[r]));
    layer.metrics.forEach((metric, k) => (metrics[k] += metricOf(memory, layer, blocks.outputs, r, ys[r], metric) / n));
  }
  if (layer.loss === 'meanSquaredError' && layer.activation !== 'softmax') {
    backThrough(memory, blocks.gradients, blocks.outputs.offset, layer.activation);
  }
  return { loss: loss / n, metrics };
}
