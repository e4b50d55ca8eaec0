import { CheckpointError } from '../errors';
import type { Estimator, FeatureVector, LearnerState } from './estimator';

/** Rebuilds a learner of one kind from its state; throws `CheckpointError` when the state does not fit. */
export type LearnerFactory = (state: LearnerState) => Estimator<unknown>;

const factories = new Map<string, LearnerFactory>();

/** Makes `fromState` able to rebuild `kind`. Learner modules register themselves when imported. */
export function registerLearner(kind: string, factory: LearnerFactory): void {
  if (factories.has(kind)) throw new CheckpointError(`learner kind '${kind}' is registered twice`);
  factories.set(kind, factory);
}

/** The registered learner kinds, in registration order (the same name as the coming single registry's). */
export function learnerKinds(): string[] {
  return [...factories.keys()];
}

/**
 * Rebuilds any registered learner from `state()` output (typically after a JSON round trip of its
 * config). `X` is the input type the caller expects the learner to take; it is not checked.
 */
export function fromState<X = FeatureVector>(state: LearnerState): Estimator<X> {
  const factory = factories.get(state.kind);
  if (factory === undefined) {
    const known = [...factories.keys()].join(', ') || 'none';
    throw new CheckpointError(
      `no learner of kind '${state.kind}' is registered (registered: ${known}); import its module first`,
    );
  }
  return factory(state) as Estimator<X>;
}
