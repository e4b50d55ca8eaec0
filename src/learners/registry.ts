import type { JsonValue } from '../state';
import { createRegistry } from '../registry';
import type { Estimator, FeatureVector, LearnerState } from './estimator';

/** Rebuilds a learner of one kind from its state; throws `CheckpointError` when the state does not fit. */
export type LearnerFactory = (state: LearnerState) => Estimator<unknown>;

export interface LearnerKindOptions {
  /**
   * Asynchronous work that must finish before `fromState` can rebuild this kind, e.g. choosing the
   * TensorFlow.js backend for `NeuralNet`. `restoreModel` awaits it; `fromState` cannot.
   */
  setup?: () => Promise<unknown>;
}

interface LearnerKind extends LearnerKindOptions {
  fromState: LearnerFactory;
}

const learners = createRegistry<LearnerKind>('learner');

/** Makes `fromState` able to rebuild `kind`. Built-in kinds are registered by src/builtins.ts. */
export function registerLearner(kind: string, factory: LearnerFactory, options: LearnerKindOptions = {}): void {
  learners.register(kind, { fromState: factory, ...options });
}

/** The registered learner kinds, built-in ones first (the conformance suite iterates them). */
export function learnerKinds(): string[] {
  return learners.kinds();
}

/**
 * Rebuilds any registered learner from `state()` output (typically after a JSON round trip of its
 * config). `X` is the input type the caller expects the learner to take; it is not checked. A kind with
 * a `setup` (NeuralNet) needs it done first: use {@link restoreModel} when unsure.
 */
export function fromState<X = FeatureVector>(state: LearnerState): Estimator<X> {
  return learners.get(state.kind).fromState(state) as Estimator<X>;
}

/** Every registered learner kind named anywhere in a state: its own, and those of nested models (a pipeline's). */
function kindsIn(value: JsonValue | LearnerState, found: Set<string>): Set<string> {
  if (typeof value !== 'object' || value === null) return found;
  if (Array.isArray(value)) {
    value.forEach((item) => kindsIn(item, found));
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === 'arrays') continue;
    if (key === 'kind' && typeof item === 'string' && learners.has(item)) found.add(item);
    else kindsIn(item as JsonValue, found);
  }
  return found;
}

/** Runs the `setup` of every kind a state needs; resolves at once when none has one. */
export async function prepareKinds(state: LearnerState): Promise<void> {
  const setups = [...kindsIn(state, new Set())].map((kind) => learners.get(kind).setup).filter((setup) => setup !== undefined);
  await Promise.all(setups.map((setup) => setup()));
}

/** `fromState` after any setup its kinds need: restores any checkpoint, NeuralNet included. */
export async function restoreModel<X = FeatureVector>(state: LearnerState): Promise<Estimator<X>> {
  await prepareKinds(state);
  return fromState<X>(state);
}
