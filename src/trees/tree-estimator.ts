import { CheckpointError, ConfigError, DecodeError, NonFiniteError } from '../errors';
import type { Classifier, Estimator, FeatureVector, JsonObject, LearnerState, TypedArray } from '../learners/estimator';
import { isSparse } from '../learners/estimator';
import { inputError } from '../learners/input-errors';
import type { TreeSpec } from './config';
import { argmax } from './leaf-models';

export const TREE_STATE_VERSION = 1;

/** Resolves a checkpoint's config, reporting a bad one as a `CheckpointError`. */
export function treeCheckpointConfig<C, R>(state: LearnerState, resolve: (config: C) => R): R {
  if (state.version !== TREE_STATE_VERSION) {
    throw new CheckpointError(`${state.kind} state version ${state.version} is not supported (expected ${TREE_STATE_VERSION})`);
  }
  try {
    return resolve(state.config as unknown as C);
  } catch (err) {
    if (err instanceof ConfigError) throw new CheckpointError(`invalid ${state.kind} checkpoint: ${err.message}`, { cause: err });
    throw err;
  }
}

/** What a tree learner wraps: a single tree, an adaptive tree or a forest, all learning and predicting dense rows. */
export interface TreeCore {
  learnRow(row: Float64Array, y: number): void;
  featureImportances(): Float64Array;
  exportTo(arrays: Record<string, TypedArray>, prefix: string): void;
  importFrom(arrays: Record<string, TypedArray>, prefix: string): void;
  /** Nodes (trees), alternates promoted (adaptive trees), trees (forests): each learner's interface shows its own. */
  readonly nodeCount?: number;
  readonly switches?: number;
  readonly treeCount?: number;
}

export interface ClassifierCore extends TreeCore {
  probaRow(row: Float64Array, out: Float64Array): void;
  probaThenLearn(row: Float64Array, y: number, out: Float64Array): void;
}

export interface RegressorCore extends TreeCore {
  valueRow(row: Float64Array): number;
}

/** How a tree kind is built: its registry key, its checked spec, its core, and its config as `state().config`. */
export interface TreeKindParts<C> {
  kind: string;
  spec: TreeSpec;
  core: C;
  config: JsonObject;
}

/** Restores `arrays` (a checkpoint's) into a fresh core, when given. */
function restored<C extends TreeCore>(core: C, arrays: Record<string, TypedArray> | undefined): C {
  if (arrays !== undefined) core.importFrom(arrays, '');
  return core;
}

/**
 * The estimator contract for trees and forests: checks each example into one reused dense row (sparse
 * input is scattered into it), names the example in every error, and runs `maxIter` sequential passes.
 * A subclass learns and predicts rows.
 */
export abstract class TreeEstimator<C extends TreeCore> implements Estimator {
  readonly kind: string;
  protected readonly spec: TreeSpec;
  protected readonly core: C;
  private readonly config: JsonObject;
  protected readonly row: Float64Array;
  private batchLabel: string | undefined = undefined;
  private exampleIndex = -1;

  constructor(parts: TreeKindParts<C>, arrays?: Record<string, TypedArray>) {
    this.kind = parts.kind;
    this.spec = parts.spec;
    this.config = parts.config;
    this.core = restored(parts.core, arrays);
    this.row = new Float64Array(parts.spec.numFeatures);
  }

  protected abstract predictRow(row: Float64Array): number;
  /** Checks a label; returns it. */
  protected abstract labelOf(y: number): number;

  get nodeCount(): number {
    return this.core.nodeCount ?? 0;
  }
  get switches(): number {
    return this.core.switches ?? 0;
  }
  get treeCount(): number {
    return this.core.treeCount ?? 1;
  }

  featureImportances(): Float64Array {
    return this.core.featureImportances();
  }

  protected learnRow(row: Float64Array, y: number): void {
    this.core.learnRow(row, y);
  }

  learnOne(x: FeatureVector, y: number): void {
    this.locate(undefined, -1);
    const row = this.read(x);
    this.learnRow(row, this.labelOf(y));
  }

  learnMany(xs: readonly FeatureVector[], ys: ArrayLike<number>, batchLabel?: string): void {
    this.locate(batchLabel, -1);
    if (xs.length !== ys.length) throw new DecodeError('SCHEMA', `${xs.length} feature vectors but ${ys.length} labels in ${this.where()}`);
    try {
      for (let pass = 0; pass < this.spec.maxIter; pass++) {
        for (let i = 0; i < xs.length; i++) {
          this.exampleIndex = i;
          const row = this.read(xs[i]);
          this.learnRow(row, this.labelOf(ys[i]));
        }
      }
    } finally {
      this.locate(undefined, -1);
    }
  }

  predictOne(x: FeatureVector): number {
    this.locate(undefined, -1);
    return this.predictRow(this.read(x));
  }

  predictMany(xs: readonly FeatureVector[], out = new Float64Array(xs.length)): Float64Array {
    if (out.length < xs.length) throw new DecodeError('SCHEMA', `output array has ${out.length} entries, needs ${xs.length}`);
    try {
      for (let i = 0; i < xs.length; i++) {
        this.locate(undefined, i);
        out[i] = this.predictRow(this.read(xs[i]));
      }
    } finally {
      this.locate(undefined, -1);
    }
    return out;
  }

