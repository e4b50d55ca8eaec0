/** The NeuralNet merge for scale-out (src/neural/neural-merge.ts, docs/scale-out.md). */
import '../../../src/builtins';
import { fromState, type Estimator, type LearnerState } from '../../../src/learners';
import { isMergeable, mergeStates, requireMergeable } from '../../../src/learners/merge';
import { createNeuralNet, initTensorflow, type NeuralNet, type NeuralNetConfig } from '../../../src/neural';
import { tf } from '../../../src/neural/tensorflow';
import { createRandom } from '../../../src/random';

beforeAll(async () => {
  await initTensorflow();
});

const CONFIGS: Array<[string, NeuralNetConfig]> = [
  [
    'dense MLP, adam',
    {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'dense', units: 1 },
      ],
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'meanSquaredError',
      batchSize: 8,
      seed: 3,
    },
  ],
  [
    'tfjs net with batch normalisation and dropout, rmsprop',
    {
      inputShape: [4],
      layers: [
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'batchNormalization' },
        { type: 'dropout', rate: 0.1 },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      optimizer: { type: 'rmsprop', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      batchSize: 8,
      seed: 4,
    },
  ],
];

function data(seed: number, n: number): { xs: Float64Array[]; ys: number[] } {
  const random = createRandom(seed);
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: 4 }, () => random.gaussian()));
  return { xs, ys: xs.map((x) => (x[0] + 0.5 * x[1] > 0.3 ? 2 : x[2] > 0 ? 1 : 0)) };
}

/** A worker: the base restored, then `n` examples of its own; its tensors released once its state is taken. */
function worker(base: LearnerState, seed: number, n: number): LearnerState {
  const net = fromState(base) as NeuralNet;
  const { xs, ys } = data(seed, n);
  net.learnMany(xs, ys);
  const state = net.state();
  net.dispose();
  return state;
}

describe.each(CONFIGS)('NeuralNet merge: %s', (_name, config) => {
  let base: LearnerState;
  let a: LearnerState;
  let b: LearnerState;
  beforeAll(() => {
    const fresh = createNeuralNet(config);
    base = worker(fresh.state(), 1, 64);
    fresh.dispose();
    a = worker(base, 2, 96);
    b = worker(base, 3, 32);
  });

  test('is registered, and a fresh net passes the trial merge a shared topology makes', () => {
    expect(isMergeable(base.kind)).toBe(true);
    expect(() => requireMergeable(base, 'topology t')).not.toThrow();
  });

  test('one state is returned as it is; identical states give that state back', () => {
    expect(mergeStates([a], [5], base)).toBe(a);
    const same = mergeStates([a, a], [3, 1], base);
    for (const key of Object.keys(a.arrays)) expect({ key, values: Array.from(same.arrays[key]) }).toEqual({ key, values: Array.from(a.arrays[key]) });
  });

  test('equal weights give the mean of every weight and optimizer slot; the step count stays an integer', () => {
    const merged = mergeStates([a, b], [1, 1], base);
    expect(Object.keys(merged.arrays).sort()).toEqual(Object.keys(a.arrays).sort());
    expect(Object.keys(a.arrays).some((key) => key.startsWith('optimizer/layer0/kernel/'))).toBe(true);
    for (const key of Object.keys(a.arrays)) {
      const mean = Array.from(a.arrays[key], (v, j) => (v + b.arrays[key][j]) / 2);
      if (key === 'optimizer/steps') expect(merged.arrays[key][0]).toBe(Math.round(mean[0]));
      else Array.from(merged.arrays[key]).forEach((v, j) => expect(v).toBeCloseTo(mean[j], 5));
    }
    expect(a.arrays['optimizer/steps'][0]).not.toBe(b.arrays['optimizer/steps'][0]);
  });

  test('weights by examples, is deterministic, and the merged net restores, predicts and learns on', () => {
    const merged = mergeStates([a, b], [96, 32], base);
    const again = mergeStates([a, b], [96, 32], base);
    for (const key of Object.keys(merged.arrays)) expect(Array.from(again.arrays[key])).toEqual(Array.from(merged.arrays[key]));
    const kernel = 'layer0/kernel';
    expect(merged.arrays[kernel][0]).toBeCloseTo(0.75 * a.arrays[kernel][0] + 0.25 * b.arrays[kernel][0], 5);
    const net = fromState(merged) as Estimator;
    const { xs, ys } = data(9, 16);
    expect(Array.from(net.predictMany(xs)).every(Number.isFinite)).toBe(true);
    net.learnMany(xs, ys);
    (net as NeuralNet).dispose();
  });

  test('merging and restoring leaks no tensor', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const net = fromState(mergeStates([a, b], [1 + i, 2], base)) as NeuralNet;
      net.predictMany(data(i, 4).xs);
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
