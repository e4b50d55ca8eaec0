import type { FeatureVector } from '../estimator';
import { isSparse } from '../estimator';
import type { SgdConfig } from './config';
import type { ExampleOptimizer, PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/**
 * The first rate of Bottou's schedule, √(1/√regParam), as scikit-learn sets it (its divisor
 * max(1, dloss(-typw, 1)) is 1 for every loss offered here).
 */
export function optimalInitialRate(regParam: number): number {
  return Math.sqrt(1 / Math.sqrt(regParam));
}

/**
 * Plain SGD with the schedules of {@link SgdConfig} that depend on the step count only (`constant`,
 * `invscaling`, `optimal`; the passive-aggressive ones are `PassiveAggressiveOptimizer`).
 */
export class SgdOptimizer extends PenalizedOptimizer {
  /** t0 of Bottou's schedule, chosen so that its first rate is {@link optimalInitialRate}. */
  private readonly optimalOffset: number;

  constructor(
    context: PenalizedContext,
    private readonly config: Required<SgdConfig>,
    private readonly regParam: number,
  ) {
    super(context);
    this.optimalOffset = 1 / (optimalInitialRate(regParam) * regParam);
  }

  protected rate(): number {
    const { schedule, powerT } = this.config;
    if (schedule === 'invscaling') return this.stepSize / Math.pow(this.steps, powerT);
    if (schedule === 'optimal') return 1 / (this.regParam * (this.optimalOffset + this.steps - 1));
    return this.stepSize;
  }
}

/**
 * {@link SgdOptimizer} stepping straight from one example: the gradient and the L1 clip touch only the
 * example's coordinates (the L2 penalty costs O(1) through the weights' scale), so a step is one pass over
 * them, without the gradient copy. With L1 (regression-sgd's elastic net) the generic step was 9% of the
 * Arrow step's profile, most of it the copy and the per-coordinate `direction` call.
 */
export class ExampleSgdOptimizer extends SgdOptimizer implements ExampleOptimizer {
  /** `step` written out for one example: the same operations, in the same order, on `x` itself. */
  stepExample(x: FeatureVector, dz: Float64Array): boolean {
    if (isSparse(x)) return this.stepRange(x.values, x.indices, 0, x.values.length, dz);
    return this.stepRange(x, null, 0, x.length, dz);
  }

  /** `stepExample` on the entries `[from, to)` of `values` (at features `indices`, or dense when null). */
  stepRange(values: ArrayLike<number>, indices: ArrayLike<number> | null, from: number, to: number, dz: Float64Array): boolean {
    this.steps++;
    const eta = this.rate();
    if (eta === 0) return true;
    const penalty = this.penalty;
    penalty.decay(eta);
    const weights = this.weights;
    const w = weights.values;
    const move = eta / weights.scale;
    const derivative = dz[0];
    const largest = weights.largestFinite;
    const withL1 = penalty.l1 > 0;
    let finite = true;
    if (indices !== null) {
      for (let s = from; s < to; s++) {
        const j = indices[s];
        let value = w[j] - move * (derivative * values[s]);
        w[j] = value;
        if (withL1) value = penalty.clip(j);
        if (!(Math.abs(value) <= largest)) finite = false;
      }
    } else if (withL1) {
      // The gradient steps, then the clips in one pass: each coordinate's operations are in the same order.
      for (let j = 0; j < to - from; j++) w[j] = w[j] - move * (derivative * values[from + j]);
      if (!penalty.clipDense(to - from, largest)) finite = false;
    } else {
      for (let j = 0; j < to - from; j++) {
        let value = w[j] - move * (derivative * values[from + j]);
        w[j] = value;
        if (withL1) value = penalty.clip(j);
        if (!(Math.abs(value) <= largest)) finite = false;
      }
    }
    if (this.fitIntercept) {
      const bias = w[weights.biasOffset] - eta * derivative;
      w[weights.biasOffset] = bias;
      if (!(Math.abs(bias) <= largest)) finite = false;
    }
    penalty.settle();
    return finite;
  }
}
