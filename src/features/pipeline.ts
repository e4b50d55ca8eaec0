import { CheckpointError, ConfigError, DecodeError } from '../errors';
import {
  isRowLearner,
  type Classifier,
  type Estimator,
  type FeatureVector,
  type LearnReport,
  type LearnerState,
  type RowLearner,
  type TypedArray,
} from '../learners/estimator';
import { FeatureBatch } from './feature-batch';
import { fromState } from '../learners/registry';
import type { ColumnKernel, ColumnSource } from './column-form';
import { describeValue } from './config';
import { checkKind } from './restore';
import { stageFromState } from './registry';
import type { Row, Stage, StageState } from './stage';
import { ReusedStageOutput } from './stage-output';
import { isDenseVector, isSparseVector, type SizedSparseVector } from './vector';

/**
 * Feature stages and a final estimator as one estimator over raw records. Learning runs each stage's
 * `transform` then `learn` (so a record is featurised with statistics from the records before it), then
 * the model learns the last stage's output column. Prediction only transforms. A record a stage drops
 * (`handleInvalid: 'skip'`) is not learnt, and predicts NaN.
 */
export interface Pipeline extends Estimator<Row> {
  readonly stages: readonly Stage[];
  readonly model: Estimator;
  /** The column the model reads: the last stage's output. */
  readonly featuresCol: string;
  /** The model's input for a record, or null when a stage drops it; updates no statistics. */
  transformOne(x: Row): FeatureVector | null;
  /**
   * One record's step of the fused pass over a micro-batch (see `Stage.transformInto`): transforms `x`
   * through every stage, into reused buffers where the stage has a batch form; then, if `admit` accepts the
   * features, lets every stage learn `x`, and returns the features: the ones `learnOne(x)` hands the model,
   * bit for bit, valid until the next call (copy them to keep them). Returns undefined when `admit` refuses
   * them (no stage learns `x`), and null when a stage drops `x` (the stages before it learn it, as in
   * `learnOne`). Throws what a stage throws, before any stage has learned `x`.
   */
  featureStep(x: Row, admit: (features: FeatureVector) => boolean): FeatureVector | null | undefined;
  /**
   * The fused pass in column form over a run of rows (an Arrow record batch), when every stage has a
   * column form for these columns (`Stage.bindColumns`); undefined otherwise, and the caller takes
   * `featureStep` row by row. See src/features/column-form.ts.
   */
  bindColumns(source: ColumnSource): ColumnPass | undefined;
  /**
   * `predictMany` of rows given as columns (`source`, one cell per row; `rowAt(i)` makes row i as an object,
   * for a row a column form declines), without a row object per row: the same predictions. Undefined, with
   * nothing predicted, when the column forms or the model's in-place rows do not apply (call `predictMany`).
   */
  predictColumns(source: ColumnSource, rowAt: (i: number) => Row): Float64Array | undefined;
}

/**
 * A pipeline's stages bound to a run of rows. For each row in order: `transform(i)`, then (if the features
 * are admitted) `learn(i)`, before row i + 1; or, when `transform(i)` returns null, `featureStep` on the
 * row as an object, which keeps every rule of the row form.
 */
export interface ColumnPass {
  /** Row i's features (valid until the next call), or null when a stage needs the row form for it; learns nothing. */
  transform(i: number): FeatureVector | null;
  /** Lets every stage learn row i, right after `transform(i)` returned its features. */
  learn(i: number): void;
  /**
   * Every row's features at once (rows × width, row-major, valid until the next run), as `transform(i)` then
   * `learn(i)` row by row would give them, when every stage has a batch form; null otherwise or when some row
   * needs the per-row path. Learns nothing: `commitRun()` does, once the caller has admitted every row.
   */
  transformRun(): Float64Array | null;
  commitRun(): void;
}

