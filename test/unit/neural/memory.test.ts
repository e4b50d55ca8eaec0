import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { tf } from '../../../src/neural/tensorflow';
import { createRandom } from '../../../src/random';

beforeAll(async () => {
  await initTensorflow();
});

const STEPS = 10_000;
const WARM_UP = 500;
const MB = 2 ** 20;
const GC_EVERY = 500;

// Garbage is collected every GC_EVERY steps: left to pile up, it would grow the heap (and RSS, which V8
// does not give back) by far more than any leak, hiding what is retained behind what is merely uncollected.
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

test('10,000 training steps leak no tensor and no memory', () => {
  const net = createNeuralNet({
    inputShape: [8],
    layers: [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'batchNormalization' },
      { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    optimizer: { type: 'adam', learningRate: 0.001, globalClipNorm: 1 },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    batchSize: 8,
  });
  const rng = createRandom(1);
  const xs = Array.from({ length: 64 }, () => Float64Array.from({ length: 8 }, () => rng.gaussian()));
  const ys = xs.map((x) => (x[0] > 0.5 ? 2 : x[0] > -0.5 ? 1 : 0));
  const step = (i: number): void => {
    const start = (i * 8) % xs.length;
    const report = net.learnMany(xs.slice(start, start + 8), ys.slice(start, start + 8));
    if (report.steps !== 1) throw new Error(`step ${i} took ${report.steps} steps`);
    // Predictions and checkpoints go through tensors too.
    if (i % 100 === 0) {
      net.predictProbaMany(xs.slice(0, 8));
      net.state();
    }
    if (i % GC_EVERY === 0) collectGarbage();
  };
  for (let i = 0; i < WARM_UP; i++) step(i);
  collectGarbage();
  const tensors = tf.memory().numTensors;
  const bytes = tf.memory().numBytes;
  const { rss, heapUsed: heap } = process.memoryUsage();
  for (let i = WARM_UP; i < STEPS; i++) step(i);
  collectGarbage();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.memory().numBytes).toBe(bytes);
  expect((process.memoryUsage().rss - rss) / MB).toBeLessThan(50);
  expect((process.memoryUsage().heapUsed - heap) / MB).toBeLessThan(10);
  net.dispose();
  expect(tf.memory().numTensors).toBe(0);
}, 120_000);
