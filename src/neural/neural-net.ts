/**
 * `NeuralNet`: a Keras-Sequential-style network behind the estimator contract (see ./net-core), on
 * TensorFlow.js, or on the dense SIMD kernels when it is a plain MLP (see ./engine).
 */

import { CheckpointError, ConfigError, errorMessage } from '../errors';
import type { LearnerState } from '../learners/estimator';
import type { NeuralNetConfig, NormalizedConfig } from './config';
import { normalizeConfig } from './config';
import type { EngineChoice } from './engine';
import type { NeuralClassifier } from './neural-classifier';
import { NeuralClassifierNet } from './neural-classifier';
import type { NeuralRegressor } from './net-core';
import { NEURAL_NET_KIND, NeuralNetCore, STATE_VERSION } from './net-core';
import type { ClassificationLossName, LossName } from './objectives';
import { isClassificationLoss } from './objectives';

export type NeuralNet = NeuralRegressor | NeuralClassifier;

/** How a net is built, as opposed to what it is (its config, which checkpoints store). */
export interface NeuralNetOptions {
  /** Default `'auto'`; see {@link EngineChoice}. */
  engine?: EngineChoice;
}

function build(config: NormalizedConfig, { engine = 'auto' }: NeuralNetOptions = {}): NeuralNetCore {
  if (engine !== 'auto' && engine !== 'tfjs') {
    throw new ConfigError(`NeuralNet: engine must be 'auto' or 'tfjs', got ${JSON.stringify(engine)}`);
  }
  return isClassificationLoss(config.loss) ? new NeuralClassifierNet(config, engine) : new NeuralNetCore(config, engine);
}

/**
 * Builds a net; `initTensorflow()` must have resolved. The loss decides the kind of estimator:
 * a classifier (class-index targets) for the cross-entropies, a regressor for meanSquaredError.
 */
export function createNeuralNet(config: NeuralNetConfig & { loss: ClassificationLossName }, options?: NeuralNetOptions): NeuralClassifier;
export function createNeuralNet(config: NeuralNetConfig & { loss: 'meanSquaredError' }, options?: NeuralNetOptions): NeuralRegressor;
export function createNeuralNet(config: NeuralNetConfig & { loss: LossName }, options?: NeuralNetOptions): NeuralNet;
export function createNeuralNet(config: NeuralNetConfig, options?: NeuralNetOptions): NeuralNet {
  return build(normalizeConfig(config), options);
}

export function neuralNetFromState(state: LearnerState): NeuralNet {
  if (state.kind !== NEURAL_NET_KIND) throw new CheckpointError(`expected a ${NEURAL_NET_KIND} state, got ${state.kind}`);
  if (state.version !== STATE_VERSION) {
    throw new CheckpointError(`${NEURAL_NET_KIND} state version ${state.version} is not supported (expected ${STATE_VERSION})`);
  }
  let config: NormalizedConfig;
  try {
    config = normalizeConfig(state.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CheckpointError(`invalid ${NEURAL_NET_KIND} checkpoint: ${errorMessage(err)}`, { cause: err });
  }
  const net = build(config);
  try {
    net.load(state.arrays);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}
