import { ConfigError } from '../errors';
import { describeValue } from '../features/config';
import { createRandom } from '../random';
import { sampleRateField, seedField, smoothingField, type SmoothingConfig } from './config';
import { sampledUpdate } from './reservoir';
import { createSmoothedScores } from './smoothed-scores';
import { rankScores, type FeatureImportance, type ScoresState } from './snapshot';

const OWNER = 'SplitGainImportance';
/**
 * A sample walks every node of every tree (a forest of 10 trees of a few hundred nodes: a few µs, about
 * one forest update): one in 100 examples keeps that under a few percent of training.
 */
const DEFAULT_SAMPLE_RATE = 0.01;

/** A tree or forest that reports mean-decrease-in-impurity importances (src/trees: every tree kind and ARF). */
export interface SplitGainModel {
  /** One value per model input, normalised to sum 1 (all 0 before the first split). */
  featureImportances(): Float64Array;
}

export interface SplitGainImportanceConfig extends SmoothingConfig {
  model: SplitGainModel;
  /** One name per model input; default `x0`, `x1`, … */
  names?: readonly string[];
  resume?: ScoresState;
}

export function isSplitGainModel(model: unknown): model is SplitGainModel {
  return typeof (model as Partial<SplitGainModel> | null)?.featureImportances === 'function';
}

/**
 * Split-gain (MDI) importance of a tree or forest, in the same smoothed form as iPFI and coefficients:
 * each sampled example folds the model's current normalised split gains into the scores, so a ranking
 * that moves as trees grow, split and are replaced after drift shows as variance. It reads the model
 * only; the examples merely pace the sampling (their values are not used).
 */
export function createSplitGainImportance<X = unknown>(config: SplitGainImportanceConfig): FeatureImportance<X> {
  const { model } = config;
  if (!isSplitGainModel(model)) throw new ConfigError(`${OWNER}: model must report featureImportances() (a tree or forest), got ${describeValue(model)}`);
  const width = model.featureImportances().length;
  const names = config.names ?? Array.from({ length: width }, (_, j) => `x${j}`);
  if (names.length !== width) throw new ConfigError(`${OWNER}: ${names.length} names for a model of ${width} features`);
  const smoothing = smoothingField(OWNER, config.smoothing);
  const sampleRate = sampleRateField(OWNER, config.sampleRate, DEFAULT_SAMPLE_RATE);
  const random = createRandom(seedField(OWNER, config.seed) + (config.resume?.samples ?? 0));
  const scores = createSmoothedScores(width, smoothing, config.resume);
  return {
    method: 'split-gain',
    names,
    sampleRate,
    update: sampledUpdate<X>(OWNER, random, sampleRate, () => scores.update(model.featureImportances())),
    scores: () => scores.state(),
    snapshot: () => rankScores('split-gain', names, scores.state(), smoothing),
  };
}
