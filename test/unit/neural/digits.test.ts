import type { FeatureVector } from '../../../src/learners';
import type { NeuralClassifier } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { loadDigits } from './digits';

beforeAll(async () => {
  await initTensorflow();
});

const MICRO_BATCH = 16;

/** One prequential pass: each micro-batch is predicted, then learned. Returns the pass's accuracy. */
function prequentialPass(net: NeuralClassifier, xs: FeatureVector[], ys: number[]): number {
  let correct = 0;
  for (let start = 0; start < xs.length; start += MICRO_BATCH) {
    const batchXs = xs.slice(start, start + MICRO_BATCH);
    const batchYs = ys.slice(start, start + MICRO_BATCH);
    net.predictMany(batchXs).forEach((label, i) => (correct += label === batchYs[i] ? 1 : 0));
    net.learnMany(batchXs, batchYs, `digits@${start}`);
  }
  return correct / xs.length;
}

test('a small MLP learns the 8x8 digits prequentially: > 0.85 in one pass, better in the third', () => {
  const { xs, ys } = loadDigits();
  expect(xs).toHaveLength(1797);
  const net = createNeuralNet({
    inputShape: [64],
    layers: [
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'adam', learningRate: 0.005 },
    loss: 'sparseCategoricalCrossentropy',
    batchSize: 8,
    epochsPerBatch: 2,
    seed: 7,
  });
  const first = prequentialPass(net, xs, ys);
  // Chance is 0.1; the first micro-batches are predicted by an untrained net.
  expect(first).toBeGreaterThan(0.85);
  prequentialPass(net, xs, ys);
  const third = prequentialPass(net, xs, ys);
  expect(third).toBeGreaterThan(0.93);
}, 60_000);
