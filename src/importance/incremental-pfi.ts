import { DecodeError, errorMessage } from '../errors';
import { integerField } from '../features/config';
import type { CategoryColumn, ColumnSource } from '../features/column-form';
import type { ClassifierPipeline, Pipeline } from '../features/pipeline';
import type { Estimator } from '../learners/estimator';
import { createRandom } from '../random';
import { reservoirFields, sampleRateField, seedField, smoothingField, type SmoothingConfig } from './config';
import type { FeatureSpace } from './feature-space';
import { logLosses, pointwiseLosses, predictionLosses, resolveLoss, type ImportanceLoss } from './losses';
import { createReservoir, geometricGap, type ReservoirKind } from './reservoir';
import { createSmoothedScores } from './smoothed-scores';
import { rankScores, type FeatureImportance, type ScoresState } from './snapshot';

const OWNER = 'IncrementalPFI';
/**
 * Model evaluations per observed example that the default sample rate spends: a sampled example costs
 * 1 + features × innerSamples predictions, so the rate shrinks as features are added and the cost
 * stays a small fraction of test-then-train (see the importance bench for what it comes to).
 */
const DEFAULT_EVALUATIONS_PER_EXAMPLE = 0.05;

export interface IncrementalPfiConfig<X> extends SmoothingConfig {
  /** Any estimator: a linear model, a NeuralNet, a pipeline of raw records. */
  model: Estimator<X>;
  /** The features (or groups) to rank and how to swap one of them between examples. */
  features: FeatureSpace<X>;
  /** Default: `log` for classifiers, `squared` for regressors. */
  loss?: ImportanceLoss;
  /** Where replacement values come from. Default geometric (recent examples), 100 examples, as ixai. */
  reservoir?: { kind?: ReservoirKind; size?: number };
  /** Replacements drawn per feature and sampled example, their losses averaged. Default 1. */
  innerSamples?: number;
  /** Scores to continue from, e.g. from a checkpoint. */
  resume?: ScoresState;
}

export interface IncrementalPfi<X> extends FeatureImportance<X> {
  readonly loss: ImportanceLoss;
}

/**
 * Incremental permutation feature importance (iPFI; Fumagalli, Muschalik, Hüllermeier, Hammer,
 * Machine Learning 2023), model-agnostic. Each example is sampled with probability `sampleRate`; for a
 * sampled one, each feature in turn takes the value of a random reservoir example, and the increase of
 * the loss over the unchanged example is that feature's sample. Samples are exponentially smoothed (mean
 * and variance per feature). Every example then enters the reservoir. The model is only asked for
 * predictions, all of a micro-batch's in one call.
 */
export function createIncrementalPfi<X>(config: IncrementalPfiConfig<X>): IncrementalPfi<X> {
  const { model, features } = config;
  const loss = resolveLoss(OWNER, model, config.loss);
  const smoothing = smoothingField(OWNER, config.smoothing);
  const { kind, size } = reservoirFields(OWNER, config.reservoir);
  const innerSamples = integerField(OWNER, 'innerSamples', config.innerSamples, 1, 1, 1000);
  const groups = features.names.length;
  const perExample = 1 + groups * innerSamples;
  const sampleRate = sampleRateField(OWNER, config.sampleRate, Math.min(1, DEFAULT_EVALUATIONS_PER_EXAMPLE / perExample));
  const random = createRandom(seedField(OWNER, config.seed) + (config.resume?.samples ?? 0));
  const reservoir = createReservoir<X>(kind, size, random);
  const scores = createSmoothedScores(groups, smoothing, config.resume);
  const sample = new Float64Array(groups);
  /** Examples to pass over before the next sampled one. */
  let untilSample = geometricGap(random, sampleRate);

  const evaluation = createEvaluationBatch(model, features, loss);

  /** Appends the example and its `groups × innerSamples` replacements to the evaluation batch. */
  function perturb(x: X, ys: ArrayLike<number>, i: number): void {
    evaluation.add(x, undefined, -1, ys, i);
    for (let g = 0; g < groups; g++) {
      for (let s = 0; s < innerSamples; s++) {
        try {
          evaluation.add(x, reservoir.pick(), g, ys, i);
        } catch (err) {
          throw new DecodeError('SCHEMA', `${OWNER}: example ${i} of the batch: ${errorMessage(err)}`, { cause: err });
        }
      }
    }
  }

  function fold(losses: Float64Array, start: number): void {
    const original = losses[start];
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      for (let s = 0; s < innerSamples; s++) sum += losses[start + 1 + g * innerSamples + s];
      sample[g] = sum / innerSamples - original;
    }
    // A record a pipeline drops, or a label the model cannot score, says nothing about importance.
    if (sample.every(Number.isFinite)) scores.update(sample);
  }

  return {
    method: 'ipfi',
    names: features.names,
    loss,
    sampleRate,
    update(xs, ys) {
      if (xs.length !== ys.length) throw new DecodeError('SCHEMA', `${OWNER}: ${xs.length} examples but ${ys.length} labels`);
      evaluation.clear();
      for (let i = 0; i < xs.length; i++) {
        // Examples neither sampled nor kept (most of them), passed over in one step with the counters
        // moved as one by one: the per-example loop was ~2% of the Arrow trainer's CPU.
        const idle = Math.min(untilSample, reservoir.refusing(), xs.length - i);
        if (idle > 0) {
          untilSample -= idle;
          reservoir.pass(idle);
          i += idle - 1;
          continue;
        }
        if (untilSample > 0) {
          untilSample--;
        } else {
          if (reservoir.length > 0) perturb(xs.at(i) as X, ys, i);
          untilSample = geometricGap(random, sampleRate);
        }
        // Read only when kept: on the column path an example is made when asked for.
        if (reservoir.wants()) reservoir.keep(xs.at(i) as X);
      }
      if (evaluation.length() === 0) return;
      const losses = evaluation.losses();
      for (let start = 0; start < losses.length; start += perExample) fold(losses, start);
    },
    scores: () => scores.state(),
    snapshot: () => rankScores('ipfi', features.names, scores.state(), smoothing),
  };
}

