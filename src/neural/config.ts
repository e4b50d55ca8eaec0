/**
 * A NeuralNet's config: the model as Keras declares it (Sequential layers, then `compile`'s optimizer,
 * loss and metrics) and how it trains on micro-batches.
 */

import { ConfigError } from '../errors';
import { booleanField, choiceField, numberField } from '../learners/config-checks';
import type { LayerSpec } from './layers';
import { normalizeLayer } from './layers';
import type { LossName, MetricName } from './objectives';
import { LOSSES, METRICS, isClassificationLoss } from './objectives';
import type { NormalizedOptimizerSpec, OptimizerSpec } from './optimizers';
import { normalizeOptimizer } from './optimizers';
import type { ReplayConfig } from './replay';
import { normalizeReplay } from './replay';

export interface NeuralNetConfig {
  /** One example's shape without the batch axis, e.g. [64] or [8, 8, 1]; flat inputs are reshaped to it. */
  inputShape: number[];
  /**
   * The last layer is dense: 1 sigmoid unit for binaryCrossentropy, 2 or more softmax units for the
   * categorical losses, 1 unit for meanSquaredError.
   */
  layers: LayerSpec[];
  /** Default `{ type: 'adam' }`. */
  optimizer?: OptimizerSpec;
  loss: LossName;
  /** Reported by `learnOne`/`learnMany` next to the loss; default none. */
  metrics?: MetricName[];
  /** Examples per gradient step; a micro-batch is split into steps of this size. Default 32. */
  batchSize?: number;
  /** Passes over each micro-batch (Keras' `epochs` of one `fit` call). Default 1. */
  epochsPerBatch?: number;
  /** Reshuffles each pass over a micro-batch (and its replayed examples), as Keras' `fit`; default true. */
  shuffle?: boolean;
  /** Mixes past examples into each micro-batch; default off. */
  replay?: ReplayConfig;
  /** Seeds initial weights, dropout masks, shuffling and replay. Default 0. */
  seed?: number;
}

/** Every default filled in: what `state()` stores. */
export interface NormalizedConfig {
  inputShape: number[];
  layers: LayerSpec[];
  optimizer: NormalizedOptimizerSpec;
  loss: LossName;
  metrics: MetricName[];
  batchSize: number;
  epochsPerBatch: number;
  shuffle: boolean;
  replay: ReplayConfig | null;
  seed: number;
}

const OWNER = 'NeuralNet';
const FIELDS = ['inputShape', 'layers', 'optimizer', 'loss', 'metrics', 'batchSize', 'epochsPerBatch', 'shuffle', 'replay', 'seed'];
const MAX_WIDTH = 2 ** 24;

const integerIn =
  (min: number, max: number) =>
  (v: number): boolean =>
    Number.isInteger(v) && v >= min && v <= max;

function integerField(name: string, raw: unknown, fallback: number, max: number): number {
  return numberField(OWNER, name, raw, fallback, integerIn(1, max), `an integer in [1, ${max}]`);
}

function list(raw: unknown, field: string): unknown[] {
  if (!Array.isArray(raw)) throw new ConfigError(`${OWNER}: ${field} must be an array, got ${JSON.stringify(raw)}`);
  return raw;
}

function inputShape(raw: unknown): number[] {
  const dims = list(raw, 'inputShape').map((d, i) => numberField(OWNER, `inputShape[${i}]`, d, 0, integerIn(1, MAX_WIDTH), `an integer in [1, ${MAX_WIDTH}]`));
  if (dims.length === 0 || dims.reduce((a, b) => a * b, 1) > MAX_WIDTH) {
    throw new ConfigError(`${OWNER}: inputShape must have 1 to ${MAX_WIDTH} features in all, got ${JSON.stringify(raw)}`);
  }
  return dims;
}

