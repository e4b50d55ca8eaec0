/**
 * The column form of stages (issue 12, "Arrow stays columnar"): a stage reads the columns of a run of rows
 * (an Arrow record batch) directly, row by row, instead of one row object per row.
 *
 * Sequential semantics are kept by construction: the pipeline calls, for each row i in order, every
 * kernel's `transform(i)`, then vets the features, then every kernel's `learn(i)`. A stateful stage
 * therefore transforms row i + 1 with the statistics of rows 0..i, exactly as `learnOne` does.
 *
 * Exactness over the unusual: a kernel handles the common case (finite numbers) and returns false for
 * anything else (a non-finite or missing value, a row its stage would drop). The caller then takes the row
 * form (`Pipeline.featureStep`) for that one row, so that every error, skip and `keep` behaves as it does
 * for JSON, bit for bit, without a second implementation of those rules.
 */

/** The inputs a stage's kernel can read, for one run of rows. */
export interface ColumnSource {
  /** Rows in the run. */
  readonly length: number;
  /** A raw input column's numbers by row (no nulls), or undefined when the column is missing or not numeric. */
  numeric(name: string): ArrayLike<number> | undefined;
  /** The dense vector an earlier stage's kernel writes each row into, or undefined when no kernel writes `name`. */
  vector(name: string): Float64Array | undefined;
}

/** One stage bound to the columns of a run of rows. */
export interface ColumnKernel {
  /** The buffer `transform` writes row i's output into (a dense vector, the stage's single output column). */
  readonly output: Float64Array;
  /** Writes row i's output; false when the row needs the row form (nothing was learned, nothing is kept). */
  transform(i: number): boolean;
  /** Learns row i, right after every stage transformed it (its inputs still hold row i). */
  learn(i: number): void;
}

/** A stage that has a column form. */
export interface ColumnStage {
  /** The kernel over these columns, or undefined when they do not suit it (the pipeline then takes the row form). */
  bindColumns(source: ColumnSource): ColumnKernel | undefined;
}
