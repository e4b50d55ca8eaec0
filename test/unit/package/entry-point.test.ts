/**
 * The public entry point: importing 'streamlearn' registers every built-in kind and does not load
 * TensorFlow.js; a NeuralNet checkpoint still restores through it, loading the neural module on demand.
 */

/** Fails any test that loads TensorFlow.js: jest calls a mock factory only when the module is required. */
function forbidTensorflow(): void {
  jest.doMock('@tensorflow/tfjs', () => {
    throw new Error('@tensorflow/tfjs was loaded');
  });
  jest.doMock('@tensorflow/tfjs-backend-wasm', () => {
    throw new Error('@tensorflow/tfjs-backend-wasm was loaded');
  });
}

afterEach(() => {
  jest.restoreAllMocks();
  jest.dontMock('@tensorflow/tfjs');
  jest.dontMock('@tensorflow/tfjs-backend-wasm');
  jest.resetModules();
});

test("importing 'streamlearn' does not load TensorFlow.js, and a linear learner round-trips", () => {
  forbidTensorflow();
  jest.isolateModules(() => {
    const streamlearn = require('streamlearn') as typeof import('streamlearn');
    const model = streamlearn.createLinearRegression({ numFeatures: 2 });
    model.learnOne(Float64Array.of(1, 2), 3);
    const restored = streamlearn.fromState(model.state());
    expect(restored.predictOne(Float64Array.of(1, 2))).toBe(model.predictOne(Float64Array.of(1, 2)));
  });
});

test("importing 'streamlearn/neural' does load it (the check above can fail)", () => {
  forbidTensorflow();
  jest.isolateModules(() => {
    expect(() => require('streamlearn/neural')).toThrow('@tensorflow/tfjs was loaded');
  });
});

test('the entry point registers every built-in learner, stage and metric kind', () => {
  const streamlearn = require('streamlearn') as typeof import('streamlearn');
  expect(streamlearn.learnerKinds()).toEqual(
    expect.arrayContaining([
      'LinearRegression',
      'LogisticRegression',
      'SoftmaxRegression',
      'LinearSVM',
      'Pipeline',
      'NeuralNet',
      'BiasedMF',
      'BprMF',
      'FactorizationMachine',
      'Popularity',
    ]),
  );
  expect(streamlearn.stageKinds()).toEqual(
    expect.arrayContaining([
      'VectorAssembler',
      'StandardScaler',
      'OneHotEncoder',
      'FeatureHasher',
      'HashingTokenizer',
      'Imputer',
      'Interactions',
      'ImportanceSelector',
    ]),
  );
  expect(streamlearn.metricKinds()).toEqual(expect.arrayContaining(['Accuracy', 'LogLoss', 'CrossEntropy', 'F1', 'MAE', 'RMSE', 'R2', 'ROCAUC']));
});

test('the lazily registered NeuralNet kind is the one neural states carry', () => {
  const { NEURAL_NET } = require('../../../src/builtins') as typeof import('../../../src/builtins');
  const { NEURAL_NET_KIND } = require('streamlearn/neural') as typeof import('streamlearn/neural');
  expect(NEURAL_NET).toBe(NEURAL_NET_KIND);
});

test('restoreModel rebuilds a NeuralNet pipeline checkpoint in a process that never initialised TensorFlow.js', async () => {
  // Made in one module registry...
  const state = await (async () => {
    const { createNeuralNet, initTensorflow } = require('streamlearn/neural') as typeof import('streamlearn/neural');
    const { createVectorAssembler, pipeline } = require('streamlearn') as typeof import('streamlearn');
    await initTensorflow();
    const net = createNeuralNet({ inputShape: [2], layers: [{ type: 'dense', units: 1 }], loss: 'meanSquaredError', seed: 1 });
    const model = pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), net);
    model.learnOne({ a: 1, b: 2 }, 3);
    return { state: model.state(), prediction: model.predictOne({ a: 1, b: 2 }) };
  })();
  // ...restored in a fresh one, through the entry point alone. (tfjs warns there that its kernels are
  // registered again: its engine is process-global, the module instances are new.)
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.resetModules();
  const streamlearn = require('streamlearn') as typeof import('streamlearn');
  expect(() => streamlearn.fromState(state.state)).toThrow(/initTensorflow/);
  const restored = await streamlearn.restoreModel<Record<string, number>>(state.state);
  expect(restored.kind).toBe('Pipeline');
  expect(restored.predictOne({ a: 1, b: 2 })).toBeCloseTo(state.prediction, 6);
});

test('an unknown kind fails naming the registered ones', () => {
  const streamlearn = require('streamlearn') as typeof import('streamlearn');
  expect(() => streamlearn.fromState({ kind: 'NoSuch', version: 1, config: {}, arrays: {} })).toThrow(
    /no learner of kind 'NoSuch' is registered \(registered: LinearRegression, .*NeuralNet/,
  );
  expect(() => streamlearn.registerLearner('LinearRegression', () => streamlearn.createLinearRegression({ numFeatures: 1 }))).toThrow(
    "learner kind 'LinearRegression' is registered twice",
  );
});
