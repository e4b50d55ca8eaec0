import type { GradientBatch } from '../gradient-batch';
import type { SgdConfig } from './config';
import type { PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/**
 * The first rate of Bottou's schedule, √(1/√regParam), as scikit-learn sets it (its divisor
 * max(1, dloss(-typw, 1)) is 1 for every loss offered here).
 */
export function optimalInitialRate(regParam: number): number {
  return Math.sqrt(1 / Math.sqrt(regParam));
}

/** Plain SGD with the schedules of {@link SgdConfig}. */
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

  protected rate(batch: GradientBatch): number {
    const { schedule, powerT, aggressiveness } = this.config;
    switch (schedule) {
      case 'constant':
        return this.stepSize;
      case 'invscaling':
        return this.stepSize / Math.pow(this.steps, powerT);
      case 'optimal':
        return 1 / (this.regParam * (this.optimalOffset + this.steps - 1));
      case 'pa1':
      case 'pa2': {
        const loss = batch.loss === null ? 0 : batch.loss.value(batch.prediction, batch.label);
        if (loss === 0) return 0;
        const norm = batch.squaredNorm(this.fitIntercept);
        return schedule === 'pa1' ? Math.min(aggressiveness, loss / norm) : loss / (norm + 0.5 / aggressiveness);
      }
    }
  }

  protected direction(_c: number, _feature: number, g: number): number {
    return g;
  }

  protected exportArrays(): void {}

  protected importArrays(): void {}
}
