/**
 * The column form of stages (issue 12, "Arrow stays columnar"): a stage reads the columns of a run of rows
 * (an Arrow record batch) directly, row by row, instead of one row object per row.
 *
 * Sequential semantics are kept by construction: the pipeline calls, for each row i in order, every
 * kernel's `transform(i)`, then vets the features, then every kernel's `learn(i)`. A stateful stage
 * therefore transforms row i + 1 with the statistics of rows 0..i, exactly as `learnOne` does.
 *
 * The batch form (`transformRun`, `commitRun`) works column by column: a per-feature stage such as the
 * scaler updates and transforms feature j of row i from feature j's own history only, so a loop over the
 * features outside and the rows inside writes the same bits with no call per row. It is speculative: it
 * assumes every row of the run is learned, and the caller commits only once every row passed vetting.
 *
 * Exactness over the unusual: a kernel handles the common case (finite numbers) and returns false for
 * anything else (a non-finite or missing value, a row its stage would drop). The caller then takes the row
 * form (`Pipeline.featureStep`) for that one row, so that every error, skip and `keep` behaves as it does
 * for JSON, bit for bit, without a second implementation of those rules.
 */

import type { SparseVector } from '../learners/estimator';

/**
 * A raw column's cells that are strings (JSON read into columns): by row, an id into `strings`, or -1 where
 * the cell is not a string, in which case it is `numbers[row]` when that is a number (not NaN), and a cell
 * the row form must read otherwise.
 */
export interface CategoryColumn {
  readonly ids: Int32Array | undefined;
  readonly strings: readonly string[];
  readonly numbers: ArrayLike<number> | undefined;
}

/** The inputs a stage's kernel can read, for one run of rows. */
export interface ColumnSource {
  /** Rows in the run. */
  readonly length: number;
  /** A raw input column's numbers by row (no nulls), or undefined when the column is missing or not numeric. */
  numeric(name: string): ArrayLike<number> | undefined;
  /** The dense vector an earlier stage's kernel writes each row into, or undefined when no kernel writes `name`. */
  vector(name: string): Float64Array | undefined;
  /**
   * The rows an earlier stage's kernel wrote in its batch form (`transformRun`): length × width, row-major,
   * valid during the current run; undefined when no kernel writes `name` or this source has no batch form.
   */
  vectorRun?(name: string): Float64Array | undefined;
  /** A raw input column of strings (and numbers), when the source has them as ids (JSON); absent or undefined otherwise. */
  categories?(name: string): CategoryColumn | undefined;
}

interface KernelSteps {
  /** Writes row i's output; false when the row needs the row form (nothing was learned, nothing is kept). */
  transform(i: number): boolean;
  /** Learns row i, right after every stage transformed it (its inputs still hold row i). */
  learn(i: number): void;
  /**
   * The batch form (optional): every row of the run at once, feature by feature, into `out` (rows × the
   * output's width, row-major), with what `transform(i)` then `learn(i)` for each row in order would write;
   * learns nothing until `commitRun()`. False when some row needs the per-row path (the caller then drops
   * the run and goes row by row, so a false must leave the stage as it was).
   */
  transformRun?(out: Float64Array): boolean;
  /** Learns every row of the last `transformRun`, as `learn(i)` for each in order would. */
  commitRun?(): void;
}

/** One stage bound to the columns of a run of rows, writing a dense vector. */
export interface DenseColumnKernel extends KernelSteps {
  /** The buffer `transform` writes row i's output into (a dense vector, the stage's single output column). */
  readonly output: Float64Array;
}

/**
 * One stage bound to the columns of a run of rows, writing a sparse vector (a hasher): it must be the last
 * stage, as no later kernel reads a sparse column.
 */
export interface SparseColumnKernel extends KernelSteps {
  readonly output?: undefined;
  /** Row i's features after `transform(i)`, in the kernel's reused buffers (valid until the next call). */
  features(): SparseVector;
}

export type ColumnKernel = DenseColumnKernel | SparseColumnKernel;

/** A stage that has a column form. */
export interface ColumnStage {
  /** The kernel over these columns, or undefined when they do not suit it (the pipeline then takes the row form). */
  bindColumns(source: ColumnSource): ColumnKernel | undefined;
}
