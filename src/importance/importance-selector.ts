import { CheckpointError, ConfigError, DecodeError, NonFiniteError } from '../errors';
import { columnName, describeValue, distinctOutputs, integerField } from '../features/config';
import { checkKind, restoreArray } from '../features/restore';
import type { Row, Stage, StageState } from '../features/stage';
import { isDenseVector } from '../features/vector';
import type { DenseVector, Estimator, FeatureVector, JsonObject, LearnerState, TypedArray } from '../learners/estimator';
import type { LinearModel } from '../learners/linear-learner';
import { fromState } from '../learners/registry';
import { createCoefficientImportance } from './coefficient-importance';
import type { SmoothingConfig } from './config';
import { vectorFeatures } from './feature-space';
import { createIncrementalPfi } from './incremental-pfi';
import { createSplitGainImportance, type SplitGainModel } from './split-gain-importance';
import type { ImportanceLoss } from './losses';
import type { ReservoirKind } from './reservoir';
import { createSelection, resolveSelectionConfig, type Selection, type SelectionConfig, type SelectionState } from './selection';
import type { FeatureImportance, ImportanceMethod, ScoresState } from './snapshot';

export const IMPORTANCE_SELECTOR_KIND = 'ImportanceSelector';
const KIND = IMPORTANCE_SELECTOR_KIND;
const RANKER_PREFIX = 'ranker/';

/** How the ranker's importances are estimated: iPFI (any ranker), standardized coefficients (linear rankers) or split gains (trees and forests). */
export interface RankerImportanceConfig extends SmoothingConfig {
  /** Default `ipfi`. */
  method?: ImportanceMethod;
  /** iPFI only. */
  loss?: ImportanceLoss;
  /** iPFI only. */
  reservoir?: { kind?: ReservoirKind; size?: number };
  /** iPFI only. */
  innerSamples?: number;
}

export interface ImportanceSelectorConfig extends Omit<SelectionConfig, 'names'> {
  /** A dense vector column. */
  inputCol: string;
  /** The input with every unselected slot set to 0 (the mean, after a standard scaler). Default `selected`. */
  outputCol?: string;
  /** The target the ranker learns, read from each learned record (as Spark's supervised selectors do). */
  labelCol: string;
  /** One name per slot of `inputCol`. */
  features: readonly string[];
  /** The model whose importances rank the features; the stage trains it on `inputCol` and `labelCol`. */
  ranker: Estimator;
  importance?: RankerImportanceConfig;
  /** Learned records between two selection updates. Default 200. */
  refreshEvery?: number;
}

/** A stage whose output keeps the features its ranker finds most important, adapting as the ranking moves. */
export interface ImportanceSelector extends Stage {
  readonly ranker: Estimator;
  readonly importance: FeatureImportance<DenseVector>;
  readonly selection: Selection;
}

interface Restored {
  scores: ScoresState;
  selection: SelectionState;
  rows: number;
}

/**
 * Supervised, online feature selection: each learned record first goes to the importance estimator (so
 * its losses are out-of-sample), then trains the ranker; every `refreshEvery` records the selection
 * follows the ranking, with hysteresis (see `createSelection`). `transform` zeroes the unselected slots
 * and keeps the width, so a downstream learner's inputs never change meaning. Until the ranking has
 * `minSamples` samples every feature passes.
 */
export function createImportanceSelector(config: ImportanceSelectorConfig): ImportanceSelector {
  return buildSelector(config, undefined);
}

