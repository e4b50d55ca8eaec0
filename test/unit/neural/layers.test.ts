import { ConfigError } from '../../../src/errors';
import type { FeatureVector } from '../../../src/learners';
import type { Activation, NeuralNetConfig } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { tf } from '../../../src/neural/tensorflow';
import { createRandom } from '../../../src/random';
import { accuracy } from './helpers';
import { loadDigits } from './digits';

beforeAll(async () => {
  await initTensorflow();
});

/** Trains `passes` times over the data in micro-batches of 32; returns the first and last reported loss. */
function train(net: ReturnType<typeof createNeuralNet>, xs: FeatureVector[], ys: number[], passes: number): [number, number] {
  const losses: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (let start = 0; start < xs.length; start += 32) {
      losses.push(net.learnMany(xs.slice(start, start + 32), ys.slice(start, start + 32)).loss);
    }
  }
  return [losses[0], losses[losses.length - 1]];
}

function blobs(seed: number, n: number): { xs: Float64Array[]; ys: number[] } {
  const rng = createRandom(seed);
  const ys = Array.from({ length: n }, (_, i) => i % 3);
  return { xs: ys.map((y) => Float64Array.from({ length: 6 }, (_, j) => (j === y ? 2 : 0) + 0.7 * rng.gaussian())), ys };
}

