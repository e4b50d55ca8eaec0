import '../../../src/builtins';
import { CheckpointError, DecodeError, NonFiniteError } from '../../../src/errors';
import type { Classifier, FeatureVector } from '../../../src/learners';
import { fromState } from '../../../src/learners';
import { solveSymmetricPositiveDefinite } from '../../../src/linalg/solve';
import type { NeuralNetConfig } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { createRandom } from '../../../src/random';
import { accuracy, arraysOf, throughCheckpoint } from './helpers';

beforeAll(async () => {
  await initTensorflow();
});

const XOR_XS: FeatureVector[] = [Float64Array.of(0, 0), Float64Array.of(0, 1), Float64Array.of(1, 0), Float64Array.of(1, 1)];
const XOR_YS = [0, 1, 1, 0];

const xorNet = (layers: NeuralNetConfig['layers']) =>
  createNeuralNet({
    inputShape: [2],
    layers,
    optimizer: { type: 'adam', learningRate: 0.05 },
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
    batchSize: 4,
    seed: 1,
  });

/** A small classifier with every random part on: dropout, shuffling, Adam. */
const blobNet = (seed = 5) =>
  createNeuralNet({
    inputShape: [4],
    layers: [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    optimizer: { type: 'adam', learningRate: 0.01 },
    loss: 'sparseCategoricalCrossentropy',
    batchSize: 8,
    epochsPerBatch: 2,
    seed,
  });

/** Three Gaussian blobs in 4 dimensions. */
function blobs(seed: number, n: number): { xs: Float64Array[]; ys: number[] } {
  const rng = createRandom(seed);
  const ys = Array.from({ length: n }, (_, i) => i % 3);
  const xs = ys.map((y) => Float64Array.from({ length: 4 }, (_, j) => (j === y ? 2 : 0) + 0.7 * rng.gaussian()));
  return { xs, ys };
}

test('an MLP learns XOR to 100%, which no linear model can', () => {
  const mlp = xorNet([
    { type: 'dense', units: 8, activation: 'tanh' },
    { type: 'dense', units: 1, activation: 'sigmoid' },
  ]);
  const linear = xorNet([{ type: 'dense', units: 1, activation: 'sigmoid' }]);
  for (let i = 0; i < 300; i++) {
    mlp.learnMany(XOR_XS, XOR_YS);
    linear.learnMany(XOR_XS, XOR_YS);
  }
  expect(Array.from(mlp.predictMany(XOR_XS))).toEqual(XOR_YS);
  const report = mlp.learnMany(XOR_XS, XOR_YS);
  expect(report.metrics.accuracy).toBe(1);
  expect(report.loss).toBeLessThan(0.05);
  // A line separates at most 3 of the 4 XOR points.
  expect(accuracy((xs) => linear.predictMany(xs), XOR_XS, XOR_YS)).toBeLessThanOrEqual(0.75);
}, 30_000);

test('a checkpoint restores identical predictions, and learning goes on identically', () => {
  const net = blobNet();
  const train = blobs(1, 96);
  const more = blobs(2, 64);
  const holdout = blobs(3, 30);
  net.learnMany(train.xs, train.ys);
  const state = net.state();
  expect(Object.keys(state.arrays)).toEqual(
    expect.arrayContaining(['layer0/kernel', 'layer0/bias', 'layer2/kernel', 'optimizer/layer0/kernel/m', 'optimizer/layer0/kernel/v', 'optimizer/steps']),
  );
  Object.entries(state.arrays).forEach(([key, values]) =>
    expect({ key, type: values.constructor.name }).toEqual({ key, type: key === 'optimizer/steps' ? 'Float64Array' : 'Float32Array' }),
  );
  const restored = fromState(throughCheckpoint(state));
  expect(restored.kind).toBe('NeuralNet');
  expect(Array.from(restored.predictMany(holdout.xs))).toEqual(Array.from(net.predictMany(holdout.xs)));
  expect('predictProbaMany' in restored).toBe(true);
  expect(Array.from((restored as Classifier).predictProbaMany(holdout.xs))).toEqual(Array.from(net.predictProbaMany(holdout.xs)));
  // Same Adam moments and step count, same shuffles and dropout masks: the same next steps.
  net.learnMany(more.xs, more.ys);
  restored.learnMany(more.xs, more.ys);
  expect(arraysOf(restored.state())).toEqual(arraysOf(net.state()));
  // The exported arrays were copies.
  expect(Array.from(state.arrays['layer0/kernel'])).not.toEqual(Array.from(net.state().arrays['layer0/kernel']));
}, 30_000);

test('the seed makes runs reproducible', () => {
  const { xs, ys } = blobs(4, 48);
  const [a, b, other] = [blobNet(9), blobNet(9), blobNet(10)];
  for (const net of [a, b, other]) net.learnMany(xs, ys);
  expect(arraysOf(b.state())).toEqual(arraysOf(a.state()));
  expect(arraysOf(other.state())['layer0/kernel']).not.toEqual(arraysOf(a.state())['layer0/kernel']);
});

test('learnMany takes batchSize steps epochsPerBatch times; learnOne exactly one step', () => {
  const net = blobNet();
  const { xs, ys } = blobs(5, 20);
  const steps = (): number => net.state().arrays['optimizer/steps'][0];
  // 20 examples in steps of 8: 3 steps per pass, 2 passes.
  expect(net.learnMany(xs, ys).steps).toBe(6);
  expect(steps()).toBe(6);
  expect(net.learnOne(xs[0], ys[0]).steps).toBe(1);
  expect(steps()).toBe(7);
  const empty = net.learnMany([], []);
  expect(empty.steps).toBe(0);
  expect(empty.loss).toBeNaN();
});

test('a linear unit under squared error converges to the least-squares solution', () => {
  const rng = createRandom(11);
  const truth = [1.5, -2, 0.5];
  const xs = Array.from({ length: 200 }, () => Float64Array.from(truth, () => rng.gaussian()));
  const ys = xs.map((x) => x.reduce((sum, v, j) => sum + v * truth[j], 0.7) + 0.3 * rng.gaussian());
  // Normal equations on [x, 1].
  const d = truth.length + 1;
  const gram = new Float64Array(d * d);
  const moment = new Float64Array(d);
  xs.forEach((x, i) => {
    const row = [...x, 1];
    for (let a = 0; a < d; a++) {
      moment[a] += row[a] * ys[i];
      for (let b = 0; b < d; b++) gram[a * d + b] += row[a] * row[b];
    }
  });
  const optimum = solveSymmetricPositiveDefinite(gram, moment);
  const net = createNeuralNet({
    inputShape: [3],
    layers: [{ type: 'dense', units: 1 }],
    optimizer: { type: 'adam', learningRate: 0.02 },
    loss: 'meanSquaredError',
    batchSize: 200,
    epochsPerBatch: 600,
  });
  net.learnMany(xs, ys);
  const learned = [...net.state().arrays['layer0/kernel'], ...net.state().arrays['layer0/bias']];
  learned.forEach((w, j) => expect(w).toBeCloseTo(optimum[j], 3));
}, 30_000);

test('classifiers: probabilities per class, argmax predictions, sparse inputs densified', () => {
  const net = blobNet();
  const { xs, ys } = blobs(6, 60);
  net.learnMany(xs, ys);
  const probabilities = net.predictProbaMany(xs);
  const labels = net.predictMany(xs);
  xs.forEach((x, i) => {
    const row = Array.from(probabilities.subarray(3 * i, 3 * i + 3));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(labels[i]).toBe(row.indexOf(Math.max(...row)));
    expect(Array.from(net.predictProbaOne(x))).toEqual(row);
    const sparse = { indices: Int32Array.of(3, 0, 1, 2), values: Float64Array.of(x[3], x[0], x[1], x[2]) };
    expect(net.predictOne(sparse)).toBe(labels[i]);
  });
  const binary = xorNet([{ type: 'dense', units: 1, activation: 'sigmoid' }]);
  expect(binary.numClasses).toBe(2);
  const [p0, p1] = binary.predictProbaOne(XOR_XS[1]);
  expect(p0 + p1).toBe(1);
  expect(binary.predictOne(XOR_XS[1])).toBe(p1 > 0.5 ? 1 : 0);
});

test('bad input throws, naming the example; the steps before it are kept', () => {
  const sequential = () =>
    createNeuralNet({
      inputShape: [2],
      layers: [{ type: 'dense', units: 2, activation: 'softmax' }],
      loss: 'categoricalCrossentropy',
      batchSize: 1,
      shuffle: false,
    });
  const net = sequential();
  const bad = Float64Array.of(0, Number.NaN);
  expect(() => net.learnMany([XOR_XS[0], XOR_XS[1], bad], [0, 1, 1], 'orders/3@1200')).toThrow(
    new NonFiniteError("NeuralNet: feature 1 is NaN in example 2 of batch 'orders/3@1200'"),
  );
  const reference = sequential();
  reference.learnMany([XOR_XS[0], XOR_XS[1]], [0, 1]);
  expect(arraysOf(net.state())).toEqual(arraysOf(reference.state()));
  const before = arraysOf(net.state());
  expect(() => net.learnOne(XOR_XS[0], 2)).toThrow(new DecodeError('SCHEMA', 'NeuralNet: label 2 is not a class index in [0, 2) in the example'));
  expect(() => net.learnOne(XOR_XS[0], Number.POSITIVE_INFINITY)).toThrow(NonFiniteError);
  expect(() => net.learnOne(Float64Array.of(1, 2, 3), 0)).toThrow(/dense vector has length 3, expected 2/);
  expect(() => net.learnOne({ indices: Int32Array.of(5), values: Float64Array.of(1) }, 0)).toThrow(/feature index 5 is outside \[0, 2\)/);
  expect(() => net.learnMany([XOR_XS[0]], [])).toThrow(DecodeError);
  expect(() => net.predictOne(bad)).toThrow(NonFiniteError);
  expect(() => net.predictMany(XOR_XS, new Float64Array(2))).toThrow(DecodeError);
  expect(arraysOf(net.state())).toEqual(before);
});

test('fromState rejects a state that does not fit, as a CheckpointError', () => {
  const state = throughCheckpoint(blobNet().state());
  expect(() => fromState({ ...state, version: 2 })).toThrow(CheckpointError);
  const truncated = { ...state, arrays: { ...state.arrays, 'layer2/kernel': state.arrays['layer2/kernel'].slice(1) } };
  expect(() => fromState(truncated)).toThrow(/layer2\/kernel/);
  const { ['optimizer/layer0/kernel/m']: _dropped, ...withoutMoment } = state.arrays;
  expect(() => fromState({ ...state, arrays: withoutMoment })).toThrow(CheckpointError);
  const retyped = { ...state, arrays: { ...state.arrays, 'layer0/bias': Float64Array.from(state.arrays['layer0/bias']) } };
  expect(() => fromState(retyped)).toThrow(CheckpointError);
  const badLayer = { ...state, config: { ...state.config, layers: [{ type: 'lambda', fn: 'x => x' }] } };
  expect(() => fromState(badLayer)).toThrow(CheckpointError);
  expect(() => fromState(badLayer)).toThrow(/invalid NeuralNet checkpoint: .*layers\[0\]\.type must be one of dense, .*got "lambda"/);
});
