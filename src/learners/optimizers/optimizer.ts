import type { FeatureVector, TypedArray } from '../estimator';
import type { GradientBatch } from '../gradient-batch';
import type { LinearWeights, WeightArray, WeightDtype } from '../linear-weights';
import { createWeightArray } from '../linear-weights';
import type { ElasticNetPenalty } from '../penalty';
import { loadScalars } from '../state-arrays';

/** Moves a linear model's weights along one gradient. Owns its per-coordinate state. */
export interface Optimizer {
  /**
   * Returns true when every weight it wrote (touched weights, intercepts) came out finite; false when one
   * may not have, and the learner then scans for it. Checked on each value as it is written (within
   * `largestFinite`, which also catches float32 overflow), so that a step that did not diverge (nearly
   * all of them) costs no second pass over the weights.
   */
  step(batch: GradientBatch): boolean;
  /**
   * Offered by optimizers whose step needs nothing of the example but its gradient: one step of a
   * single-output model whose margin has loss derivative `dz[0]`, along `dz[0] · x` (intercept `dz[0]`)
   * read straight from `x` instead of a copy in a GradientBatch. Bit-identical to `step` on that
   * gradient; returns as `step` does. (`dz` is an array so that no number is boxed per call.)
   */
  stepExample?(x: FeatureVector, dz: Float64Array): boolean;
  /** `stepExample` on the entries `[from, to)` of `values` (at features `indices`, or dense when null); offered with it. */
  stepRange?(values: ArrayLike<number>, indices: ArrayLike<number> | null, from: number, to: number, dz: Float64Array): boolean;
  exportState(arrays: Record<string, TypedArray>): void;
  /** Throws `CheckpointError` when an array is missing or does not fit. */
  importState(arrays: Record<string, TypedArray>): void;
}

/** An optimizer that offers `stepExample`. */
export type ExampleOptimizer = Optimizer & Required<Pick<Optimizer, 'stepExample' | 'stepRange'>>;

export function stepsExamples(optimizer: Optimizer): optimizer is ExampleOptimizer {
  return typeof optimizer.stepExample === 'function' && typeof optimizer.stepRange === 'function';
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
 * base rate η_t. Subclasses define the rate and, unless it is the gradient itself, the per-coordinate
 * direction and its state; the loop lives here once.
 */
export abstract class PenalizedOptimizer implements Optimizer {
  /** Steps taken so far (t of the schedules and bias corrections). */
  protected steps = 0;
  protected readonly weights: LinearWeights;
  protected readonly fitIntercept: boolean;
  protected readonly stepSize: number;
  protected readonly penalty: ElasticNetPenalty;
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
  protected direction(_c: number, _feature: number, g: number): number {
    return g;
  }

  /** Per-coordinate state, for optimizers that keep some. */
  protected exportArrays(_arrays: Record<string, TypedArray>): void {}
  protected importArrays(_arrays: Record<string, TypedArray>): void {}

  step(batch: GradientBatch): boolean {
    this.steps++;
    const eta = this.rate(batch);
    if (eta === 0) return true;
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
    const largest = weights.largestFinite;
    let finite = true;
    for (let s = 0; s < batch.count; s++) {
      const j = dense ? s : features[s];
      const base = j * outputs;
      const slot = s * outputs;
      for (let k = 0; k < outputs; k++) {
        const c = base + k;
        let value = w[c] - move * this.direction(c, j, grads[slot + k]);
        w[c] = value;
        if (withL1) value = penalty.clip(c);
        if (!(Math.abs(value) <= largest)) finite = false;
      }
    }
    if (this.fitIntercept) {
      const bias = weights.biasOffset;
      for (let k = 0; k < outputs; k++) {
        const value = w[bias + k] - eta * this.direction(bias + k, weights.numFeatures, batch.biasGrads[k]);
        w[bias + k] = value;
        if (!(Math.abs(value) <= largest)) finite = false;
      }
    }
    penalty.settle();
    return finite;
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
