/**
 * Every built-in kind, registered in one place: learners, feature stages and metrics. Loaded by the
 * entry point (src/index.ts), restore, subscribe, serving and the CLI, so that any checkpoint a
 * topology publishes can be rebuilt anywhere. A new built-in kind is one line here; the conformance
 * suite (test/unit/learners/conformance.test.ts) then checks it, and fails until it has an example.
 *
 * NeuralNet is registered lazily: its module (and TensorFlow.js, ~10 MB of JavaScript) is loaded only
 * when a NeuralNet state is restored, so a linear consumer never loads it. Its `setup` chooses the
 * TensorFlow.js backend, which is asynchronous: `restoreModel`, `subscribeModel`, serving and the
 * runtime await it; a direct `fromState` of a NeuralNet needs `await initTensorflow()` first.
 */
import { additiveMetricFromState, type AdditiveSpec } from './evaluation/additive-metric';
import { ACCURACY, CROSS_ENTROPY, F1, LOG_LOSS } from './evaluation/classification-metrics';
import { ConfigError, errorMessage } from './errors';
import { registerMetric } from './evaluation/registry';
import { MAE, R2, RMSE } from './evaluation/regression-metrics';
import { rocAucFromState } from './evaluation/roc-auc';
import { featureHasherFromState } from './features/feature-hasher';
import { hashingTokenizerFromState } from './features/hashing-tokenizer';
import { imputerFromState } from './features/imputer';
import { hashedCrossesFromState } from './features/hashed-crosses';
import { interactionsFromState } from './features/interactions';
import { oneHotEncoderFromState } from './features/one-hot-encoder';
import { pipelineFromState } from './features/pipeline';
import { registerStage } from './features/registry';
import { standardScalerFromState } from './features/standard-scaler';
import {
  carryLabelIndexedState,
  carryPipelineState,
  carryStandardScalerState,
  carryStatelessStage,
  mergeLabelIndexedStates,
  mergePipelineStates,
  mergeStandardScalerStates,
  mergeStatelessStage,
} from './features/stage-merge';
import { vectorAssemblerFromState } from './features/vector-assembler';
import { IMPORTANCE_SELECTOR_KIND, importanceSelectorFromState } from './importance/importance-selector';
import { LABEL_INDEXED_KIND, labelIndexedFromState } from './learners/label-indexer';
import { linearRegressionFromState } from './learners/linear-regression';
import { carryLinearState, mergeLinearStates } from './learners/linear-merge';
import { registerCarry, registerMerge } from './learners/merge';
import { linearSVMFromState } from './learners/linear-svm';
import { logisticRegressionFromState } from './learners/logistic-regression';
import { carryNeuralNetState, mergeNeuralNetStates } from './neural/neural-merge';
import { registerLearner } from './learners/registry';
import { softmaxRegressionFromState } from './learners/softmax-regression';
import { biasedMFFromState } from './reco/biased-mf';
import { bprMFFromState } from './reco/bpr-mf';
import { mergeBiasedMFStates, mergeBprMFStates, mergeFactorizationMachineStates, mergePopularityStates } from './reco/reco-merge';
import { factorizationMachineFromState } from './reco/factorization-machine';
import { popularityFromState } from './reco/popularity';
import { arfClassifierFromState, arfRegressorFromState } from './trees/adaptive-random-forest';
import { hoeffdingAdaptiveTreeFromState, hoeffdingAdaptiveTreeRegressorFromState } from './trees/hoeffding-adaptive-tree';
import { hoeffdingTreeClassifierFromState } from './trees/hoeffding-tree-classifier';
import { hoeffdingTreeRegressorFromState } from './trees/hoeffding-tree-regressor';

/** The kind NeuralNet states carry; equal to `NEURAL_NET_KIND` (checked by a test), spelled out to avoid loading the module. */
export const NEURAL_NET = 'NeuralNet';

type NeuralModule = typeof import('./neural/neural-net');
type TensorflowModule = typeof import('./neural/tensorflow');

/** Loads a neural module on first use; TensorFlow.js is an optional peer dependency, so say what to install. */
function neural<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND' || !errorMessage(err).includes('@tensorflow/')) throw err;
    throw new ConfigError(
      `${NEURAL_NET} needs TensorFlow.js: npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm (${errorMessage(err).split('\n')[0]})`,
      { cause: err },
    );
  }
}