/**
 * iPFI's evaluation batch: each example unchanged (`group` -1) or with a group taken from a donor. Where the
 * feature space can tell a perturbed example's cells (`cell`) and the model is a pipeline that predicts from
 * columns (for the `log` loss: probabilities, `predictProbaColumns`), no perturbed example is made: the
 * pipeline reads its columns, cell by cell from the example and its donor (the same numbers and strings, so
 * the same predictions). Each perturbed row was a copy of the example (`{...x}` boxes every double): ~16 MB
 * of garbage per 1M Arrow rows; ctr-logistic's (log loss, strings) took the rows and ~30 B per event.
 * Otherwise each perturbed example is made at once, as before (`replace` may throw: the caller names it).
 */
function createEvaluationBatch<X>(model: Estimator<X>, features: FeatureSpace<X>, loss: ImportanceLoss) {
  const cell = features.cell;
  const predictsColumns = loss === 'log' ? 'predictProbaColumns' : 'predictColumns';
  const columnar = cell !== undefined && typeof (model as Partial<ClassifierPipeline>)[predictsColumns] === 'function';
  // Written by position up to `count` and kept from batch to batch (`length = 0` would drop their storage).
  const bases: X[] = [];
  const donors: (X | undefined)[] = [];
  const groupOf: number[] = [];
  let labels = new Float64Array(64);
  let count = 0;
  const rowAt = (k: number): X => (groupOf[k] < 0 ? bases[k] : features.replace(bases[k], donors[k] as X, groupOf[k]));
  const cellAt = (k: number, name: string): unknown =>
    groupOf[k] < 0 ? (bases[k] as Record<string, unknown>)[name] : (cell as NonNullable<typeof cell>)(bases[k], donors[k] as X, groupOf[k], name);
  const categoryCells = new Map<string, { ids: Int32Array; numbers: Float64Array }>();
  const source: ColumnSource = {
    get length() {
      return count;
    },
    numeric(name) {
      const column = new Float64Array(count);
      for (let k = 0; k < count; k++) {
        const value = cellAt(k, name);
        if (typeof value !== 'number') return undefined;
        column[k] = value;
      }
      return column;
    },
    vector: () => undefined,
    /**
     * A column of strings and numbers as a hasher's kernel reads JSON's (ctr-logistic's perturbed events);
     * any other cell is neither (id -1, NaN), and its row takes the row form. Its arrays are reused from batch
     * to batch, by column: a kernel reads rows below `count` only.
     */
    categories(name): CategoryColumn {
      let cells = categoryCells.get(name);
      if (cells === undefined || cells.ids.length < count)
        categoryCells.set(name, (cells = { ids: new Int32Array(2 * count), numbers: new Float64Array(2 * count) }));
      const strings: string[] = [];
      for (let k = 0; k < count; k++) {
        const value = cellAt(k, name);
        // An example and its perturbed copies follow each other, and each copy differs in one group only: a
        // string equal to the one before shares its id (ctr: ~1 string per 10 rows, each hashed once).
        if (typeof value === 'string' && value !== strings[strings.length - 1]) strings.push(value);
        cells.ids[k] = typeof value === 'string' ? strings.length - 1 : -1;
        cells.numbers[k] = typeof value === 'number' ? value : NaN;
      }
      return { ids: cells.ids, numbers: cells.numbers, strings };
    },
  };
  return {
    length: () => count,
    clear(): void {
      count = 0;
    },
    /** Example `x` (label `ys[i]`: a label passed as a number was boxed) unchanged, or with `group` from `donor`. */
    add(x: X, donor: X | undefined, group: number, ys: ArrayLike<number>, i: number): void {
      const made = columnar || donor === undefined ? x : features.replace(x, donor, group);
      if (count === labels.length) {
        const grown = new Float64Array(2 * count);
        grown.set(labels);
        labels = grown;
      }
      bases[count] = made;
      donors[count] = columnar ? donor : undefined;
      groupOf[count] = columnar ? group : -1;
      labels[count] = ys[i];
      count++;
    },
    losses(): Float64Array {
      const ys = labels.subarray(0, count);
      if (columnar) {
        const rows = rowAt as unknown as (k: number) => Record<string, unknown>;
        if (loss === 'log') {
          const classifier = model as unknown as ClassifierPipeline;
          const probabilities = classifier.predictProbaColumns(source, rows);
          if (probabilities !== undefined) return logLosses(probabilities, classifier.numClasses, ys);
        } else {
          const predictions = (model as unknown as Pipeline).predictColumns(source, rows);
          if (predictions !== undefined) return predictionLosses(loss, predictions, ys);
        }
      }
      return pointwiseLosses(
        model,
        loss,
        Array.from({ length: count }, (_, k) => rowAt(k)),
        ys,
      );
    },
  };
}