describe('each layer trains', () => {
  test('dense, dropout and batchNormalization, on wasm', () => {
    const net = createNeuralNet({
      inputShape: [6],
      layers: [
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'batchNormalization' },
        { type: 'dropout', rate: 0.3 },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      batchSize: 8,
    });
    expect(net.backend).toBe('wasm');
    const before = Array.from(net.state().arrays['layer1/moving_mean']);
    const { xs, ys } = blobs(1, 240);
    const [first, last] = train(net, xs, ys, 3);
    expect(last).toBeLessThan(first / 2);
    const holdout = blobs(2, 90);
    expect(accuracy((batch) => net.predictMany(batch), holdout.xs, holdout.ys)).toBeGreaterThan(0.85);
    // Batch normalisation's moving statistics are weights too: learned, stored, restored.
    expect(Array.from(net.state().arrays['layer1/moving_mean'])).not.toEqual(before);
  }, 30_000);

  test.each(['linear', 'relu', 'elu', 'sigmoid', 'tanh'] as Activation[])('dense with %s has its gradients on wasm', (activation) => {
    const net = createNeuralNet(
      {
        inputShape: [6],
        layers: [
          { type: 'dense', units: 8, activation },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        optimizer: { type: 'adam', learningRate: 0.02 },
        loss: 'categoricalCrossentropy',
        batchSize: 16,
      },
      { engine: 'tfjs' },
    );
    expect(net.backend).toBe('wasm');
    const { xs, ys } = blobs(3, 96);
    const [first, last] = train(net, xs, ys, 4);
    expect(last).toBeLessThan(first);
  });

  test('embedding, on cpu: wasm has no UnsortedSegmentSum, the gradient of a gather', () => {
    const net = createNeuralNet({
      inputShape: [4],
      layers: [{ type: 'embedding', inputDim: 10, outputDim: 4 }, { type: 'flatten' }, { type: 'dense', units: 1, activation: 'sigmoid' }],
      optimizer: { type: 'adam', learningRate: 0.03 },
      loss: 'binaryCrossentropy',
      batchSize: 16,
    });
    expect(net.backend).toBe('cpu');
    // Is token 7 in the sequence?
    const rng = createRandom(4);
    const xs = Array.from({ length: 320 }, () => Float64Array.from({ length: 4 }, () => rng.nextInt(10)));
    const ys = xs.map((x) => (x.includes(7) ? 1 : 0));
    const [first, last] = train(net, xs, ys, 4);
    expect(last).toBeLessThan(first / 2);
    expect(accuracy((batch) => net.predictMany(batch), xs, ys)).toBeGreaterThan(0.95);
    expect(() => net.learnOne(Float64Array.of(1, 2, 3, 10), 0)).toThrow(/feature 3 is 10, not a token id in \[0, 10\)/);
    expect(() => net.predictOne(Float64Array.of(1, 2, 0.5, 3))).toThrow(/feature 2 is 0.5, not a token id/);
  }, 30_000);

  test('conv2d, maxPooling2d and flatten on 8x8 digits, on cpu: wasm has no Conv2DBackpropFilter (tfjs#8474)', () => {
    const net = createNeuralNet({
      inputShape: [8, 8, 1],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      batchSize: 16,
    });
    expect(net.backend).toBe('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const { xs, ys } = loadDigits();
    const [first, last] = train(net, xs.slice(0, 640), ys.slice(0, 640), 2);
    expect(last).toBeLessThan(first / 3);
    expect(accuracy((batch) => net.predictMany(batch), xs.slice(1200, 1500), ys.slice(1200, 1500))).toBeGreaterThan(0.8);
    // The engine is back on the default backend after each call of a cpu net.
    expect(tf.getBackend()).toBe('wasm');
  }, 60_000);
});

describe('configs are checked at construction, naming the bad field', () => {
  const valid: NeuralNetConfig = {
    inputShape: [4],
    layers: [
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossentropy',
  };
  const broken = (patch: Record<string, unknown>) => () => createNeuralNet({ ...valid, ...patch } as NeuralNetConfig);
  const layers = (...specs: unknown[]) => ({ layers: specs });
  const softmax3 = { type: 'dense', units: 3, activation: 'softmax' };

  test.each([
    [{ inputShape: [] }, /inputShape must have 1 to/],
    [{ inputShape: [4, 0] }, /inputShape\[1\] must be an integer/],
    [layers({ type: 'dense', units: 0 }, softmax3), /layers\[0\]\.units must be an integer in \[1, 65536\], got 0/],
    [layers({ type: 'dense' }, softmax3), /layers\[0\]\.units is required/],
    [layers({ type: 'dense', units: 4, unit: 4 }, softmax3), /layers\[0\] has an unknown field "unit"/],
    [layers({ type: 'dense', units: 4, activation: 'swish' }, softmax3), /layers\[0\]\.activation must be one of/],
    [layers({ type: 'dropout', rate: 1 }, softmax3), /layers\[0\]\.rate must be a number in \[0, 1\)/],
    [layers({ type: 'lambda' }, softmax3), /layers\[0\]\.type must be one of dense, dropout/],
    [layers({ type: 'dense', units: 4 }, { type: 'embedding', inputDim: 4, outputDim: 2 }, softmax3), /layers\[1\]: an embedding must be the first layer/],
    [layers({ type: 'conv2d', filters: 2, kernelSize: 3 }, softmax3), /layers\[0\] \(conv2d\) does not fit its input/],
    [layers({ type: 'conv2d', filters: 2, kernelSize: [3] }, softmax3), /layers\[0\]\.kernelSize must be a positive integer or \[height, width\]/],
    [layers({ type: 'flatten' }), /layers\[0\] \(the output\) must be dense, got flatten/],
    [layers({ type: 'dense', units: 3, activation: 'relu' }), /layers\[0\]\.activation must be softmax for sparseCategoricalCrossentropy/],
    [{ loss: 'binaryCrossentropy' }, /layers\[1\]\.units must be 1 for binaryCrossentropy, got 3/],
    [{ loss: 'hinge' }, /loss must be one of/],
    [{ optimizer: { type: 'adam', learningRate: -1 } }, /optimizer\.learningRate must be a positive number/],
    [{ optimizer: { type: 'sgd', beta1: 0.9 } }, /optimizer has an unknown field "beta1" for sgd/],
    [{ optimizer: { type: 'adagrad' } }, /optimizer\.type must be one of adam, sgd, rmsprop/],
    [{ metrics: ['auc'] }, /metrics\[0\] must be one of/],
    [{ batchSize: 0 }, /batchSize must be an integer/],
    [{ epochsPerBatch: 1.5 }, /epochsPerBatch must be an integer/],
    [{ replay: { kind: 'fifo', size: 10, ratio: 1 } }, /replay\.kind must be one of reservoir, window/],
    [{ replay: { kind: 'window', size: 10, ratio: 0 } }, /replay\.ratio must be a number in \(0, 16\]/],
    [{ seed: -1 }, /seed must be an integer/],
    [{ learningRate: 0.1 }, /unknown config field "learningRate"/],
  ])('%j', (patch, message) => {
    expect(broken(patch)).toThrow(ConfigError);
    expect(broken(patch)).toThrow(message);
  });

  test('accuracy needs a classification loss; a flat output needs a flatten', () => {
    const regression: NeuralNetConfig = { inputShape: [4], layers: [{ type: 'dense', units: 1 }], loss: 'meanSquaredError' };
    expect(() => createNeuralNet({ ...regression, metrics: ['accuracy'] })).toThrow(/metrics\[0\] accuracy needs a classification loss/);
    const image: NeuralNetConfig = {
      inputShape: [8, 8, 1],
      layers: [
        { type: 'conv2d', filters: 2, kernelSize: 3 },
        { type: 'dense', units: 1 },
      ],
      loss: 'meanSquaredError',
    };
    expect(() => createNeuralNet(image)).toThrow(/the output has shape \[6, 6, 1\]; add a flatten layer/);
  });
});
