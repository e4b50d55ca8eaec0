import type { GradientBatch } from '../gradient-batch';
import type { SgdConfig } from './config';
import type { PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/**
 * The `pa1` / `pa2` schedules of {@link SgdConfig}: SGD whose rate is the smallest step that satisfies
 * the example, from its loss and ‖x‖².
 */
export class PassiveAggressiveOptimizer extends PenalizedOptimizer {
  constructor(
    context: PenalizedContext,
    private readonly config: Required<SgdConfig>,
  ) {
    super(context);
  }

  protected rate(batch: GradientBatch): number {
    const { schedule, aggressiveness } = this.config;
    const loss = batch.loss === null ? 0 : batch.loss.value(batch.prediction, batch.label);
    if (loss === 0) return 0;
    const norm = batch.squaredNorm(this.fitIntercept);
    return schedule === 'pa1' ? Math.min(aggressiveness, loss / norm) : loss / (norm + 0.5 / aggressiveness);
  }
}
