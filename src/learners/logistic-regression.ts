import type { Classifier, FeatureVector, TypedArray } from './estimator';
import type { LinearConfig, ResolvedLinearConfig } from './linear-config';
import { resolveLinearConfig } from './linear-config';
import type { LinearModel } from './linear-learner';
import { checkpointConfig } from './linear-learner';
import { createClassificationLoss } from './losses';
import { writeSigmoidRow } from './probabilities';
import type { LearnerFactory } from './registry';
import { ScalarLinearLearner } from './scalar-linear-learner';

/** Binary logistic regression: labels 0 and 1; predicts class 1 when P(1) > ½. */
export type LogisticRegressionConfig = LinearConfig;

export type LogisticRegression = Classifier<FeatureVector> & LinearModel;

const KIND = 'LogisticRegression';

function resolve(config: LogisticRegressionConfig): ResolvedLinearConfig {
  return resolveLinearConfig(KIND, config, { scalarOutput: true, passiveAggressiveLoss: false });
}

class LogisticRegressionLearner extends ScalarLinearLearner<ResolvedLinearConfig> implements Classifier {
  readonly kind = KIND;
  readonly numClasses = 2;

  constructor(config: ResolvedLinearConfig, arrays?: Record<string, TypedArray>) {
    super(config, createClassificationLoss('logistic'), arrays);
  }

  protected labelOf(y: number): number {
    if (y === 1) return 1;
    return y === 0 ? -1 : this.rejectLabel(y, '0 or 1');
  }

  protected predictFromMargins(): number {
    return this.margins[0] > 0 ? 1 : 0;
  }

  predictProbaOne(x: FeatureVector, out = new Float64Array(2)): Float64Array {
    this.marginsOf(x);
    writeSigmoidRow(this.margins, out, 0);
    return out;
  }

  predictProbaThenLearnOne(x: FeatureVector, y: number, out = new Float64Array(2)): Float64Array {
    this.marginsOf(x);
    writeSigmoidRow(this.margins, out, 0);
    const label = this.labelOf(y);
    // LogisticLoss.derivative at this margin, bit for bit, without its exp: -P(0) for label 1, P(1) for label -1.
    this.setDerivative(label, label > 0 ? -out[0] : out[1]);
    this.stepOn(x);
    return out;
  }

  protected override probabilityForm() {
    return { width: 2, write: writeSigmoidRow };
  }

  predictProbaMany(xs: readonly FeatureVector[], out = new Float64Array(xs.length * 2)): Float64Array {
    return this.probabilityRows(xs, 2, out, writeSigmoidRow);
  }
}

export function createLogisticRegression(config: LogisticRegressionConfig): LogisticRegression {
  return new LogisticRegressionLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const logisticRegressionFromState: LearnerFactory = (state) => new LogisticRegressionLearner(checkpointConfig(state, resolve), state.arrays);
