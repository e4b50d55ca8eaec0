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

  protected lossDerivatives(label: number): void {
    this.setDerivative(label, this.loss.derivative(this.margins[0], label));
  }

  /** Records `derivative`, the loss derivative at the margin in `this.margins`, for the step to come. */
  protected setDerivative(label: number, derivative: number): void {
    this.derivatives[0] = derivative;
    const batch = this.batch;
    batch.prediction = this.margins[0];
    batch.label = label;
    batch.derivative = derivative;
  }
}
