/** The contract every prequential metric implements. */

import type { LearnerState } from '../learners/estimator';

/**
 * Which prediction a metric scores, so an evaluator knows which method to call: 'label' and 'value' take
 * `predictOne` (a class index or a regression value), 'probability' takes P(class 1) from a binary
 * classifier's `predictProbaOne`, 'trueClassProbability' the probability a classifier of any number of
 * classes gave the true class (cross-entropy needs only that).
 */
export type PredictionKind = 'label' | 'probability' | 'trueClassProbability' | 'value';

/** The estimator contract's state shape. */
export type MetricState = LearnerState;

export interface MetricConfig {
  /** Score only the last `window` pairs; without it, every pair since creation. */
  window?: number;
}

/** Targets and predictions are numbers, as in the estimator contract; binary metrics take classes 0 and 1. */
export interface Metric {
  readonly kind: string;
  readonly needs: PredictionKind;
  update(yTrue: number, yPred: number): void;
  /**
   * Optional batch form: `update(yTrue[i], yPred[i])` for every i in order whose `yPred[i]` is not NaN, the
   * same state bit for bit. Callers pass finite pairs only (a non-finite one takes `update`, which names it).
   * `checked`: the caller has seen that every pair is finite or has a NaN prediction (`scoreBatch` does, once
   * for all its metrics), so the metric need not look again.
   */
  updateMany?(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, checked?: boolean): void;
  /** The current value; NaN while undefined (no pairs yet, a single class for AUC, constant targets for R²). */
  get(): number;
  /** Pairs currently scored: all so far, or the window's fill. */
  count(): number;
  state(): MetricState;
}
