import type { NeuralNetConfig } from '../../../src/neural';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { createRandom } from '../../../src/random';
import type { Example } from '../../../src/neural/replay';
import { createReplayBuffer } from '../../../src/neural/replay';
import { accuracy } from './helpers';

const example = (y: number): Example => ({ x: Float32Array.of(y), y });
const labels = (examples: Example[]): number[] => examples.map((e) => e.y);

describe('replay buffer', () => {
  test('a window keeps the last `size` examples', () => {
    const random = createRandom(1);
    const buffer = createReplayBuffer({ kind: 'window', size: 4, ratio: 1 });
    expect(buffer.draw(10, random)).toEqual([]);
    for (let i = 0; i < 10; i++) buffer.add(example(i), random);
    expect(buffer.fill).toBe(4);
    expect(new Set(labels(buffer.draw(400, random)))).toEqual(new Set([6, 7, 8, 9]));
  });

  test('a reservoir keeps a uniform sample of everything seen', () => {
    const random = createRandom(2);
    const buffer = createReplayBuffer({ kind: 'reservoir', size: 1000, ratio: 1 });
    for (let i = 0; i < 10_000; i++) buffer.add(example(i), random);
    expect(buffer.fill).toBe(1000);
    // Draws come from the kept sample, in which each tenth of the stream should hold a tenth (±4 sigma);
    // a window would hold the last tenth only.
    const deciles = new Array<number>(10).fill(0);
    for (const y of labels(buffer.draw(20_000, random))) deciles[Math.floor(y / 1000)]++;
    for (const count of deciles) expect(Math.abs(count / 20_000 - 0.1)).toBeLessThan(0.04);
  });

  test('ratio × new examples are drawn, rounded at random so that the mean is exact', () => {
    const random = createRandom(3);
    const buffer = createReplayBuffer({ kind: 'window', size: 10, ratio: 0.5 });
    buffer.add(example(0), random);
    const counts = Array.from({ length: 4000 }, () => buffer.draw(3, random).length);
    expect(new Set(counts)).toEqual(new Set([1, 2]));
    expect(counts.reduce((a, b) => a + b, 0) / counts.length).toBeCloseTo(1.5, 1);
  });
});

describe('replay in a net', () => {
  beforeAll(async () => {
    await initTensorflow();
  });

  /** Classes 0 and 1 first, then a long stretch of class 2 only: a drift that makes nets forget. */
  function stream(seed: number): { xs: Float64Array[]; ys: number[] }[] {
    const rng = createRandom(seed);
    const point = (y: number) => Float64Array.from({ length: 2 }, (_, j) => (j === y % 2 ? 2 : -2) * (y === 2 ? 0 : 1) + 0.5 * rng.gaussian());
    const batch = (classes: number[]) => {
      const ys = Array.from({ length: 16 }, (_, i) => classes[i % classes.length]);
      return { xs: ys.map(point), ys };
    };
    return [...Array.from({ length: 20 }, () => batch([0, 1])), ...Array.from({ length: 40 }, () => batch([2]))];
  }

  test('mixing past examples in limits forgetting', () => {
    const config: NeuralNetConfig = {
      inputShape: [2],
      layers: [
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      optimizer: { type: 'adam', learningRate: 0.02 },
      loss: 'sparseCategoricalCrossentropy',
      batchSize: 16,
      seed: 4,
    };
    const forgetful = createNeuralNet(config);
    const replaying = createNeuralNet({ ...config, replay: { kind: 'reservoir', size: 200, ratio: 1 } });
    for (const { xs, ys } of stream(5)) {
      forgetful.learnMany(xs, ys);
      replaying.learnMany(xs, ys);
    }
    const old = stream(6).slice(0, 5);
    const xs = old.flatMap((b) => b.xs);
    const ys = old.flatMap((b) => b.ys);
    const kept = accuracy((batch) => replaying.predictMany(batch), xs, ys);
    const forgotten = accuracy((batch) => forgetful.predictMany(batch), xs, ys);
    expect(kept).toBeGreaterThan(0.9);
    expect(forgotten).toBeLessThan(kept - 0.3);
  }, 30_000);
});