function buildSelector(config: ImportanceSelectorConfig, restored: Restored | undefined): ImportanceSelector {
  const inputCol = columnName(KIND, 'inputCol', config.inputCol);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'selected');
  const labelCol = columnName(KIND, 'labelCol', config.labelCol);
  distinctOutputs(KIND, [inputCol, labelCol], [outputCol]);
  if (!Array.isArray(config.features) || config.features.length === 0)
    throw new ConfigError(`${KIND}: features must name each slot of "${inputCol}", got ${describeValue(config.features)}`);
  const names = [...config.features];
  const { topK, threshold, hysteresis, minSamples } = resolveSelectionConfig(KIND, { ...config, names });
  const refreshEvery = integerField(KIND, 'refreshEvery', config.refreshEvery, 200, 1, 2 ** 30);
  const { ranker } = config;
  if (typeof ranker?.learnOne !== 'function' || typeof ranker.state !== 'function')
    throw new ConfigError(`${KIND}: ranker must be an estimator, got ${describeValue(ranker)}`);
  const importanceConfig = config.importance ?? {};
  const importance = createRankerImportance(ranker, names, importanceConfig, restored?.scores);
  const selection = createSelection(
    { names, ...(topK === null ? {} : { topK }), ...(threshold === null ? {} : { threshold }), hysteresis, minSamples },
    restored?.selection,
  );
  let rows = restored?.rows ?? 0;
  const savedConfig = JSON.parse(
    JSON.stringify({ inputCol, outputCol, labelCol, features: names, topK, threshold, hysteresis, minSamples, refreshEvery, importance: importanceConfig }),
  ) as JsonObject;

  function input(row: Row): DenseVector {
    const value = row[inputCol];
    if (!isDenseVector(value) || value.length !== names.length) {
      throw new DecodeError(
        'SCHEMA',
        `${KIND}: column "${inputCol}" must hold a dense vector of ${names.length} features, got ${isDenseVector(value) ? `${value.length} features` : describeValue(value)}`,
      );
    }
    return value;
  }

  function label(row: Row): number {
    const y = row[labelCol];
    if (typeof y !== 'number') throw new DecodeError('SCHEMA', `${KIND}: label column "${labelCol}" holds ${describeValue(y)}, not a number`);
    if (!Number.isFinite(y)) throw new NonFiniteError(`${KIND}: label column "${labelCol}" is ${y}`);
    return y;
  }

  return {
    kind: KIND,
    inputCols: [inputCol, labelCol],
    outputCols: [outputCol],
    ranker,
    importance,
    selection,
    transform(row) {
      const x = input(row);
      const out = new Float64Array(x.length);
      for (let j = 0; j < x.length; j++) if (selection.mask[j] === 1) out[j] = x[j];
      row[outputCol] = out;
      return true;
    },
    learn(row) {
      // The input may be an earlier stage's reused buffer (the fused pass), and iPFI's reservoir keeps it.
      const x = Float64Array.from(input(row));
      const y = label(row);
      importance.update([x], [y]);
      ranker.learnOne(x, y);
      if (++rows % refreshEvery === 0) selection.update(importance.snapshot());
    },
    state(): StageState {
      const rankerState = ranker.state();
      const scores = importance.scores();
      const selected = selection.state();
      const arrays: Record<string, TypedArray> = {
        'importance/means': scores.means,
        'importance/variances': scores.variances,
        'selection/mask': selected.mask,
        counters: Float64Array.of(rows, scores.samples, selected.changes, selected.ranked ? 1 : 0),
      };
      for (const [name, array] of Object.entries(rankerState.arrays)) arrays[RANKER_PREFIX + name] = array;
      const ranked = { kind: rankerState.kind, version: rankerState.version, config: rankerState.config };
      return { kind: KIND, version: 1, config: { ...savedConfig, ranker: ranked }, arrays };
    },
  };
}

function createRankerImportance(
  ranker: Estimator,
  names: string[],
  config: RankerImportanceConfig,
  resume: ScoresState | undefined,
): FeatureImportance<DenseVector> {
  const { method = 'ipfi', loss, reservoir, innerSamples, smoothing, sampleRate, seed } = config;
  const shared = { smoothing, sampleRate, seed, resume };
  if (method === 'ipfi') return createIncrementalPfi<DenseVector>({ model: ranker, features: vectorFeatures(names), loss, reservoir, innerSamples, ...shared });
  if (method === 'coefficients') return createCoefficientImportance<DenseVector>({ model: ranker as unknown as LinearModel, names, ...shared });
  if (method === 'split-gain') return createSplitGainImportance<DenseVector>({ model: ranker as unknown as SplitGainModel, names, ...shared });
  throw new ConfigError(`${KIND}: importance.method must be 'ipfi', 'coefficients' or 'split-gain', got ${describeValue(method)}`);
}

export function importanceSelectorFromState(state: StageState): ImportanceSelector {
  checkKind(state, KIND, 1);
  const { ranker: header, ...config } = state.config as unknown as Omit<ImportanceSelectorConfig, 'ranker'> & { ranker?: Omit<LearnerState, 'arrays'> };
  if (typeof header !== 'object' || header === null) throw new CheckpointError(`${KIND}: the state has no ranker`);
  const rankerArrays: Record<string, TypedArray> = {};
  for (const [name, array] of Object.entries(state.arrays)) if (name.startsWith(RANKER_PREFIX)) rankerArrays[name.slice(RANKER_PREFIX.length)] = array;
  const ranker = fromState<FeatureVector>({ ...header, arrays: rankerArrays });
  const width = Array.isArray(config.features) ? config.features.length : 0;
  const [rows, samples, changes, ranked] = restoreArray(state, 'counters', Float64Array, 4);
  const restored: Restored = {
    scores: {
      means: restoreArray(state, 'importance/means', Float64Array, width),
      variances: restoreArray(state, 'importance/variances', Float64Array, width),
      samples,
    },
    selection: { mask: restoreArray(state, 'selection/mask', Uint8Array, width), changes, ranked: ranked === 1 },
    rows,
  };
  const { topK, threshold, ...rest } = config as { topK?: number | null; threshold?: number | null };
  try {
    return buildSelector(
      { ...(rest as Omit<ImportanceSelectorConfig, 'ranker'>), ...(topK == null ? {} : { topK }), ...(threshold == null ? {} : { threshold }), ranker },
      restored,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new CheckpointError(`invalid ${KIND} state: ${err.message}`, { cause: err });
    throw err;
  }
}
