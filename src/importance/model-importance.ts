import { ConfigError } from '../errors';
import type { Pipeline } from '../features/pipeline';
import type { Row } from '../features/stage';
import type { Estimator } from '../learners/estimator';
import { rowFeatures, type FeatureList } from './feature-space';
import { IMPORTANCE_SELECTOR_KIND, type ImportanceSelector } from './importance-selector';
import { createIncrementalPfi, type IncrementalPfiConfig } from './incremental-pfi';
import { scoresFromSnapshot } from './publish';
import { createSplitGainImportance, isSplitGainModel } from './split-gain-importance';
import type { SmoothingConfig } from './config';
import type { Examples, ImportanceSnapshot } from './snapshot';

/**
 * What a topology runtime needs from a model's importance: a hook for each micro-batch, called after the
 * batch is scored and before the model learns it, and the snapshot to publish with each checkpoint.
 */
export interface ModelImportance {
  beforeLearn(rows: Examples<Row>, ys: ArrayLike<number>): void;
  snapshot(): ImportanceSnapshot;
}

export interface PipelineImportanceConfig extends Omit<IncrementalPfiConfig<Row>, 'model' | 'features' | 'resume'> {
  /** Raw columns of the records, or named groups of them (e.g. all the fields hashed into one space). */
  features: FeatureList<string>;
  /** A snapshot to continue from, e.g. `readImportanceExtra(manifest)` of the checkpoint the model was restored from. */
  resume?: ImportanceSnapshot | null;
}

/** iPFI of a model of raw records (a pipeline, typically) over its columns: model-agnostic, whatever the stages and model. */
export function pipelineImportance(model: Estimator<Row>, config: PipelineImportanceConfig): ModelImportance & { readonly sampleRate: number } {
  const { resume, features, ...rest } = config;
  const space = rowFeatures(features);
  const pfi = createIncrementalPfi<Row>({ ...rest, model, features: space, ...(resume ? { resume: scoresFromSnapshot(space.names, resume) } : {}) });
  return { beforeLearn: (rows, ys) => pfi.update(rows, ys), snapshot: () => pfi.snapshot(), sampleRate: pfi.sampleRate };
}

/**
 * The ranking of a pipeline's `ImportanceSelector` stage. The stage updates it as the pipeline learns
 * (and restores it with the pipeline), so there is nothing to do before learning.
 */
export function selectorImportance(model: Estimator<Row>): ModelImportance {
  const stages = (model as Partial<Pipeline>).stages;
  if (!Array.isArray(stages)) throw new ConfigError(`selectorImportance: the model is a ${model.kind}, not a pipeline`);
  const selector = stages.find((stage): stage is ImportanceSelector => stage.kind === IMPORTANCE_SELECTOR_KIND);
  if (selector === undefined)
    throw new ConfigError(`selectorImportance: the pipeline has no ImportanceSelector stage (stages: ${stages.map((stage) => stage.kind).join(', ')})`);
  return { beforeLearn: () => undefined, snapshot: () => selector.importance.snapshot() };
}

/**
 * Split-gain (MDI) importance of a pipeline whose final estimator is a tree or forest, over the names of
 * that estimator's inputs (e.g. the assembled columns), published like iPFI with each checkpoint.
 */
export function splitGainImportance(
  model: Estimator<Row>,
  config: SmoothingConfig & { features: readonly string[]; resume?: ImportanceSnapshot | null },
): ModelImportance {
  const inner = (model as Partial<Pipeline>).model ?? model;
  if (!isSplitGainModel(inner)) throw new ConfigError(`splitGainImportance: the model is a ${inner.kind}, not a tree or forest (no featureImportances())`);
  const { resume, features, ...rest } = config;
  const importance = createSplitGainImportance<Row>({
    ...rest,
    model: inner,
    names: features,
    ...(resume ? { resume: scoresFromSnapshot(features, resume) } : {}),
  });
  return { beforeLearn: (rows, ys) => importance.update(rows, ys), snapshot: () => importance.snapshot() };
}