export interface ClassifierPipeline extends Pipeline, Classifier<Row> {
  readonly model: Classifier;
  /**
   * `predictProbaMany` of rows given as columns (rows × numClasses), as `predictColumns` is `predictMany`'s:
   * the same probabilities; undefined, with nothing predicted, where that does not apply.
   */
  predictProbaColumns(source: ColumnSource, rowAt: (i: number) => Row): Float64Array | undefined;
}

const KIND = 'Pipeline';
const MODEL_PREFIX = 'model/';
const stagePrefix = (i: number) => `stage${i}/`;

function isClassifier(model: Estimator): model is Classifier {
  return typeof (model as Classifier).predictProbaOne === 'function' && typeof (model as Classifier).numClasses === 'number';
}

/** `pipeline(stage, …, stage, model)`: at least one stage; the last one must write a single column. */
export function pipeline(...parts: [...Stage[], Classifier]): ClassifierPipeline;
export function pipeline(...parts: [...Stage[], Estimator]): Pipeline;
export function pipeline(...parts: [...Stage[], Estimator]): Pipeline | ClassifierPipeline {
  const model = parts[parts.length - 1] as Estimator;
  const stages = parts.slice(0, -1) as Stage[];
  if (stages.length === 0) throw new ConfigError(`${KIND}: needs at least one stage before the model`);
  stages.forEach((stage, i) => {
    if (typeof stage?.transform !== 'function' || typeof stage.learn !== 'function') {
      throw new ConfigError(`${KIND}: part ${i} is not a stage, got ${describeValue(stage)}`);
    }
  });
  if (typeof model?.learnOne !== 'function' || typeof model.predictOne !== 'function') {
    throw new ConfigError(`${KIND}: the last part must be an estimator, got ${describeValue(model)}`);
  }
  const last = stages[stages.length - 1];
  if (last.outputCols.length !== 1) {
    throw new ConfigError(`${KIND}: the last stage (${last.kind}) writes ${last.outputCols.length} columns; the model needs one`);
  }
  const featuresCol = last.outputCols[0];

  function features(row: Row): FeatureVector {
    const value = row[featuresCol];
    if (isDenseVector(value) || isSparseVector(value)) return value;
    throw new DecodeError('SCHEMA', `${KIND}: column "${featuresCol}" written by ${last.kind} holds ${describeValue(value)}, not a vector`);
  }

  function transformOne(x: Row): FeatureVector | null {
    const row = { ...x };
    for (const stage of stages) if (!stage.transform(row)) return null;
    return features(row);
  }

  const outputs = stages.map(() => new ReusedStageOutput());
  // Transforming every stage before any learns gives the same features as learnStages' interleaving when a
  // stage's learn reads only its inputs and no stage overwrites an earlier stage's input; a pipeline that
  // does overwrite one interleaves as learnStages does, and is admitted after its stages have learned.
  const reorderable = stages.every((stage, k) => stages.slice(0, k).every((earlier) => !stage.outputCols.some((col) => earlier.inputCols.includes(col))));

  // The fused pass reads each record into one reused row holding only the columns stages read (the
  // contract: a stage reads its inputCols) and their outputs, cleared per record: no row copy per record.
  const rawCols = [...new Set(stages.flatMap((stage, k) => stage.inputCols.filter((col) => !stages.slice(0, k).some((s) => s.outputCols.includes(col)))))];
  const outputCols = [...new Set(stages.flatMap((stage) => stage.outputCols))].filter((col) => !rawCols.includes(col));
  const scratch: Row = Object.fromEntries([...rawCols, ...outputCols].map((col) => [col, undefined]));

  /** `x`'s raw columns into `row` (the fused pass's `scratch` unless said), its stage outputs cleared. */
  function readInto(x: Row, row: Row = scratch): Row {
    for (let c = 0; c < rawCols.length; c++) row[rawCols[c]] = x[rawCols[c]];
    for (let c = 0; c < outputCols.length; c++) row[outputCols[c]] = undefined;
    return row;
  }

  function featureStep(x: Row, admit: (features: FeatureVector) => boolean): FeatureVector | null | undefined {
    const row = readInto(x);
    for (let k = 0; k < stages.length; k++) {
      const stage = stages[k];
      const kept = stage.transformInto === undefined ? stage.transform(row) : stage.transformInto(row, outputs[k]);
      if (!kept) {
        if (reorderable) for (let j = 0; j < k; j++) stages[j].learn(row);
        return null;
      }
      if (!reorderable) stage.learn(row);
    }
    const vector = features(row);
    if (!admit(vector)) return undefined;
    if (reorderable) for (const stage of stages) stage.learn(row);
    return vector;
  }

  function bindColumns(raw: ColumnSource): ColumnPass | undefined {
    // A pipeline whose stages must interleave (one overwrites an earlier one's input) keeps the row form.
    if (!reorderable) return undefined;
    const written = new Map<string, Float64Array>();
    const writtenRun = new Map<string, Float64Array>();
    const source: ColumnSource = {
      length: raw.length,
      numeric: (name) => (rawCols.includes(name) ? raw.numeric(name) : undefined),
      vector: (name) => written.get(name),
      vectorRun: (name) => writtenRun.get(name),
      categories: (name) => (rawCols.includes(name) ? raw.categories?.(name) : undefined),
    };
    const kernels: ColumnKernel[] = [];
    for (const stage of stages) {
      // A sparse kernel writes no column a later kernel could read: it can only be the last.
      if (kernels.length > 0 && kernels[kernels.length - 1].output === undefined) return undefined;
      const kernel = stage.outputCols.length === 1 ? stage.bindColumns?.(source) : undefined;
      if (kernel === undefined) return undefined;
      kernels.push(kernel);
      if (kernel.output !== undefined) written.set(stage.outputCols[0], kernel.output);
    }
    const last = kernels[kernels.length - 1];
    const features = last.output === undefined ? () => last.features() : () => last.output;
    // The batch form writes dense runs: every kernel dense (no sparse one) and with a batch form.
    const batchForm = kernels.every((kernel) => kernel.output !== undefined && kernel.transformRun !== undefined && kernel.commitRun !== undefined);
    return {
      transform(i: number): FeatureVector | null {
        for (let k = 0; k < kernels.length; k++) if (!kernels[k].transform(i)) return null;
        return features();
      },
      learn(i: number): void {
        for (let k = 0; k < kernels.length; k++) kernels[k].learn(i);
      },
      transformRun(): Float64Array | null {
        if (!batchForm) return null;
        let out: Float64Array | null = null;
        for (let k = 0; k < kernels.length; k++) {
          out = runBuffer(k, raw.length * (kernels[k].output as Float64Array).length);
          writtenRun.set(stages[k].outputCols[0], out);
          if (kernels[k].transformRun?.(out) !== true) return null;
        }
        return out;
      },
      commitRun(): void {
        for (let k = 0; k < kernels.length; k++) kernels[k].commitRun?.();
      },
    };
  }

  // The batch form's buffers, one per stage, reused from run to run (a run is committed or dropped before the next).
  const runBuffers: Float64Array[] = stages.map(() => new Float64Array(0));
  function runBuffer(k: number, length: number): Float64Array {
    if (runBuffers[k].length < length) runBuffers[k] = new Float64Array(Math.max(length, 2 * runBuffers[k].length));
    return runBuffers[k].length === length ? runBuffers[k] : runBuffers[k].subarray(0, length);
  }

  function learnStages(x: Row): FeatureVector | null {
    const row = { ...x };
    for (const stage of stages) {
      if (!stage.transform(row)) return null;
      stage.learn(row);
    }
    return features(row);
  }

  /** Transforms a batch; `kept` lists the positions no stage dropped. */
  function transformMany(xs: readonly Row[], through: (x: Row, i: number) => FeatureVector | null) {
    const vectors: FeatureVector[] = [];
    const kept: number[] = [];
    xs.forEach((x, i) => {
      const vector = through(x, i);
      if (vector === null) return;
      vectors.push(vector);
      kept.push(i);
    });
    return { vectors, kept };
  }

  /**
   * Prediction's transform of a batch: through the column forms over the rows' numeric cells when every stage
   * has one (the same arithmetic, so the same features bit for bit), each row's features copied out of the
   * reused buffer; a row a kernel declines takes `transformOne`. iPFI's perturbed rows took 5% of the Arrow
   * step through the row forms (a row copy and a vector per stage per row).
   */
  function transformForPrediction(xs: readonly Row[]) {
    const pass = xs.length > 1 ? bindColumns(rowColumns(xs)) : undefined;
    if (pass === undefined) return transformReused(xs);
    return transformMany(xs, (x, i) => copyOf(pass.transform(i)) ?? transformOne(x));
  }

  // Prediction's features for a learner that reads rows in place, and its predictions: reused from call to call.
  const predictionBatch = new FeatureBatch();
  let predicted = new Float64Array(0);
  let predictedProbabilities = new Float64Array(0);

  /**
   * `predictMany` through the column forms, each row's features copied into a reused feature batch that the
   * learner reads in place (`predictRows`: the same margins as `predictMany` over the same numbers, so the
   * same predictions), instead of a copy and a view per row: iPFI's perturbed rows, ~50 per 1,000 Arrow
   * rows, cost 3.4% of the trainer through Kafka. False, with nothing written, where the column forms do
   * not apply.
   */
  function predictRowsInPlace(learner: RowLearner, source: ColumnSource, rowAt: (i: number) => Row, out: Float64Array, probabilities?: Float64Array): boolean {
    const pass = source.length > 1 ? bindColumns(source) : undefined;
    if (pass === undefined) return false;
    predictionBatch.clear();
    for (let i = 0; i < source.length; i++) predictionBatch.add(pass.transform(i) ?? transformOne(rowAt(i)));
    const rows = predictionBatch.rows();
    const width = probabilities === undefined ? 0 : probabilities.length / source.length;
    predicted = atLeast(predicted, rows.count);
    predictedProbabilities = atLeast(predictedProbabilities, rows.count * width);
    learner.predictRows(
      rows,
      predicted.subarray(0, rows.count),
      probabilities === undefined ? undefined : predictedProbabilities.subarray(0, rows.count * width),
    );
    out.fill(NaN, 0, source.length);
    probabilities?.fill(NaN);
    for (let k = 0; k < rows.count; k++) {
      out[rows.row[k]] = predicted[k];
      for (let c = 0; c < width; c++) (probabilities as Float64Array)[rows.row[k] * width + c] = predictedProbabilities[k * width + c];
    }
    return true;
  }

  // Prediction's row path has a scratch row and stage buffers of its own, so that it never overwrites what
  // the fused pass handed out.
  const predictionRow: Row = { ...scratch };
  const predictionOutputs = stages.map(() => new ReusedStageOutput());

  /**
   * Prediction's transform of a batch without column forms (a hasher's strings: ctr-logistic's iPFI rows):
   * each row through the stages' reused-buffer forms (`transformInto`, the fused pass's arithmetic, so the
   * same features bit for bit), its sparse features then packed into one pair of arrays for the batch. The
   * row forms (`transformOne`) cost a row copy and two to five typed arrays per stage per row: 20-60 µs a
   * row, which made iPFI's ~50 perturbed rows per 1,000 events 10% of the ctr-logistic step.
   */
  function transformReused(xs: readonly Row[]) {
    const packed = createFeaturePacker();
    const kept: number[] = [];
    for (let i = 0; i < xs.length; i++) {
      const vector = transformInPlace(xs[i]);
      if (vector === null) continue;
      packed.add(vector);
      kept.push(i);
    }
    return { vectors: packed.vectors(), kept };
  }

  /** `transformOne` on the prediction row and buffers: the features are valid until the next call. */
  function transformInPlace(x: Row): FeatureVector | null {
    readInto(x, predictionRow);
    for (let k = 0; k < stages.length; k++) {
      const stage = stages[k];
      const kept = stage.transformInto === undefined ? stage.transform(predictionRow) : stage.transformInto(predictionRow, predictionOutputs[k]);
      if (!kept) return null;
    }
    return features(predictionRow);
  }

  function state(): LearnerState {
    const stageStates = stages.map((stage) => stage.state());
    const modelState = model.state();
    const arrays: Record<string, TypedArray> = {};
    stageStates.forEach((s, i) => {
      for (const [name, array] of Object.entries(s.arrays)) arrays[stagePrefix(i) + name] = array;
    });
    for (const [name, array] of Object.entries(modelState.arrays)) arrays[MODEL_PREFIX + name] = array;
    const header = ({ kind, version, config }: StageState) => ({ kind, version, config });
    return { kind: KIND, version: 1, config: { stages: stageStates.map(header), model: header(modelState) }, arrays };
  }

  const base: Pipeline = {
    kind: KIND,
    stages,
    model,
    featuresCol,
    transformOne,
    featureStep,
    bindColumns,
    learnOne(x: Row, y: number): void {
      const vector = learnStages(x);
      if (vector !== null) model.learnOne(vector, y);
    },
    learnMany(xs: readonly Row[], ys: ArrayLike<number>, batchLabel?: string): void | LearnReport {
      // The model sees only the records no stage dropped, so positions in its errors count those.
      const { vectors, kept } = transformMany(xs, learnStages);
      const keptLabels = Float64Array.from(kept, (i) => ys[i]);
      return model.learnMany(vectors, keptLabels, batchLabel);
    },
    predictOne(x: Row): number {
      const vector = transformOne(x);
      return vector === null ? NaN : model.predictOne(vector);
    },
    predictMany(xs: readonly Row[], out = new Float64Array(xs.length)): Float64Array {
      if (isRowLearner(model) && predictRowsInPlace(model, rowColumns(xs), (i) => xs[i], out)) return out;
      const { vectors, kept } = transformForPrediction(xs);
      const predictions = model.predictMany(vectors);
      out.fill(NaN, 0, xs.length);
      kept.forEach((i, k) => (out[i] = predictions[k]));
      return out;
    },
    predictColumns(source: ColumnSource, rowAt: (i: number) => Row): Float64Array | undefined {
      const out = new Float64Array(source.length);
      return isRowLearner(model) && predictRowsInPlace(model, source, rowAt, out) ? out : undefined;
    },
    state,
  };
  if (!isClassifier(model)) return base;

  const classes = model.numClasses;
  return {
    ...base,
    model,
    numClasses: classes,
    predictProbaColumns(source: ColumnSource, rowAt: (i: number) => Row): Float64Array | undefined {
      const probabilities = new Float64Array(source.length * classes);
      const applies = isRowLearner(model) && predictRowsInPlace(model, source, rowAt, new Float64Array(source.length), probabilities);
      return applies ? probabilities : undefined;
    },
    predictProbaOne(x: Row, out = new Float64Array(classes)): Float64Array {
      const vector = transformOne(x);
      return vector === null ? out.fill(NaN, 0, classes) : model.predictProbaOne(vector, out);
    },
    predictProbaMany(xs: readonly Row[], out = new Float64Array(xs.length * classes)): Float64Array {
      const { vectors, kept } = transformForPrediction(xs);
      const probabilities = model.predictProbaMany(vectors);
      out.fill(NaN, 0, xs.length * classes);
      kept.forEach((i, k) => out.set(probabilities.subarray(k * classes, (k + 1) * classes), i * classes));
      return out;
    },
  };
}

