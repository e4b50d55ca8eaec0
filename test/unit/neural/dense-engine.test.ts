import type { FeatureVector } from '../../../src/learners';
import type { NeuralNet, NeuralNetConfig } from '../../../src/neural';
import { BACKEND_ENV, createNeuralNet, initTensorflow } from '../../../src/neural';
import { createKernels, GemmStart } from '../../../src/neural/dense/simd-kernels';
import { createRandom } from '../../../src/random';
import { arraysOf } from './helpers';

beforeAll(async () => {
  await initTensorflow();
});

test('the WebAssembly gemm multiplies matrices, A as stored or transposed, from zero, C or a bias row', () => {
  const rng = createRandom(1);
  for (const [m, k, n] of [
    [4, 1, 8],
    [8, 13, 16],
    [12, 40, 24],
  ]) {
    const { memory: f, gemm } = createKernels(m * k + k * n + m * n);
    const [a, b, c] = [0, m * k, m * k + k * n];
    for (let i = 0; i < c + m * n; i++) f[i] = rng.gaussian();
    const product = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) product[i * n + j] += f[a + i * k + t] * f[b + t * n + j];
    gemm(4 * a, 4 * b, 4 * c, m, k, n, GemmStart.zero, 4 * k, 4, 0);
    product.forEach((p, i) => expect(f[c + i]).toBeCloseTo(p, 4));
    gemm(4 * a, 4 * b, 4 * c, m, k, n, GemmStart.accumulate, 4 * k, 4, 0);
    product.forEach((p, i) => expect(f[c + i]).toBeCloseTo(2 * p, 4));
    // Started from a bias row (B's first row stands in for it): every row of C gains it.
    gemm(4 * a, 4 * b, 4 * c, m, k, n, GemmStart.bias, 4 * k, 4, 4 * b);
    product.forEach((p, i) => expect(f[c + i]).toBeCloseTo(p + f[b + (i % n)], 4));
    // The same A stored transposed (k × m): element (i, t) at t·m + i.
    const transposed = Float32Array.from({ length: m * k }, (_, at) => f[a + (at % m) * k + Math.floor(at / m)]);
    f.set(transposed, a);
    gemm(4 * a, 4 * b, 4 * c, m, k, n, GemmStart.zero, 4, 4 * m, 0);
    product.forEach((p, i) => expect(f[c + i]).toBeCloseTo(p, 4));
  }
});

test("the WebAssembly Adam step is tfjs's rule, and reports a non-finite parameter", () => {
  const size = 8;
  const { memory: f, adam } = createKernels(4 * size);
  const rng = createRandom(2);
  for (let i = 0; i < 4 * size; i++) f[i] = rng.gaussian();
  const [w, m, v, g] = [0, 1, 2, 3].map((r) => Float64Array.from(f.subarray(r * size, (r + 1) * size)));
  v.forEach((value, i) => (v[i] = Math.abs(value)));
  f.set(Float32Array.from(v), 2 * size);
  const [beta1, beta2, epsilon, learningRate, step] = [0.9, 0.999, 1e-7, 0.01, 3];
  expect(adam(0, 4 * 3 * size, size, beta1, beta2, 1 - beta1 ** step, 1 - beta2 ** step, epsilon, learningRate)).toBe(1);
  for (let i = 0; i < size; i++) {
    const mi = beta1 * m[i] + (1 - beta1) * g[i];
    const vi = beta2 * v[i] + (1 - beta2) * g[i] ** 2;
    const wi = w[i] - (learningRate * (mi / (1 - beta1 ** step))) / (Math.sqrt(vi / (1 - beta2 ** step)) + epsilon);
    expect([f[size + i], f[2 * size + i], f[i]].map((x) => x.toFixed(5))).toEqual([mi, vi, wi].map((x) => x.toFixed(5)));
  }
  f[3 * size + 5] = Number.NaN;
  expect(adam(0, 4 * 3 * size, size, beta1, beta2, 1 - beta1 ** 4, 1 - beta2 ** 4, epsilon, learningRate)).toBe(0);
  expect(Number.isNaN(f[5])).toBe(true);
});

test('the WebAssembly relu, its gradient and the 4×4-block transpose', () => {
  const { memory: f, relu, reluBack, transpose } = createKernels(64);
  const values = [-2, 0, 3, -0.5, 1, Number.NaN, -7, 4];
  f.set(values);
  relu(0, 8);
  expect(Array.from(f.subarray(0, 8))).toEqual([0, 0, 3, 0, 1, Number.NaN, 0, 4]);
  f.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
  reluBack(4 * 8, 0, 8);
  expect(Array.from(f.subarray(8, 16))).toEqual([0, 0, 3, 0, 5, 0, 0, 8]);
  // A 4×8 matrix of its own indices, transposed to 8×4.
  f.set(
    Array.from({ length: 32 }, (_, i) => i),
    0,
  );
  transpose(0, 4, 8, 4 * 32);
  expect(Array.from(f.subarray(32, 64))).toEqual(Array.from({ length: 32 }, (_, i) => (i % 4) * 8 + Math.floor(i / 4)));
});

/** Seeded examples with `width` features and labels from `label`. */
function data(seed: number, n: number, width: number, label: (x: Float64Array) => number): { xs: FeatureVector[]; ys: number[] } {
  const rng = createRandom(seed);
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: width }, () => rng.gaussian()));
  return { xs, ys: xs.map(label) };
}

