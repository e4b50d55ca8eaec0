import type { NonFiniteError } from '../errors';
import type { ModelState } from '../state';

/**
 * The estimator contract every streamlearn learner implements: linear models, neural nets, recommenders.
 * It is deliberately small: learn and predict one example or a micro-batch, and export a state made of
 * JSON-safe config plus typed arrays, from which `fromState` (./registry) rebuilds the learner.
 */

export type DenseVector = Float64Array | Float32Array;

/** A sparse vector: parallel arrays, `values[i]` at feature `indices[i]`. A repeated index adds up. */
export interface SparseVector {
  readonly indices: Int32Array | Uint32Array;
  readonly values: Float64Array | Float32Array;
}

export type FeatureVector = DenseVector | SparseVector;

export type { JsonObject, JsonValue, TypedArray } from '../state';

/** A learner's checkpointable state (src/state.ts): JSON-safe config plus typed arrays. */
export type LearnerState = ModelState;

/**
 * How `learnMany` treats a micro-batch; explicit because leaving it implicit bit River's users
 * (online-ml/river#1912). In both modes `maxIter` is the number of passes over the
 * micro-batch (Spark streaming's `numIterations`); `learnOne` always takes exactly one step.
 * - `'sequential'`: one step per example, in order. `learnMany(xs, ys)` is bit-identical to
 *   `for (pass < maxIter) for (i) learnOne(xs[i], ys[i])`.
 * - `'minibatch'`: one step per pass, along the gradient averaged over the micro-batch, every example
 *   seen with the weights of the start of the pass. A micro-batch of one example equals `learnOne`.
 * When an example is rejected, `learnMany` throws naming it: in sequential mode the examples before it
 * have been learned; in minibatch mode the pass it belongs to has taken no step.
 */
export type BatchMode = 'sequential' | 'minibatch';

/**
 * What a learner that rolls itself back may return from `learnMany` instead of throwing: a step went
 * non-finite and was undone (the neural nets do this). Learners that cannot roll back throw instead.
 */
export interface LearnReport {
  error: NonFiniteError | null;
}

export interface Estimator<X = FeatureVector> {
  /** Registry key, e.g. `'LogisticRegression'`. */
  readonly kind: string;
  learnOne(x: X, y: number): void;
  /**
   * Learns from a micro-batch; see {@link BatchMode}. The vectors may be views of buffers the runtime
   * reuses for the next micro-batch (src/features/feature-batch.ts): a learner keeps copies, not them. `batchLabel` (e.g. `topic/partition@offset`)
   * is named by any error, together with the example's position in the batch.
   */
  learnMany(xs: readonly X[], ys: ArrayLike<number>, batchLabel?: string): void | LearnReport;
  /** A regression value, or a class index for classifiers. */
  predictOne(x: X): number;
  predictMany(xs: readonly X[], out?: Float64Array): Float64Array;
  state(): LearnerState;
  /**
   * Optional, for test-then-train loops: `predictOne(x)` then `learnOne(x, y)` in one call, doing the work
   * they share once (a linear model's margin). Returns the prediction; the model learns exactly what
   * `learnOne` would. Throws what `predictOne(x)` would (learning nothing), else what `learnOne` would.
   */
  predictThenLearnOne?(x: X, y: number): number;
}

export interface Classifier<X = FeatureVector> extends Estimator<X> {
  readonly numClasses: number;
  /** Class probabilities, `numClasses` of them. */
  predictProbaOne(x: X, out?: Float64Array): Float64Array;
  /** Row-major, `xs.length × numClasses`. */
  predictProbaMany(xs: readonly X[], out?: Float64Array): Float64Array;
  /** Optional: `predictProbaOne(x, out)` then `learnOne(x, y)`, fused as {@link Estimator.predictThenLearnOne} is. */
  predictProbaThenLearnOne?(x: X, y: number, out?: Float64Array): Float64Array;
}

/**
 * The rows of a micro-batch's features as they lie in the buffers that hold them (a `FeatureBatch`'s
 * `rows()`): row `k` is batch row `row[k]`, whose entries are `[start[row[k]], start[row[k] + 1])` of
 * `values` (dense) or of `indices` and `values` (sparse, when `sparse[row[k]]` is 1). Learners that read
 * them (`RowLearner`) take no view object per row.
 */
export interface FeatureRows {
  readonly count: number;
  readonly row: ArrayLike<number>;
  readonly start: Int32Array;
  readonly sparse: Uint8Array;
  readonly values: Float64Array;
  readonly indices: Int32Array;
}

/**
 * Optional, offered by the linear learners: test-then-train over `FeatureRows` without a view per row.
 * Bit-identical to `predictMany` (+ `predictProbaMany`) and `learnMany` over the rows' views (tested by the
 * conformance suite); other learners go through the views (`rowViews`).
 */
export interface RowLearner {
  /** Writes each row's prediction into `labels` and, when given, its `numClasses` probabilities into `probabilities`. */
  predictRows(rows: FeatureRows, labels: Float64Array, probabilities?: Float64Array): void;
  learnRows(rows: FeatureRows, ys: ArrayLike<number>, batchLabel?: string): void | LearnReport;
}

export function isRowLearner(model: object): model is RowLearner {
  const candidate = model as Partial<RowLearner>;
  return typeof candidate.predictRows === 'function' && typeof candidate.learnRows === 'function';
}

/** Row `k` of `rows` as a vector: a view of the buffers, valid as long as they are (the fallback path). */
export function rowView(rows: FeatureRows, k: number): FeatureVector {
  const r = rows.row[k];
  const from = rows.start[r];
  const to = rows.start[r + 1];
  const values = rows.values.subarray(from, to);
  return rows.sparse[r] === 1 ? { indices: rows.indices.subarray(from, to), values } : values;
}

/** Every row of `rows` as a view (`rowView`). */
export function rowViews(rows: FeatureRows): FeatureVector[] {
  return Array.from({ length: rows.count }, (_, k) => rowView(rows, k));
}

export function isSparse(x: FeatureVector): x is SparseVector {
  return !ArrayBuffer.isView(x);
}