/** `buffer`, or a larger one (at least doubled) when it holds fewer than `length` numbers: reused from call to call. */
function atLeast(buffer: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  return buffer.length >= length ? buffer : new Float64Array(Math.max(length, 2 * buffer.length));
}

/** A copy of features that live in reused buffers, or null. */
function copyOf(vector: FeatureVector | null): FeatureVector | null {
  if (vector === null) return null;
  return isDenseVector(vector) ? vector.slice() : { ...vector, indices: vector.indices.slice(), values: vector.values.slice() };
}

/**
 * Copies of features that live in reused buffers, for a batch: sparse ones (Int32 indices, Float64 values)
 * packed into one pair of growing arrays and handed out as views once the batch is in, the others copied.
 */
function createFeaturePacker() {
  let indices = new Int32Array(256);
  let values = new Float64Array(256);
  let used = 0;
  // A row is a copy (`vector`) or a range of the packed arrays.
  const rows: { vector?: FeatureVector; start: number; count: number; size: number | undefined }[] = [];
  return {
    add(vector: FeatureVector): void {
      if (isDenseVector(vector) || !(vector.indices instanceof Int32Array && vector.values instanceof Float64Array)) {
        rows.push({ vector: copyOf(vector) as FeatureVector, start: 0, count: 0, size: undefined });
        return;
      }
      const count = vector.indices.length;
      if (used + count > indices.length) {
        const grown = Math.max(used + count, indices.length * 2);
        const grownIndices = new Int32Array(grown);
        grownIndices.set(indices.subarray(0, used));
        const grownValues = new Float64Array(grown);
        grownValues.set(values.subarray(0, used));
        indices = grownIndices;
        values = grownValues;
      }
      indices.set(vector.indices, used);
      values.set(vector.values, used);
      rows.push({ start: used, count, size: (vector as Partial<SizedSparseVector>).size });
      used += count;
    },
    vectors(): FeatureVector[] {
      return rows.map((row) => {
        if (row.vector !== undefined) return row.vector;
        const view = { indices: indices.subarray(row.start, row.start + row.count), values: values.subarray(row.start, row.start + row.count) };
        return row.size === undefined ? view : { size: row.size, ...view };
      });
    },
  };
}

