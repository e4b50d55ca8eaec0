import { choiceField } from './config-checks';
import type { Estimator, FeatureVector, TypedArray } from './estimator';
import type { LinearConfig, ResolvedLinearConfig } from './linear-config';
import { resolveLinearConfig } from './linear-config';
import type { LinearModel } from './linear-learner';
import { checkpointConfig } from './linear-learner';
import { createClassificationLoss } from './losses';
import type { LearnerFactory } from './registry';
import { ScalarLinearLearner } from './scalar-linear-learner';

type SvmLoss = 'hinge' | 'squaredHinge';

/**
 * A linear SVM. Labels: 1 is the positive class; 0 and -1 both mean the negative class, so {0, 1} and
 * {-1, 1} data both work. `predictOne` returns 1 or 0. Hinge loss estimates no probabilities (as in
 * scikit-learn), so there is no `predictProbaOne`: use `decisionOne` for the margin. With
 * `optimizer: { kind: 'sgd', schedule: 'pa1' | 'pa2' }` and hinge loss it is the passive-aggressive
 * classifier.
 */
export interface LinearSVMConfig extends LinearConfig {
  /** `'hinge'` max(0, 1 - m) (default) or `'squaredHinge'` max(0, 1 - m)². */
  loss?: SvmLoss;
}

export type LinearSVM = Estimator<FeatureVector> &
  LinearModel & {
    /** The signed margin w·x + b; positive means class 1. */
    decisionOne(x: FeatureVector): number;
  };

type ResolvedConfig = ResolvedLinearConfig & { loss: SvmLoss };

const KIND = 'LinearSVM';

function resolve(config: LinearSVMConfig): ResolvedConfig {
  const loss = choiceField<SvmLoss>(KIND, 'loss', config?.loss, 'hinge', ['hinge', 'squaredHinge']);
  return { ...resolveLinearConfig(KIND, config, { scalarOutput: true, passiveAggressiveLoss: loss === 'hinge' }), loss };
}

class LinearSVMLearner extends ScalarLinearLearner<ResolvedConfig> {
  readonly kind = KIND;

  constructor(config: ResolvedConfig, arrays?: Record<string, TypedArray>) {
    super(config, createClassificationLoss(config.loss), arrays);
  }

  protected labelOf(y: number): number {
    if (y === 1) return 1;
    return y === 0 || y === -1 ? -1 : this.rejectLabel(y, '0, 1 or -1');
  }

  protected predictFromMargins(): number {
    return this.margins[0] > 0 ? 1 : 0;
  }

  decisionOne(x: FeatureVector): number {
    this.marginsOf(x);
    return this.margins[0];
  }
}

export function createLinearSVM(config: LinearSVMConfig): LinearSVM {
  return new LinearSVMLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const linearSVMFromState: LearnerFactory = (state) => new LinearSVMLearner(checkpointConfig(state, resolve), state.arrays);
