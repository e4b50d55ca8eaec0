import type { BatchMode, Estimator, FeatureVector, LinearConfig } from '../../../src/learners';
import { createLinearRegression, createLinearSVM, createLogisticRegression, createSoftmaxRegression } from '../../../src/learners';
import type { LinearRegressionConfig, LinearSVMConfig } from '../../../src/learners';
import type { NeuralNetConfig } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { createRandom } from '../../../src/random';
import {
  createARFClassifier,
  createARFRegressor,
  createHoeffdingAdaptiveTreeClassifier,
  createHoeffdingAdaptiveTreeRegressor,
  createHoeffdingTreeClassifier,
  createHoeffdingTreeRegressor,
} from '../../../src/trees';
import type { TreeConfig } from '../../../src/trees';
import type { ConformanceCase } from './conformance';
import { runConformance } from './conformance';
import { kindExamples } from './kind-examples';
import '../../../src/builtins';
import { fromState, learnerKinds } from '../../../src/learners/registry';
import { sparseVectors } from './fixtures';

const DENSE_D = 6;
const SPARSE_D = 64;
type Overrides = { batchMode?: BatchMode; maxIter?: number };

/** Seeded vectors with a score per vector, from which each case derives its labels. */
function scored(seed: number, n: number, sparse: boolean): { xs: FeatureVector[]; scores: number[] } {
  const rng = createRandom(seed);
  if (sparse) {
    const xs = sparseVectors(seed, n, SPARSE_D, 5);
    return { xs, scores: xs.map((x) => x.values.reduce((sum, v, s) => sum + v * (((x.indices[s] * 7) % 5) - 2), 0.3)) };
  }
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: DENSE_D }, () => rng.gaussian()));
  return { xs, scores: xs.map((x) => x.reduce((sum, v, j) => sum + v * (j - 2.5), 0.5) + 0.1 * rng.gaussian()) };
}

function dataOf(sparse: boolean, label: (score: number) => number) {
  return (seed: number, n: number) => {
    const { xs, scores } = scored(seed, n, sparse);
    return { xs, ys: scores.map(label) };
  };
}

const identity = (score: number): number => score;
const binary = (score: number): number => (score > 0 ? 1 : 0);
const signed = (score: number): number => (score > 0 ? 1 : -1);
const threeClasses = (score: number): number => (score < -1 ? 0 : score < 1 ? 1 : 2);

type CaseMaker<C> = (name: string, sparse: boolean, config: C, supportsMinibatch?: boolean) => ConformanceCase;

/** Cases of one learner: `create` takes the case's config plus the dimension and any overrides. */
function casesOf<C>(
  learner: string,
  create: (config: C & { numFeatures: number } & Overrides) => Estimator,
  label: (score: number) => number,
  invalidLabel?: number,
): CaseMaker<C> {
  return (name, sparse, config, supportsMinibatch = true) => ({
    name: `${learner} ${name}`,
    create: (overrides: Overrides = {}) => create({ ...config, numFeatures: sparse ? SPARSE_D : DENSE_D, ...overrides }),
    data: dataOf(sparse, label),
    invalidLabel,
    supportsMinibatch,
  });
}

/** The linear learners also offer the fused predict-then-learn steps. */
function linear<C>(make: CaseMaker<C>): CaseMaker<C> {
  return (...args) => ({ ...make(...args), fusedSteps: true });
}

const regression = linear(casesOf<Omit<LinearRegressionConfig, 'numFeatures'>>('LinearRegression', createLinearRegression, identity));
const logistic = linear(casesOf<Omit<LinearConfig, 'numFeatures'>>('LogisticRegression', createLogisticRegression, binary, -1));
const svm = linear(casesOf<Omit<LinearSVMConfig, 'numFeatures'>>('LinearSVM', createLinearSVM, signed, 2));
const softmax = linear(
  casesOf<Omit<LinearConfig, 'numFeatures'>>('SoftmaxRegression', (config) => createSoftmaxRegression({ ...config, numClasses: 3 }), threeClasses, 1.5),
);

type NeuralCaseConfig = Omit<NeuralNetConfig, 'inputShape' | 'batchSize' | 'epochsPerBatch' | 'shuffle'>;

/**
 * A NeuralNet under the contract's batch modes: sequential is one example per step in order, minibatch
 * one step per pass over the whole micro-batch; `maxIter` is Keras' epochs per micro-batch.
 */
