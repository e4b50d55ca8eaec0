import type { TypedArray } from '../estimator';
import { loadArray } from '../state-arrays';
import type { AdagradConfig } from './config';
import type { PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/** AdaGrad: each coordinate's rate shrinks with the root of its summed squared gradients. */
export class AdagradOptimizer extends PenalizedOptimizer {
  private readonly sumSquares = this.perWeight();

  constructor(
    context: PenalizedContext,
    private readonly config: Required<AdagradConfig>,
  ) {
    super(context);
  }

  protected rate(): number {
    return this.stepSize;
  }

  protected override direction(c: number, _feature: number, g: number): number {
    const sum = this.sumSquares[c] + g * g;
    this.sumSquares[c] = sum;
    return g / (Math.sqrt(sum) + this.config.epsilon);
  }

  protected override exportArrays(arrays: Record<string, TypedArray>): void {
    arrays['adagrad.sumSquares'] = this.sumSquares.slice();
  }

  protected override importArrays(arrays: Record<string, TypedArray>): void {
    loadArray(arrays, 'adagrad.sumSquares', this.sumSquares);
  }
}
