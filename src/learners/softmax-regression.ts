import { isPositiveInteger, numberField } from './config-checks';
import type { Classifier, FeatureVector, TypedArray } from './estimator';
import type { LinearConfig, ResolvedLinearConfig } from './linear-config';
import { resolveLinearConfig } from './linear-config';
import type { LinearModel } from './linear-learner';
import { checkpointConfig, LinearLearner } from './linear-learner';
import { writeSoftmaxRow } from './probabilities';
import type { LearnerFactory } from './registry';

/** Multinomial logistic regression (cross-entropy on softmax); labels are class indices 0 … numClasses-1. */
export interface SoftmaxRegressionConfig extends LinearConfig {
  /** Fixed at construction; at least 2. Required. */
  numClasses: number;
}

export type SoftmaxRegression = Classifier<FeatureVector> & LinearModel;

type ResolvedConfig = ResolvedLinearConfig & { numClasses: number };

const KIND = 'SoftmaxRegression';

function resolve(config: SoftmaxRegressionConfig): ResolvedConfig {
  const numClasses = numberField(KIND, 'numClasses', config?.numClasses, Number.NaN, (v) => isPositiveInteger(v) && v >= 2, 'an integer ≥ 2');
  return { ...resolveLinearConfig(KIND, config, { scalarOutput: false, passiveAggressiveLoss: false }), numClasses };
}

class SoftmaxRegressionLearner extends LinearLearner<ResolvedConfig> implements Classifier {
  readonly kind = KIND;
  readonly numClasses: number;

  constructor(config: ResolvedConfig, arrays?: Record<string, TypedArray>) {
    super(config, config.numClasses, arrays);
    this.numClasses = config.numClasses;
  }

  protected labelOf(y: number): number {
    // A statement, not a `?:` with the call: see LinearRegression's labelOf.
    if (!(Number.isInteger(y) && y >= 0 && y < this.numClasses)) this.rejectLabel(y, `a class index in [0, ${this.numClasses})`);
    return y;
  }

  protected lossDerivatives(label: number): void {
    writeSoftmaxRow(this.margins, this.derivatives, 0);
    this.derivatives[label] -= 1;
  }

  protected predictFromMargins(): number {
    const margins = this.margins;
    let best = 0;
    for (let k = 1; k < margins.length; k++) if (margins[k] > margins[best]) best = k;
    return best;
  }

  predictProbaOne(x: FeatureVector, out = new Float64Array(this.numClasses)): Float64Array {
    this.marginsOf(x);
    writeSoftmaxRow(this.margins, out, 0);
    return out;
  }

  predictProbaThenLearnOne(x: FeatureVector, y: number, out = new Float64Array(this.numClasses)): Float64Array {
    this.marginsOf(x);
    writeSoftmaxRow(this.margins, out, 0);
    this.learnFromMargins(x, this.labelOf(y));
    return out;
  }

  protected override probabilityForm() {
    return { width: this.numClasses, write: writeSoftmaxRow };
  }

  predictProbaMany(xs: readonly FeatureVector[], out = new Float64Array(xs.length * this.numClasses)): Float64Array {
    return this.probabilityRows(xs, this.numClasses, out, writeSoftmaxRow);
  }
}

export function createSoftmaxRegression(config: SoftmaxRegressionConfig): SoftmaxRegression {
  return new SoftmaxRegressionLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const softmaxRegressionFromState: LearnerFactory = (state) => new SoftmaxRegressionLearner(checkpointConfig(state, resolve), state.arrays);