function neuralNet({ numFeatures, batchMode = 'sequential', maxIter = 1, ...config }: NeuralCaseConfig & { numFeatures: number } & Overrides): Estimator {
  return createNeuralNet({
    ...config,
    inputShape: [numFeatures],
    batchSize: batchMode === 'minibatch' ? 2 ** 16 : 1,
    epochsPerBatch: maxIter,
    shuffle: false,
  });
}

/** Its weights are per layer; the first layer's kernel stands for them. */
const neuralStateOptions = { weightArray: 'layer0/kernel', invalidConfig: { batchSize: 0 } };
const binaryNet = casesOf<NeuralCaseConfig>('NeuralNet', neuralNet, binary, -1);
const softmaxNet = casesOf<NeuralCaseConfig>('NeuralNet', neuralNet, threeClasses, 1.5);

type TreeCaseConfig = Omit<TreeConfig, 'numFeatures'> & Record<string, unknown>;

/**
 * Trees and forests: sequential only, with the fused steps. Their node statistics stand for the weights;
 * a short grace period and a loose δ make them split within the suite's 60 examples.
 */
function tree(
  learner: string,
  create: (config: TreeCaseConfig & { numFeatures: number } & Overrides) => Estimator,
  label: (score: number) => number,
  invalidLabel?: number,
  prefix = '',
) {
  const make = casesOf<TreeCaseConfig>(learner, create, label, invalidLabel);
  return (name: string, sparse: boolean, config: TreeCaseConfig): ConformanceCase => ({
    ...make(name, sparse, { gracePeriod: 10, splitConfidence: 0.01, tieThreshold: 0.5, ...config }, false),
    fusedSteps: true,
    weightArray: `${prefix}nodes.stats`,
    invalidConfig: { gracePeriod: -1 },
  });
}

const hoeffdingBinary = tree('HoeffdingTreeClassifier', (c) => createHoeffdingTreeClassifier({ ...c, numClasses: 2 }), binary, 2);
const hoeffdingThree = tree('HoeffdingTreeClassifier', (c) => createHoeffdingTreeClassifier({ ...c, numClasses: 3 }), threeClasses, 1.5);
const hoeffdingRegressor = tree('HoeffdingTreeRegressor', createHoeffdingTreeRegressor, identity);
const adaptiveTree = tree('HoeffdingAdaptiveTreeClassifier', (c) => createHoeffdingAdaptiveTreeClassifier({ ...c, numClasses: 2 }), binary, -1);
const adaptiveRegressor = tree('HoeffdingAdaptiveTreeRegressor', createHoeffdingAdaptiveTreeRegressor, identity);
const forest = tree('ARFClassifier', (c) => createARFClassifier({ ...c, numClasses: 3, numModels: 3 }), threeClasses, 3, 'tree0/');
const forestRegressor = tree('ARFRegressor', (c) => createARFRegressor({ ...c, numModels: 3 }), identity, undefined, 'tree1/');

