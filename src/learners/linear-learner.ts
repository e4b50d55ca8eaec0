import { CheckpointError, ConfigError, DecodeError, NonFiniteError } from '../errors';
import type { Estimator, FeatureRows, FeatureVector, JsonObject, LearnerState, RowLearner, TypedArray } from './estimator';
import { isSparse, rowView, rowViews } from './estimator';
import { GradientBatch } from './gradient-batch';
import { inputError } from './input-errors';
import type { ResolvedLinearConfig } from './linear-config';
import { LinearWeights } from './linear-weights';
import { MinibatchAccumulator } from './minibatch';
import { createOptimizer } from './optimizers/create';
import type { ExampleOptimizer, Optimizer } from './optimizers/optimizer';
import { stepsExamples } from './optimizers/optimizer';
import { loadArray } from './state-arrays';

export const LINEAR_STATE_VERSION = 1;

/** `exampleIndex` while the averaged step of a minibatch pass is taken. */
const MINIBATCH_STEP = -2;

/** Writes one example's class probabilities, derived from its margins, at `offset` of `out`. */
export type ProbabilityWriter = (margins: Float64Array, out: Float64Array, offset: number) => void;

/** What every linear learner exposes beyond the estimator contract (reading feature-batch rows in place among it). */
export interface LinearModel extends RowLearner {
  /** Effective weights, class-major (`[k * numFeatures + j]`); one row for single-output models. */
  coefficients(): Float64Array;
  /** One intercept per output. */
  intercepts(): Float64Array;
}

