import { NonFiniteError } from '../../../src/errors';
import type { NeuralNetConfig } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { createRandom } from '../../../src/random';
import { arraysOf } from './helpers';

beforeAll(async () => {
  await initTensorflow();
});

const regression = (optimizer: NeuralNetConfig['optimizer']) =>
  createNeuralNet({
    inputShape: [3],
    layers: [
      { type: 'dense', units: 4, activation: 'tanh' },
      { type: 'dense', units: 1 },
    ],
    optimizer,
    loss: 'meanSquaredError',
    batchSize: 4,
    shuffle: false,
  });

const rng = createRandom(3);
const xs = Array.from({ length: 8 }, () => Float64Array.from({ length: 3 }, () => rng.gaussian()));
const ys = xs.map((x) => x[0] - 2 * x[1]);

/** The L2 distance between the trainable weights of two states. */
function distance(a: Record<string, number[]>, b: Record<string, number[]>): number {
  const keys = Object.keys(a).filter((key) => key.startsWith('layer'));
  return Math.sqrt(keys.reduce((sum, key) => sum + a[key].reduce((s, v, i) => s + (v - b[key][i]) ** 2, 0), 0));
}

test('a step that overflows the weights is undone and reported, for the runtime to dead-letter the batch', () => {
  // Gradients in the thousands times a learning rate of 1e38 overflow float32.
  const net = regression({ type: 'sgd', learningRate: 1e38 });
  const before = arraysOf(net.state());
  const report = net.learnMany(
    xs,
    ys.map((y) => 1000 * y),
    'sensors/0@42',
  );
  expect(report.error).toBeInstanceOf(NonFiniteError);
  expect(report.error?.code).toBe('NONFINITE');
  expect(report.error?.message).toContain("step 1 (pass 1) on batch 'sensors/0@42' made the loss or weights non-finite");
  expect(report.steps).toBe(0);
  expect(net.nonFiniteBatches).toBe(1);
  expect(arraysOf(net.state())).toEqual(before);
  expect(Array.from(net.predictMany(xs)).every(Number.isFinite)).toBe(true);
});

test('an infinite loss undoes its step only: earlier steps, Adam moments and step count are kept', () => {
  const net = regression({ type: 'adam', learningRate: 0.01 });
  // Finite, but its square overflows float32: the third step's loss is infinite.
  const report = net.learnMany([...xs, xs[0]], [...ys, 1e30]);
  expect(report.steps).toBe(2);
  expect(report.error).toBeInstanceOf(NonFiniteError);
  expect(report.error?.message).toContain('step 3 (pass 1)');
  expect(Number.isFinite(report.loss)).toBe(true);
  expect(net.nonFiniteBatches).toBe(1);
  const reference = regression({ type: 'adam', learningRate: 0.01 });
  expect(reference.learnMany(xs, ys).error).toBeNull();
  expect(arraysOf(net.state())).toEqual(arraysOf(reference.state()));
});

test('global-norm clipping bounds a step: an SGD step moves the weights by at most learningRate × clipNorm', () => {
  const big = ys.map((y) => 100 * y);
  const clipped = regression({ type: 'sgd', learningRate: 0.1, globalClipNorm: 0.5 });
  const free = regression({ type: 'sgd', learningRate: 0.1 });
  const start = arraysOf(clipped.state());
  clipped.learnOne(xs[0], big[0]);
  free.learnOne(xs[0], big[0]);
  expect(distance(arraysOf(clipped.state()), start)).toBeCloseTo(0.05, 6);
  expect(distance(arraysOf(free.state()), start)).toBeGreaterThan(1);
});