function layers(raw: unknown, shape: readonly number[]): LayerSpec[] {
  const specs = list(raw, 'layers').map((layer, i) => normalizeLayer(layer, `layers[${i}]`));
  if (specs.length === 0) throw new ConfigError(`${OWNER}: layers must not be empty`);
  const misplaced = specs.findIndex((spec, i) => spec.type === 'embedding' && i > 0);
  if (misplaced > 0) throw new ConfigError(`${OWNER}: layers[${misplaced}]: an embedding must be the first layer`);
  if (specs[0].type === 'embedding' && shape.length !== 1) {
    throw new ConfigError(`${OWNER}: inputShape must be [sequenceLength] for an embedding, got ${JSON.stringify(shape)}`);
  }
  return specs;
}

/** The last layer must produce what the loss scores. */
function checkOutput(specs: readonly LayerSpec[], loss: LossName): void {
  const where = `layers[${specs.length - 1}]`;
  const last = specs[specs.length - 1];
  if (last.type !== 'dense') throw new ConfigError(`${OWNER}: ${where} (the output) must be dense, got ${last.type}`);
  const categorical = isClassificationLoss(loss) && loss !== 'binaryCrossentropy';
  if (categorical ? last.units < 2 : last.units !== 1) {
    const wanted = categorical ? 'at least 2' : '1';
    throw new ConfigError(`${OWNER}: ${where}.units must be ${wanted} for ${loss}, got ${last.units}`);
  }
  const activation = loss === 'binaryCrossentropy' ? 'sigmoid' : categorical ? 'softmax' : last.activation;
  if (last.activation !== activation) {
    throw new ConfigError(`${OWNER}: ${where}.activation must be ${activation} for ${loss}, got ${last.activation}`);
  }
}

function metrics(raw: unknown, loss: LossName): MetricName[] {
  const names = list(raw ?? [], 'metrics').map((m, i) => choiceField(OWNER, `metrics[${i}]`, m, 'accuracy', METRICS));
  const duplicate = names.findIndex((name, i) => names.indexOf(name) !== i);
  if (duplicate >= 0) throw new ConfigError(`${OWNER}: metrics[${duplicate}] repeats ${names[duplicate]}`);
  const misfit = names.indexOf('accuracy');
  if (misfit >= 0 && !isClassificationLoss(loss)) {
    throw new ConfigError(`${OWNER}: metrics[${misfit}] accuracy needs a classification loss, got ${loss}`);
  }
  return names;
}

/** Checks a config (typed, or parsed from a checkpoint's JSON) and fills in its defaults. */
export function normalizeConfig(raw: unknown): NormalizedConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${OWNER}: config must be an object`);
  }
  const config = raw as Record<string, unknown>;
  const unknown = Object.keys(config).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined) {
    throw new ConfigError(`${OWNER}: unknown config field "${unknown}" (fields: ${FIELDS.join(', ')})`);
  }
  const shape = inputShape(config.inputShape);
  const specs = layers(config.layers, shape);
  if (config.loss === undefined) throw new ConfigError(`${OWNER}: loss is required (one of ${LOSSES.join(', ')})`);
  const loss = choiceField(OWNER, 'loss', config.loss, 'meanSquaredError', LOSSES);
  checkOutput(specs, loss);
  return {
    inputShape: shape,
    layers: specs,
    optimizer: normalizeOptimizer(config.optimizer),
    loss,
    metrics: metrics(config.metrics, loss),
    batchSize: integerField('batchSize', config.batchSize, 32, 2 ** 16),
    epochsPerBatch: integerField('epochsPerBatch', config.epochsPerBatch, 1, 1000),
    shuffle: booleanField(OWNER, 'shuffle', config.shuffle, true),
    replay: normalizeReplay(config.replay),
    seed: numberField(OWNER, 'seed', config.seed, 0, integerIn(0, 2 ** 32 - 1), 'an integer in [0, 2^32)'),
  };
}

/** Classes a config predicts: 2 for one sigmoid unit, one per softmax unit; null for a regressor. */
export function classCountOf(config: NormalizedConfig): number | null {
  const last = config.layers[config.layers.length - 1];
  if (!isClassificationLoss(config.loss) || last.type !== 'dense') return null;
  return config.loss === 'binaryCrossentropy' ? 2 : last.units;
}