/** Resolves the config of a checkpoint, reporting a bad one as a `CheckpointError`. */
export function checkpointConfig<R, C>(state: LearnerState, resolve: (config: R) => C): C {
  if (state.version !== LINEAR_STATE_VERSION) {
    throw new CheckpointError(`${state.kind} state version ${state.version} is not supported (expected ${LINEAR_STATE_VERSION})`);
  }
  try {
    return resolve(state.config as unknown as R);
  } catch (err) {
    if (err instanceof ConfigError) throw new CheckpointError(`invalid ${state.kind} checkpoint: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The machinery shared by the linear learners: weights, optimizer, micro-batch modes, input checks,
 * state. A subclass supplies the label check, the loss derivatives and the prediction.
 */
export abstract class LinearLearner<C extends ResolvedLinearConfig> implements Estimator, LinearModel {
  abstract readonly kind: string;
  protected readonly weights: LinearWeights;
  /** Scratch: the margins of the example at hand. */
  protected readonly margins: Float64Array;
  protected readonly batch: GradientBatch;
  /** Scratch: d loss / d margin_k of the example at hand. */
  protected readonly derivatives: Float64Array;
  private readonly optimizer: Optimizer;
  /** The optimizer, when a single example's step can skip the GradientBatch: one output, no clipping. */
  private readonly exampleOptimizer: ExampleOptimizer | null;
  private readonly accumulator: MinibatchAccumulator | null;
  /** Where we are, for error messages. */
  private batchLabel: string | undefined = undefined;
  private exampleIndex = -1;

  /** `arrays`, from `state()`, restore a checkpointed learner. */
  protected constructor(
    private readonly config: C,
    numOutputs: number,
    arrays?: Record<string, TypedArray>,
  ) {
    const { numFeatures, dtype, batchMode } = config;
    this.weights = new LinearWeights(numFeatures, numOutputs, dtype);
    this.margins = new Float64Array(numOutputs);
    this.derivatives = new Float64Array(numOutputs);
    this.batch = new GradientBatch(numOutputs, Math.min(numFeatures, 256));
    this.optimizer = createOptimizer(this.weights, config);
    const unclipped = config.clipValue === null && config.clipNorm === null;
    this.exampleOptimizer = numOutputs === 1 && unclipped && stepsExamples(this.optimizer) ? this.optimizer : null;
    this.accumulator = batchMode === 'minibatch' ? new MinibatchAccumulator(numFeatures, numOutputs) : null;
    if (arrays !== undefined) {
      loadArray(arrays, 'weights', this.weights.values);
      this.optimizer.importState(arrays);
    }
  }

  /** Checks a label and returns what the loss expects (e.g. ±1); throws naming the example. */
  protected abstract labelOf(y: number): number;
  /** Writes d loss / d margin_k into `this.derivatives` for the margins in `this.margins`. */
  protected abstract lossDerivatives(label: number): void;
  protected abstract predictFromMargins(): number;

  learnOne(x: FeatureVector, y: number): void {
    this.locate(undefined, -1);
    this.learnExample(x, y);
  }

  learnMany(xs: readonly FeatureVector[], ys: ArrayLike<number>, batchLabel?: string): void {
    this.locate(batchLabel, -1);
    if (xs.length !== ys.length) {
      throw new DecodeError('SCHEMA', `${xs.length} feature vectors but ${ys.length} labels in ${this.where()}`);
    }
    try {
      for (let pass = 0; pass < this.config.maxIter; pass++) {
        if (this.accumulator === null) {
          for (let i = 0; i < xs.length; i++) {
            this.exampleIndex = i;
            this.learnExample(xs[i], ys[i]);
          }
        } else {
          this.learnPass(xs, ys, this.accumulator);
        }
      }
    } finally {
      this.locate(undefined, -1);
    }
  }

  predictOne(x: FeatureVector): number {
    this.marginsOf(x);
    return this.predictFromMargins();
  }

  predictThenLearnOne(x: FeatureVector, y: number): number {
    this.marginsOf(x);
    const prediction = this.predictFromMargins();
    this.learnFromMargins(x, this.labelOf(y));
    return prediction;
  }

  predictMany(xs: readonly FeatureVector[], out = new Float64Array(xs.length)): Float64Array {
    this.checkOutput(out, xs.length);
    try {
      for (let i = 0; i < xs.length; i++) {
        this.locate(undefined, i);
        this.computeMargins(xs[i]);
        out[i] = this.predictFromMargins();
      }
    } finally {
      this.locate(undefined, -1);
    }
    return out;
  }

  /** A classifier's probabilities (`numClasses` per example and how to write them); none by default. */
  protected probabilityForm(): { width: number; write: ProbabilityWriter } | null {
    return null;
  }

  predictRows(rows: FeatureRows, labels: Float64Array, probabilities?: Float64Array): void {
    const form = probabilities === undefined ? null : this.probabilityForm();
    if (probabilities !== undefined && form === null) throw new ConfigError(`${this.kind} gives no class probabilities`);
    this.checkOutput(labels, rows.count);
    if (probabilities !== undefined && form !== null) this.checkOutput(probabilities, rows.count * form.width);
    try {
      for (let k = 0; k < rows.count; k++) {
        this.locate(undefined, k);
        this.rowMargins(rows, k);
        labels[k] = this.predictFromMargins();
        if (form !== null) form.write(this.margins, probabilities as Float64Array, k * form.width);
      }
    } finally {
      this.locate(undefined, -1);
    }
  }

  learnRows(rows: FeatureRows, ys: ArrayLike<number>, batchLabel?: string): void {
    // Minibatch mode averages through its accumulator, which takes vectors: the views (the fallback).
    if (this.accumulator !== null) return this.learnMany(rowViews(rows), ys, batchLabel);
    this.locate(batchLabel, -1);
    if (rows.count !== ys.length) throw new DecodeError('SCHEMA', `${rows.count} feature vectors but ${ys.length} labels in ${this.where()}`);
    try {
      for (let pass = 0; pass < this.config.maxIter; pass++) {
        for (let k = 0; k < rows.count; k++) {
          this.exampleIndex = k;
          const label = this.labelOf(ys[k]);
          this.rowMargins(rows, k);
          this.lossDerivatives(label);
          this.stepOnRow(rows, k);
        }
      }
    } finally {
      this.locate(undefined, -1);
    }
  }

  coefficients(): Float64Array {
    return this.weights.coefficients();
  }

  intercepts(): Float64Array {
    return this.weights.intercepts();
  }

  state(): LearnerState {
    const arrays: Record<string, TypedArray> = { weights: this.weights.values.slice() };
    this.optimizer.exportState(arrays);
    const config = JSON.parse(JSON.stringify(this.config)) as JsonObject;
    return { kind: this.kind, version: LINEAR_STATE_VERSION, config, arrays };
  }

  /** Computes `this.margins` for a single prediction. */
  protected marginsOf(x: FeatureVector): void {
    this.locate(undefined, -1);
    this.computeMargins(x);
  }

  /** Fills `out` with one row of `numClasses` probabilities per example, as `write` derives them from margins. */
  protected probabilityRows(xs: readonly FeatureVector[], numClasses: number, out: Float64Array, write: ProbabilityWriter): Float64Array {
    this.checkOutput(out, xs.length * numClasses);
    try {
      for (let i = 0; i < xs.length; i++) {
        this.locate(undefined, i);
        this.computeMargins(xs[i]);
        write(this.margins, out, i * numClasses);
      }
    } finally {
      this.locate(undefined, -1);
    }
    return out;
  }

  private computeMargins(x: FeatureVector): void {
    if (!this.marginsFit(this.weights.margins(x, this.margins))) throw inputError(x, this.weights.numFeatures, this.where());
  }

  /** `computeMargins` of row `k` of `rows`, read in place. */
  private rowMargins(rows: FeatureRows, k: number): void {
    const r = rows.row[k];
    const indices = rows.sparse[r] === 1 ? rows.indices : null;
    const fits = this.weights.rangeMargins(rows.values, indices, rows.start[r], rows.start[r + 1], this.margins);
    if (!this.marginsFit(fits)) throw inputError(rowView(rows, k), this.weights.numFeatures, this.where());
  }

  /** Whether the example fitted the weights (`fits`, from the margin pass) and gave finite margins. */
  private marginsFit(fits: boolean): boolean {
    const margins = this.margins;
    for (let k = 0; fits && k < margins.length; k++) fits = Number.isFinite(margins[k]);
    return fits;
  }

  /** `stepOn` for row `k` of `rows`, read in place. */
  private stepOnRow(rows: FeatureRows, k: number): void {
    const r = rows.row[k];
    const from = rows.start[r];
    const to = rows.start[r + 1];
    const indices = rows.sparse[r] === 1 ? rows.indices : null;
    const exampleOptimizer = this.exampleOptimizer;
    if (exampleOptimizer === null) {
      this.batch.fillRange(rows.values, indices, from, to, this.derivatives, this.config.fitIntercept);
      this.takeStep();
    } else if (!exampleOptimizer.stepRange(rows.values, indices, from, to, this.derivatives)) {
      this.checkWeights(indices === null ? null : rows.indices.subarray(from, to), to - from);
    }
  }

  /** Throws the error for a bad label: non-finite, or outside what the learner takes. */
  protected rejectLabel(y: number, expectation: string): never {
    if (!Number.isFinite(y)) throw new NonFiniteError(`label is ${y} in ${this.where()}`);
    throw new DecodeError('SCHEMA', `label ${y} is not ${expectation} in ${this.where()}`);
  }

  private learnExample(x: FeatureVector, y: number): void {
    const label = this.labelOf(y);
    this.computeMargins(x);
    this.learnFromMargins(x, label);
  }

  /** One step on `x`, whose margins are in `this.margins`. */
  protected learnFromMargins(x: FeatureVector, label: number): void {
    this.lossDerivatives(label);
    this.stepOn(x);
  }

  /** One step on `x`, whose loss derivatives are in `this.derivatives`. */
  protected stepOn(x: FeatureVector): void {
    const derivatives = this.derivatives;
    const exampleOptimizer = this.exampleOptimizer;
    if (exampleOptimizer === null) {
      this.batch.fill(x, derivatives, this.config.fitIntercept);
      this.takeStep();
    } else if (!exampleOptimizer.stepExample(x, derivatives)) {
      if (isSparse(x)) this.checkWeights(x.indices, x.indices.length);
      else this.checkWeights(null, x.length);
    }
  }

  private learnPass(xs: readonly FeatureVector[], ys: ArrayLike<number>, accumulator: MinibatchAccumulator): void {
    if (xs.length === 0) return;
    try {
      for (let i = 0; i < xs.length; i++) {
        this.exampleIndex = i;
        const label = this.labelOf(ys[i]);
        this.computeMargins(xs[i]);
        this.lossDerivatives(label);
        accumulator.add(xs[i], this.derivatives);
      }
    } finally {
      // Drained even on error, so that a failed pass leaves nothing behind for the next one.
      accumulator.drainAverage(this.batch, xs.length, this.config.fitIntercept);
    }
    this.exampleIndex = MINIBATCH_STEP;
    this.takeStep();
  }

  private takeStep(): void {
    const { clipValue, clipNorm } = this.config;
    if (clipValue !== null) this.batch.clipValues(clipValue);
    if (clipNorm !== null) this.batch.clipNorm(clipNorm);
    const batch = this.batch;
    if (!this.optimizer.step(batch)) this.checkWeights(batch.dense ? null : batch.features, batch.count);
  }

  /**
   * Throws naming the first non-finite weight among those of the step's `count` features (`features`,
   * or the first `count` when null) and the intercepts: only those can have gone bad.
   */
  private checkWeights(features: ArrayLike<number> | null, count: number): void {
    const bad = this.firstNonFiniteWeight(features, count);
    if (bad < 0) return;
    const outputs = this.weights.numOutputs;
    const feature = Math.floor(bad / outputs);
    const name = feature === this.weights.numFeatures ? 'the intercept' : `feature ${feature}`;
    const output = outputs > 1 ? ` (class ${bad % outputs})` : '';
    throw new NonFiniteError(
      `weights became non-finite at ${name}${output} after ${this.where()}: the step diverged ` +
        `(lower stepSize, clip gradients or scale features); restore the learner from a checkpoint`,
    );
  }

  private firstNonFiniteWeight(features: ArrayLike<number> | null, count: number): number {
    const w = this.weights.values;
    const outputs = this.weights.numOutputs;
    for (let s = 0; s < count; s++) {
      const base = (features === null ? s : features[s]) * outputs;
      for (let k = 0; k < outputs; k++) if (!Number.isFinite(w[base + k])) return base + k;
    }
    const bias = this.weights.biasOffset;
    for (let k = 0; k < outputs; k++) if (!Number.isFinite(w[bias + k])) return bias + k;
    return -1;
  }

  private checkOutput(out: Float64Array, length: number): void {
    if (out.length < length) throw new DecodeError('SCHEMA', `output array has ${out.length} entries, needs ${length}`);
  }

  private locate(batchLabel: string | undefined, exampleIndex: number): void {
    this.batchLabel = batchLabel;
    this.exampleIndex = exampleIndex;
  }

  private where(): string {
    const batch = this.batchLabel === undefined ? 'the batch' : `batch '${this.batchLabel}'`;
    if (this.exampleIndex >= 0) return `example ${this.exampleIndex} of ${batch}`;
    return this.exampleIndex === MINIBATCH_STEP ? `the minibatch step of ${batch}` : 'the example';
  }
}
