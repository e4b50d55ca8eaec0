import type { TypedArray } from './estimator';
import type { ResolvedLinearConfig } from './linear-config';
import { LinearLearner } from './linear-learner';
import type { ScalarLoss } from './losses';

/** A linear learner with one output and a scalar loss: regression, logistic regression, SVM. */
export abstract class ScalarLinearLearner<C extends ResolvedLinearConfig> extends LinearLearner<C> {
  protected constructor(
    config: C,
    private readonly loss: ScalarLoss,
    arrays?: Record<string, TypedArray>,
  ) {
    super(config, 1, arrays);
    this.batch.loss = loss;
  }

  protected lossDerivatives(label: number, dz: Float64Array): void {
    const p = this.margins[0];
    const derivative = this.loss.derivative(p, label);
    dz[0] = derivative;
    const batch = this.batch;
    batch.prediction = p;
    batch.label = label;
    batch.derivative = derivative;
  }
}