  predictThenLearnOne(x: FeatureVector, y: number): number {
    this.locate(undefined, -1);
    const row = this.read(x);
    const prediction = this.predictRow(row);
    this.learnRow(row, this.labelOf(y));
    return prediction;
  }

  state(): LearnerState {
    const arrays: Record<string, TypedArray> = {};
    this.core.exportTo(arrays, '');
    return { kind: this.kind, version: TREE_STATE_VERSION, config: this.config, arrays };
  }

  /** Copies `x` into the reused row, checking width, finiteness and nominal categories. */
  protected read(x: FeatureVector): Float64Array {
    const d = this.spec.numFeatures;
    const row = this.row;
    if (isSparse(x)) {
      row.fill(0);
      const { indices, values } = x;
      if (indices.length !== values.length) throw inputError(x, d, this.where());
      for (let s = 0; s < indices.length; s++) {
        const j = indices[s];
        if (!(j >= 0 && j < d) || !Number.isFinite(values[s])) throw inputError(x, d, this.where());
        row[j] += values[s];
      }
    } else {
      if (x.length !== d) throw inputError(x, d, this.where());
      for (let j = 0; j < d; j++) {
        const v = x[j];
        if (!Number.isFinite(v)) throw inputError(x, d, this.where());
        row[j] = v;
      }
    }
    this.checkNominal(row);
    return row;
  }

  private checkNominal(row: Float64Array): void {
    const cardinality = this.spec.cardinality;
    for (let j = 0; j < cardinality.length; j++) {
      const c = cardinality[j];
      if (c > 0 && !(Number.isInteger(row[j]) && row[j] >= 0 && row[j] < c)) {
        throw new DecodeError('SCHEMA', `nominal feature ${j} is ${row[j]}, expected an integer in [0, ${c}), in ${this.where()}`);
      }
    }
  }

  protected rejectLabel(y: number, expectation: string): never {
    if (!Number.isFinite(y)) throw new NonFiniteError(`label is ${y} in ${this.where()}`);
    throw new DecodeError('SCHEMA', `label ${y} is not ${expectation} in ${this.where()}`);
  }

  private locate(batchLabel: string | undefined, exampleIndex: number): void {
    this.batchLabel = batchLabel;
    this.exampleIndex = exampleIndex;
  }

  protected where(): string {
    const batch = this.batchLabel === undefined ? 'the batch' : `batch '${this.batchLabel}'`;
    return this.exampleIndex >= 0 ? `example ${this.exampleIndex} of ${batch}` : 'the example';
  }
}

/** A tree or forest classifier: predictions are the argmax of its core's probabilities. */
export class TreeClassifierEstimator<C extends ClassifierCore> extends TreeEstimator<C> implements Classifier {
  readonly numClasses: number;
  private readonly proba: Float64Array;

  constructor(parts: TreeKindParts<C>, arrays?: Record<string, TypedArray>) {
    super(parts, arrays);
    this.numClasses = parts.spec.numClasses;
    this.proba = new Float64Array(parts.spec.numClasses);
  }

  /** Class probabilities of `row` into `out` (summing to 1). */
  protected probaRow(row: Float64Array, out: Float64Array): void {
    this.core.probaRow(row, out);
  }

  /** Predicts then learns; a tree sorts the row to its leaf once for both. */
  protected probaThenLearnRow(row: Float64Array, y: number, out: Float64Array): void {
    this.core.probaThenLearn(row, y, out);
  }

  override predictThenLearnOne(x: FeatureVector, y: number): number {
    const row = this.read(x);
    this.probaThenLearnRow(row, this.labelOf(y), this.proba);
    return argmax(this.proba, 0, this.numClasses);
  }

  protected labelOf(y: number): number {
    return Number.isInteger(y) && y >= 0 && y < this.numClasses ? y : this.rejectLabel(y, `a class index in [0, ${this.numClasses})`);
  }

  protected predictRow(row: Float64Array): number {
    this.probaRow(row, this.proba);
    return argmax(this.proba, 0, this.numClasses);
  }

  predictProbaOne(x: FeatureVector, out = new Float64Array(this.numClasses)): Float64Array {
    this.probaRow(this.read(x), out);
    return out;
  }

  predictProbaMany(xs: readonly FeatureVector[], out = new Float64Array(xs.length * this.numClasses)): Float64Array {
    const k = this.numClasses;
    for (let i = 0; i < xs.length; i++) {
      this.probaRow(this.read(xs[i]), this.proba);
      out.set(this.proba, i * k);
    }
    return out;
  }

  predictProbaThenLearnOne(x: FeatureVector, y: number, out = new Float64Array(this.numClasses)): Float64Array {
    const row = this.read(x);
    this.probaThenLearnRow(row, this.labelOf(y), out);
    return out;
  }
}

/** A tree or forest regressor: labels are any finite number. */
export class TreeRegressorEstimator<C extends RegressorCore> extends TreeEstimator<C> {
  protected predictRow(row: Float64Array): number {
    return this.core.valueRow(row);
  }

  protected labelOf(y: number): number {
    return Number.isFinite(y) ? y : this.rejectLabel(y, 'finite');
  }
}