/** Every learner, across optimizers, penalties, dense and sparse input, both dtypes. Add new learners here. */
export const conformanceCases: ConformanceCase[] = [
  regression('squared, sgd, dense', false, {}),
  regression('huber, adagrad, elastic net, clipNorm, sparse', true, {
    loss: 'huber',
    epsilon: 1,
    optimizer: { kind: 'adagrad' },
    regParam: 0.01,
    elasticNetParam: 0.5,
    clipNorm: 5,
  }),
  regression('epsilon-insensitive, PA-I, dense', false, { loss: 'epsilonInsensitive', optimizer: { kind: 'sgd', schedule: 'pa1' } }, false),
  regression('squared, normalized, L2, sparse, float32', true, { optimizer: { kind: 'normalized' }, regParam: 0.01, dtype: 'float32' }, false),
  regression('squared, ftrl, L1, dense', false, { optimizer: { kind: 'ftrl' }, regParam: 0.1, elasticNetParam: 1 }),
  regression('squared, adam, no intercept, dense', false, { optimizer: { kind: 'adam' }, fitIntercept: false, stepSize: 0.05 }),
  logistic('sgd optimal, L2, sparse', true, { optimizer: { kind: 'sgd', schedule: 'optimal' }, regParam: 0.01 }),
  logistic('adam, clipValue, dense, float32', false, { optimizer: { kind: 'adam' }, clipValue: 0.5, dtype: 'float32' }),
  logistic('normalized, L1, dense', false, { optimizer: { kind: 'normalized' }, regParam: 0.01, elasticNetParam: 1 }, false),
  svm('hinge, PA-II, sparse', true, { optimizer: { kind: 'sgd', schedule: 'pa2' } }, false),
  svm('squared hinge, sgd invscaling, dense', false, { loss: 'squaredHinge', optimizer: { kind: 'sgd', schedule: 'invscaling' }, stepSize: 0.1 }),
  softmax('sgd, dense', false, { stepSize: 0.1 }),
  softmax('adagrad, elastic net, sparse', true, { optimizer: { kind: 'adagrad' }, regParam: 0.01, elasticNetParam: 0.7 }),
  softmax('ftrl, sparse, float32', true, { optimizer: { kind: 'ftrl' }, dtype: 'float32' }),
  softmax('normalized, dense', false, { optimizer: { kind: 'normalized' } }, false),
  hoeffdingBinary('info gain, Gaussian observers, adaptive naive Bayes, dense', false, {}),
  hoeffdingThree('gini, histogram observers, naive Bayes, sparse', true, {
    splitCriterion: 'gini',
    numericObserver: 'histogram',
    leafPrediction: 'naiveBayes',
  }),
  hoeffdingThree('majority class, depth 2, dense', false, { leafPrediction: 'majorityClass', maxDepth: 2 }),
  hoeffdingRegressor('adaptive leaves, dense', false, {}),
  hoeffdingRegressor('model leaves, sparse', true, { leafPrediction: 'model' }),
  adaptiveTree('dense', false, {}),
  adaptiveRegressor('model leaves, sparse', true, { leafPrediction: 'model' }),
  forest('3 trees, dense', false, { seed: 5 }),
  forestRegressor('3 trees, mean, sparse', true, { seed: 6, aggregation: 'mean' }),
  {
    ...binaryNet('sigmoid, adam, dense', false, {
      layers: [
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
      optimizer: { type: 'adam', learningRate: 0.01 },
      seed: 3,
    }),
    ...neuralStateOptions,
  },
  {
    ...softmaxNet('softmax, rmsprop, global clipnorm, sparse', true, {
      layers: [
        { type: 'dense', units: 8, activation: 'tanh' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      loss: 'sparseCategoricalCrossentropy',
      optimizer: { type: 'rmsprop', learningRate: 0.01, globalClipNorm: 1 },
      seed: 4,
    }),
    ...neuralStateOptions,
  },
];

// NeuralNet needs a TensorFlow.js backend before it is built.
beforeAll(async () => {
  await initTensorflow();
});

runConformance(conformanceCases);

/**
 * Driven from the registry: every registered kind (src/builtins.ts) has a conformance case above or an
 * example in ./kind-examples, so a kind is checked the moment it is registered, and fails until it is.
 */
describe('every registered learner kind is checked', () => {
  // Built inside the tests: a NeuralNet can be created only once beforeAll has initialised TensorFlow.js.
  const covered = (): Set<string> => new Set([...conformanceCases.map((spec) => spec.create().kind), ...kindExamples.map((example) => example.kind)]);

  test.each(learnerKinds())('%s has a conformance case or an example', (kind) => {
    if (!covered().has(kind))
      throw new Error(`learner kind '${kind}' is registered but has no conformance case (conformance.test.ts) nor example (kind-examples.ts)`);
  });

  test.each(kindExamples.map((e) => [e.name, e] as const))('%s: the example is of its kind and survives a checkpoint round trip', (_name, example) => {
    const model = example.create();
    expect(model.kind).toBe(example.kind);
    const train = example.data(1, 80);
    const holdout = example.data(2, 20);
    model.learnMany(train.xs, train.ys);
    const state = model.state();
    const stored = { ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })), arrays: state.arrays };
    const restored = fromState<(typeof holdout.xs)[number]>(stored);
    expect(restored.kind).toBe(example.kind);
    expect(Array.from(restored.predictMany(holdout.xs))).toEqual(Array.from(model.predictMany(holdout.xs)));
    const more = example.data(3, 30);
    model.learnMany(more.xs, more.ys);
    restored.learnMany(more.xs, more.ys);
    expect(Array.from(restored.predictMany(holdout.xs))).toEqual(Array.from(model.predictMany(holdout.xs)));
  });
});