/** Same config, same seed: one net on the dense path, one forced onto TensorFlow.js. */
function pair(config: NeuralNetConfig): [NeuralNet, NeuralNet] {
  return [createNeuralNet(config), createNeuralNet(config, { engine: 'tfjs' })];
}

/** Every array of both states within float32 rounding of each other, accumulated over the steps taken. */
function expectSameLearning(dense: NeuralNet, tfjs: NeuralNet): void {
  const a = arraysOf(dense.state());
  const b = arraysOf(tfjs.state());
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const key of Object.keys(b)) {
    const worst = Math.max(...b[key].map((value, i) => Math.abs(a[key][i] - value) / (1e-3 + Math.abs(value))));
    expect({ key, worst: worst < 1e-3 }).toEqual({ key, worst: true });
  }
}

const CASES: [string, NeuralNetConfig, (x: Float64Array) => number][] = [
  [
    'binary cross-entropy, relu and tanh, adam, odd widths',
    {
      inputShape: [5],
      layers: [
        { type: 'dense', units: 7, activation: 'relu' },
        { type: 'dense', units: 3, activation: 'tanh' },
        { type: 'dense', units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
      optimizer: { type: 'adam', learningRate: 0.01 },
      batchSize: 6,
    },
    (x) => (x[0] * x[1] > 0 ? 1 : 0),
  ],
  [
    'softmax over 3 classes, elu and sigmoid, rmsprop, global clipnorm, no bias',
    {
      inputShape: [9],
      layers: [
        { type: 'dense', units: 16, activation: 'elu' },
        { type: 'dense', units: 12, activation: 'sigmoid', useBias: false },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy', 'meanSquaredError'],
      optimizer: { type: 'rmsprop', learningRate: 0.01, globalClipNorm: 0.5 },
      batchSize: 10,
      epochsPerBatch: 2,
    },
    (x) => (x[0] > 0.5 ? 2 : x[0] > -0.5 ? 1 : 0),
  ],
  [
    'mean squared error, linear hidden layer, sgd, replay',
    {
      inputShape: [3],
      layers: [
        { type: 'dense', units: 8, activation: 'linear' },
        { type: 'dense', units: 1 },
      ],
      loss: 'meanSquaredError',
      metrics: ['meanAbsoluteError'],
      optimizer: { type: 'sgd', learningRate: 0.05 },
      batchSize: 4,
      replay: { kind: 'reservoir', size: 50, ratio: 0.5 },
    },
    (x) => x[0] - 2 * x[1] + 0.5,
  ],
];

describe.each(CASES)('the dense path learns what TensorFlow.js learns: %s', (_name, config, label) => {
  test('same weights, optimizer state, reports and predictions after a stream of micro-batches', () => {
    const [dense, tfjs] = pair(config);
    expect(dense.backend).toBe('dense-simd');
    expect(tfjs.backend).toBe('wasm');
    const width = config.inputShape[0];
    for (let batch = 0; batch < 8; batch++) {
      const { xs, ys } = data(batch, 25, width, label);
      const [a, b] = [dense.learnMany(xs, ys), tfjs.learnMany(xs, ys)];
      expect(a.steps).toBe(b.steps);
      expect(a.loss).toBeCloseTo(b.loss, 4);
      for (const name of Object.keys(b.metrics)) expect(a.metrics[name]).toBeCloseTo(b.metrics[name], 4);
    }
    dense.learnOne(data(9, 1, width, label).xs[0], data(9, 1, width, label).ys[0]);
    tfjs.learnOne(data(9, 1, width, label).xs[0], data(9, 1, width, label).ys[0]);
    expectSameLearning(dense, tfjs);
    const holdout = data(10, 40, width, label).xs;
    const [p, q] = [dense.predictMany(holdout), tfjs.predictMany(holdout)];
    if (config.loss === 'meanSquaredError') p.forEach((value, i) => expect(value).toBeCloseTo(q[i], 4));
    else expect(p.filter((value, i) => value !== q[i]).length).toBeLessThanOrEqual(1);
  });
});

test('a step larger than the buffers grows them; predictions of many rows come in chunks', () => {
  const config: NeuralNetConfig = {
    inputShape: [4],
    layers: [
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
    loss: 'binaryCrossentropy',
    batchSize: 1000,
  };
  const [dense, tfjs] = pair(config);
  const { xs, ys } = data(3, 700, 4, (x) => (x[0] > 0 ? 1 : 0));
  dense.learnMany(xs, ys);
  tfjs.learnMany(xs, ys);
  expectSameLearning(dense, tfjs);
  expect(Array.from(dense.predictMany(xs))).toEqual(xs.map((x) => dense.predictOne(x)));
});

test('nets the dense path does not cover, or an explicit backend, stay on TensorFlow.js', () => {
  const dropout = createNeuralNet({
    inputShape: [4],
    layers: [
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
    loss: 'binaryCrossentropy',
  });
  expect(dropout.backend).toBe('wasm');
  const plain: NeuralNetConfig = { inputShape: [4], layers: [{ type: 'dense', units: 1 }], loss: 'meanSquaredError' };
  process.env[BACKEND_ENV] = 'wasm';
  try {
    expect(createNeuralNet(plain).backend).toBe('wasm');
  } finally {
    delete process.env[BACKEND_ENV];
  }
  expect(createNeuralNet(plain).backend).toBe('dense-simd');
  expect(() => createNeuralNet(plain, { engine: 'fast' as 'tfjs' })).toThrow(/engine must be 'auto' or 'tfjs', got "fast"/);
});