registerLearner('LinearRegression', linearRegressionFromState);
registerLearner('LogisticRegression', logisticRegressionFromState);
registerLearner('SoftmaxRegression', softmaxRegressionFromState);
registerLearner('LinearSVM', linearSVMFromState);
registerLearner('Pipeline', pipelineFromState);
registerLearner(LABEL_INDEXED_KIND, labelIndexedFromState);
registerLearner('BiasedMF', biasedMFFromState);
registerLearner('BprMF', bprMFFromState);
registerLearner('FactorizationMachine', factorizationMachineFromState);
registerLearner('Popularity', popularityFromState);
registerLearner('HoeffdingTreeClassifier', hoeffdingTreeClassifierFromState);
registerLearner('HoeffdingTreeRegressor', hoeffdingTreeRegressorFromState);
registerLearner('HoeffdingAdaptiveTreeClassifier', hoeffdingAdaptiveTreeFromState);
registerLearner('HoeffdingAdaptiveTreeRegressor', hoeffdingAdaptiveTreeRegressorFromState);
registerLearner('ARFClassifier', arfClassifierFromState);
registerLearner('ARFRegressor', arfRegressorFromState);
// require, not import(): fromState is synchronous, and this file compiles to CommonJS.
registerLearner(NEURAL_NET, (state) => neural(() => require('./neural/neural-net') as NeuralModule).neuralNetFromState(state), {
  setup: () => neural(() => require('./neural/tensorflow') as TensorflowModule).initTensorflow(),
});

registerStage('VectorAssembler', vectorAssemblerFromState);
registerStage('StandardScaler', standardScalerFromState);
registerStage('OneHotEncoder', oneHotEncoderFromState);
registerStage('FeatureHasher', featureHasherFromState);
registerStage('HashingTokenizer', hashingTokenizerFromState);
registerStage('Imputer', imputerFromState);
registerStage('Interactions', interactionsFromState);
registerStage('HashedCrosses', hashedCrossesFromState);
registerStage(IMPORTANCE_SELECTOR_KIND, importanceSelectorFromState);

// Model mixing (docs/scale-out.md): kinds several workers can share. Trees, forests and the stateful
// stages not listed here have no merge, so a shared model of theirs refuses a second worker. The NeuralNet
// merge works on checkpoint arrays only: registering it loads no TensorFlow.js.
['LinearRegression', 'LogisticRegression', 'SoftmaxRegression', 'LinearSVM'].forEach((kind) => registerMerge(kind, mergeLinearStates));
registerMerge(NEURAL_NET, mergeNeuralNetStates);
registerMerge('BiasedMF', mergeBiasedMFStates);
registerMerge('BprMF', mergeBprMFStates);
registerMerge('FactorizationMachine', mergeFactorizationMachineStates);
registerMerge('Popularity', mergePopularityStates);
registerMerge('Pipeline', mergePipelineStates);
registerMerge(LABEL_INDEXED_KIND, mergeLabelIndexedStates);
registerMerge('StandardScaler', mergeStandardScalerStates);
['VectorAssembler', 'FeatureHasher', 'HashingTokenizer', 'Interactions', 'HashedCrosses'].forEach((kind) => registerMerge(kind, mergeStatelessStage));
// Carrying a worker's progress since its contribution onto the merged version as a difference of parameters;
// kinds not listed (the recommenders) learn those records again instead.
['LinearRegression', 'LogisticRegression', 'SoftmaxRegression', 'LinearSVM'].forEach((kind) => registerCarry(kind, carryLinearState));
['VectorAssembler', 'FeatureHasher', 'HashingTokenizer', 'Interactions', 'HashedCrosses'].forEach((kind) => registerCarry(kind, carryStatelessStage));
registerCarry('StandardScaler', carryStandardScalerState);
registerCarry('Pipeline', carryPipelineState);
registerCarry(LABEL_INDEXED_KIND, carryLabelIndexedState);
registerCarry(NEURAL_NET, carryNeuralNetState);

const additive = (spec: AdditiveSpec) => registerMetric(spec.kind, (state) => additiveMetricFromState(spec, state));
[ACCURACY, LOG_LOSS, CROSS_ENTROPY, F1, MAE, RMSE, R2].forEach(additive);
registerMetric('ROCAUC', rocAucFromState);
