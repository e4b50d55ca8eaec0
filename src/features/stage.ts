/** The contract every feature stage implements. */

import type { LearnerState } from '../learners/estimator';
import type { ColumnKernel, ColumnSource } from './column-form';
import type { SizedSparseVector } from './vector';

/** A record flowing through a pipeline: raw columns plus the columns stages write. */
export type Row = Record<string, unknown>;

/** The estimator contract's state shape: JSON-safe config plus learned numbers as typed arrays (copies). */
export type StageState = LearnerState;

/**
 * Buffers a stage writes its output into on the fused path (`transformInto`): owned by the pipeline, one
 * per stage, reused row after row, so that featurising a micro-batch allocates no typed array per row.
 * What a stage puts in the row from here is valid only until its next `transformInto`: the pipeline copies
 * the last stage's output into the micro-batch's feature batch before it moves on.
 */
export interface StageOutput {
  /** A dense buffer of exactly `width` slots; the stage must write every slot. */
  dense(width: number): Float64Array;
  /** Room for `capacity` sparse entries, to be written from position 0. */
  sparse(capacity: number): { indices: Int32Array; values: Float64Array };
  /** The first `count` entries written into `sparse(...)`, as a vector of dimension `size` (views, no copy). */
  sparseVector(size: number, count: number): SizedSparseVector;
}

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
  /**
   * Optional batch form, used by the pipeline's fused pass (`Pipeline.featurise`) over a micro-batch: the
   * same output as `transform`, bit for bit, written into `out`'s reused buffers instead of new arrays.
   * The pass calls it row after row, each row's `transformInto` followed by `learn` (a stateful stage thus
   * transforms each row with the statistics of the rows before it, exactly as `learnOne` does).
   * Fallback: a stage without it (a user's custom stage, typically) is called through `transform(row)`
   * in the same place; it joins the fused pass unchanged, only paying its own allocations.
   */
  transformInto?(row: Row, out: StageOutput): boolean;
  /**
   * Optional column form (src/features/column-form.ts), used when the input is columnar (Arrow): a kernel
   * that reads the columns of a run of rows directly. Undefined, or a stage without it: the pipeline
   * featurises the run through the row form (one row object per row), with the same result.
   */
  bindColumns?(source: ColumnSource): ColumnKernel | undefined;
  /**
   * Updates the stage's statistics from the row's inputs. On the fused path those inputs may be an earlier
   * stage's reused buffers: a stage that keeps an input beyond the call (a reservoir) keeps a copy.
   */
  learn(row: Row): void;
  state(): StageState;
}
