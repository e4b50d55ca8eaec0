/** Neural nets on TensorFlow.js, plain MLPs on WebAssembly SIMD kernels; importing this module registers `NeuralNet` with `fromState`. */
export { initTensorflow, BACKEND_ENV } from './tensorflow';
export type { BackendName } from './tensorflow';
export { createNeuralNet, neuralNetFromState } from './neural-net';
export type { NeuralNet, NeuralNetOptions } from './neural-net';
export type { EngineChoice, EngineName } from './engine';
export { NEURAL_NET_KIND } from './net-core';
export type { NeuralRegressor, TrainReport } from './net-core';
export type { NeuralClassifier } from './neural-classifier';
export type { NeuralNetConfig } from './config';
export type {
  Activation,
  BatchNormalizationArgs,
  Conv2DArgs,
  DenseArgs,
  DropoutArgs,
  EmbeddingArgs,
  LayerSpec,
  MaxPooling2DArgs,
  Padding,
  Size2D,
} from './layers';
export type { AdamArgs, OptimizerSpec, RmspropArgs, SgdArgs } from './optimizers';
export type { ClassificationLossName, LossName, MetricName } from './objectives';
export type { ReplayConfig } from './replay';