/** Row objects as column forms read them: a raw column is numeric only when every row's cell is a number. */
function rowColumns(xs: readonly Row[]): ColumnSource {
  return {
    length: xs.length,
    numeric(name) {
      const column = new Float64Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        const value = xs[i][name];
        if (typeof value !== 'number') return undefined;
        column[i] = value;
      }
      return column;
    },
    vector: () => undefined,
  };
}

/** The arrays stored under `prefix`, with the prefix removed. */
function arraysUnder(state: LearnerState, prefix: string): Record<string, TypedArray> {
  const arrays: Record<string, TypedArray> = {};
  for (const [name, array] of Object.entries(state.arrays)) {
    if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = array;
  }
  return arrays;
}

interface StateHeader {
  kind: string;
  version: number;
  config: StageState['config'];
}

function readHeader(value: unknown, where: string): StateHeader {
  const candidate = value as Partial<StateHeader> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.kind !== 'string' ||
    typeof candidate.version !== 'number' ||
    typeof candidate.config !== 'object' ||
    candidate.config === null
  ) {
    throw new CheckpointError(`${KIND}: ${where} state header is malformed, got ${describeValue(value)}`);
  }
  return candidate as StateHeader;
}

/** Rebuilds a pipeline, stages and model alike, from `state()`; the model's kind must be registered. */
export function pipelineFromState(state: LearnerState): Pipeline {
  checkKind(state, KIND, 1);
  const { stages, model } = state.config as { stages?: unknown; model?: unknown };
  if (!Array.isArray(stages)) throw new CheckpointError(`${KIND}: config.stages must be an array`);
  const rebuilt = stages.map((s, i) => stageFromState({ ...readHeader(s, `stage ${i}`), arrays: arraysUnder(state, stagePrefix(i)) }));
  const estimator = fromState({ ...readHeader(model, 'model'), arrays: arraysUnder(state, MODEL_PREFIX) });
  return pipeline(...rebuilt, estimator);
}
