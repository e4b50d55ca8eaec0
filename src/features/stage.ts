/** The contract every feature stage implements. */

import type { LearnerState } from '../learners/estimator';

/** A record flowing through a pipeline: raw columns plus the columns stages write. */
export type Row = Record<string, unknown>;

/** The estimator contract's state shape: JSON-safe config plus learned numbers as typed arrays (copies). */
export type StageState = LearnerState;

/**
 * A stage reads `inputCols` of a row and writes `outputCols`, never overwriting its own inputs, so
 * `learn` called after `transform` still sees the raw values. Pipelines call `transform` then `learn`:
 * a row is transformed with the statistics from the rows before it (prequential), then counted.
 */
export interface Stage {
  readonly kind: string;
  readonly inputCols: readonly string[];
  readonly outputCols: readonly string[];
  /** Writes the outputs; returns false when the row is dropped (an invalid value under `handleInvalid: 'skip'`). */
  transform(row: Row): boolean;
  /** Updates the stage's statistics from the row's inputs. */
  learn(row: Row): void;
  state(): StageState;
}
