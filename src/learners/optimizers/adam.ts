import type { TypedArray } from '../estimator';
import { loadArray } from '../state-arrays';
import type { AdamConfig } from './config';
import type { PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/** Adam with bias correction; see {@link AdamConfig} for its sparse ("lazy") behaviour. */
export class AdamOptimizer extends PenalizedOptimizer {
  private readonly firstMoment = this.perWeight();
  private readonly secondMoment = this.perWeight();
  private firstCorrection = 1;
  private secondCorrection = 1;

  constructor(
    context: PenalizedContext,
    private readonly config: Required<AdamConfig>,
  ) {
    super(context);
  }

  protected rate(): number {
    this.firstCorrection = 1 / (1 - Math.pow(this.config.beta1, this.steps));
    this.secondCorrection = 1 / (1 - Math.pow(this.config.beta2, this.steps));
    return this.stepSize;
  }

  protected override direction(c: number, _feature: number, g: number): number {
    const { beta1, beta2, epsilon } = this.config;
    const m = beta1 * this.firstMoment[c] + (1 - beta1) * g;
    const v = beta2 * this.secondMoment[c] + (1 - beta2) * g * g;
    this.firstMoment[c] = m;
    this.secondMoment[c] = v;
    return (m * this.firstCorrection) / (Math.sqrt(v * this.secondCorrection) + epsilon);
  }

  protected override exportArrays(arrays: Record<string, TypedArray>): void {
    arrays['adam.firstMoment'] = this.firstMoment.slice();
    arrays['adam.secondMoment'] = this.secondMoment.slice();
  }

  protected override importArrays(arrays: Record<string, TypedArray>): void {
    loadArray(arrays, 'adam.firstMoment', this.firstMoment);
    loadArray(arrays, 'adam.secondMoment', this.secondMoment);
  }
}
