import type { TypedArray } from '../estimator';
import type { GradientBatch } from '../gradient-batch';
import type { LinearWeights, WeightArray, WeightDtype } from '../linear-weights';
import { createWeightArray } from '../linear-weights';
import type { ElasticNetPenalty } from '../penalty';
import { loadScalars } from '../state-arrays';

/** Moves a linear model's weights along one gradient. Owns its per-coordinate state. */
export interface Optimizer {
  step(batch: GradientBatch): void;
  exportState(arrays: Record<string, TypedArray>): void;
  /** Throws `CheckpointError` when an array is missing or does not fit. */
  importState(arrays: Record<string, TypedArray>): void;
}

/** What a penalised optimizer works on. */
export interface PenalizedContext {
  weights: LinearWeights;
  penalty: ElasticNetPenalty;
  fitIntercept: boolean;
  stepSize: number;
  dtype: WeightDtype;
}

/**
 * The optimizers whose step is `w_c -= η_t · direction_c(g_c)` followed by the elastic-net penalty at
 * base rate η_t. Subclasses define the rate and the per-coordinate direction; the loop lives here once.
 */
export abstract class PenalizedOptimizer implements Optimizer {
  /** Steps taken so far (t of the schedules and bias corrections). */
  protected steps = 0;
  protected readonly weights: LinearWeights;
  protected readonly fitIntercept: boolean;
  protected readonly stepSize: number;
  private readonly penalty: ElasticNetPenalty;
  private readonly dtype: WeightDtype;

  constructor(context: PenalizedContext) {
    this.weights = context.weights;
    this.penalty = context.penalty;
    this.fitIntercept = context.fitIntercept;
    this.stepSize = context.stepSize;
    this.dtype = context.dtype;
  }

  /** A zeroed per-weight state array, in the weights' dtype. */
  protected perWeight(): WeightArray {
    return createWeightArray(this.dtype, this.weights.values.length);
  }

  /** The base rate η_t of the step about to be taken (`steps` already counts it); 0 skips the step. */
  protected abstract rate(batch: GradientBatch): number;

  /** The update direction of coordinate `c` (of `feature`, `numFeatures` for intercepts) for gradient g. */
  protected abstract direction(c: number, feature: number, g: number): number;

  protected abstract exportArrays(arrays: Record<string, TypedArray>): void;
  protected abstract importArrays(arrays: Record<string, TypedArray>): void;

  step(batch: GradientBatch): void {
    this.steps++;
    const eta = this.rate(batch);
    if (eta === 0) return;
    const penalty = this.penalty;
    penalty.decay(eta);
    const weights = this.weights;
    const w = weights.values;
    const outputs = weights.numOutputs;
    const move = eta / weights.scale;
    const grads = batch.grads;
    const features = batch.features;
    const dense = batch.dense;
    const withL1 = penalty.l1 > 0;
    for (let s = 0; s < batch.count; s++) {
      const j = dense ? s : features[s];
      const base = j * outputs;
      const slot = s * outputs;
      for (let k = 0; k < outputs; k++) {
        const c = base + k;
        w[c] -= move * this.direction(c, j, grads[slot + k]);
        if (withL1) penalty.clip(c);
      }
    }
    if (this.fitIntercept) {
      const bias = weights.biasOffset;
      for (let k = 0; k < outputs; k++) {
        w[bias + k] -= eta * this.direction(bias + k, weights.numFeatures, batch.biasGrads[k]);
      }
    }
    penalty.settle();
  }

  exportState(arrays: Record<string, TypedArray>): void {
    arrays['optimizer.steps'] = Float64Array.of(this.steps);
    this.penalty.exportState(arrays);
    this.exportArrays(arrays);
  }

  importState(arrays: Record<string, TypedArray>): void {
    this.steps = loadScalars(arrays, 'optimizer.steps', 1)[0];
    this.penalty.importState(arrays);
    this.importArrays(arrays);
  }
}
