/**
 * Naive Bayes reads each Gaussian's variance and log-normaliser from a cache the observer refreshes when it
 * learns (`GaussianCache`). Its log densities must be the direct formula's bit for bit, over a stream that
 * also resets and overwrites blocks behind the cache's back (slot reuse, a restored checkpoint), and a tree
 * restored from a checkpoint (empty cache) must predict exactly what the original (warm cache) predicts.
 */
import { arraysFromArrow, arraysToArrow } from '../../../src/checkpoints/arrow-arrays';
import { createRandom } from '../../../src/random';
import { randomRbfStream, take } from '../../../src/datasets/tree-streams';
import type { LearnerState } from '../../../src/learners';
import { fromState } from '../../../src/learners';
import { createARFClassifier, createHoeffdingTreeClassifier } from '../../../src/trees';
import { resolveClassifierSpec } from '../../../src/trees/hoeffding-tree-classifier';
import { Observers } from '../../../src/trees/observers';
import '../../../src/builtins';

/** The textbook Gaussian log density with the tree's conventions (sample variance, point mass, floor −700), written out here on purpose. */
function directLogDensity(w: number, mean: number, m2: number, x: number): number {
  if (w <= 0) return -700;
  const variance = w > 1 ? m2 / (w - 1) : 0;
  const diff = x - mean;
  if (!(variance > 1e-12)) return Math.abs(diff) < 1e-9 ? 0 : -700;
  return Math.max(-700, -0.5 * Math.log(2 * Math.PI * variance) - (diff * diff) / (2 * variance));
}

describe('GaussianCache', () => {
  it('gives the direct formula’s log densities bit for bit over a stream with resets and overwritten blocks', () => {
    const k = 3;
    const spec = resolveClassifierSpec('test', { numFeatures: 1, numClasses: k });
    const observers = new Observers(spec, new Float64Array(1), new Float64Array(1).fill(1));
    const block = new Float64Array(observers.blockSize);
    const other = new Float64Array(observers.blockSize);
    const rng = createRandom(3);
    let compared = 0;
    let mismatches = 0;
    for (let step = 0; step < 6000; step++) {
      const y = rng.nextInt(k);
      // Repeated values make degenerate (point-mass) Gaussians; Poisson-like weights include fractions and 0-free multiples.
      const x = step % 7 === 0 ? 0.5 : rng.gaussian() * (1 + y) + y;
      const w = [1, 1, 2, 0.5, 3][step % 5];
      observers.observe(block, 0, 0, x, y, w, 0);
      if (step % 4 === 0) observers.observe(other, 0, 0, rng.next(), rng.nextInt(k), 1, 1);
      if (step % 997 === 0) block.fill(0); // a slot reset: the cache is not told
      if (step % 1499 === 0) block.set(other); // a restored block: the cache is not told either
      for (let c = 0; c < k; c++) {
        const b = c * 5;
        for (const q of [x, block[b + 1], rng.gaussian() * 3, 0.5]) {
          const cached = observers.gaussianLogLikelihood(block, 0, q, c, 0);
          const direct = directLogDensity(block[b], block[b + 1], block[b + 2], q);
          const throughObservers = observers.logLikelihood(block, 0, 0, q, c, block[b]);
          compared++;
          if (!Object.is(cached, direct) || !Object.is(throughObservers, direct)) mismatches++;
        }
      }
    }
    expect({ compared, mismatches }).toEqual({ compared: 6000 * k * 4, mismatches: 0 });
  });

  it.each([
    ['HT', () => createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2, gracePeriod: 100 })],
    ['HT naive Bayes', () => createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2, gracePeriod: 100, leafPrediction: 'naiveBayes' })],
    ['ARF', () => createARFClassifier({ numFeatures: 10, numClasses: 2, numModels: 3, seed: 5 })],
  ])('%s restored with an empty cache predicts the warm original’s probabilities bit for bit', (_name, make) => {
    const rows = take(randomRbfStream({ seed: 11, numCentroids: 20, driftCentroids: 20, speed: 0.001 }), 4000);
    const model = make();
    let restored = model;
    let differing = 0;
    let compared = 0;
    rows.forEach(({ x, y }, i) => {
      if (i % 800 === 0) restored = fromState(copied(model.state())) as typeof model;
      const a = model.predictProbaOne(x);
      const b = restored.predictProbaOne(x);
      compared++;
      if (!a.every((v, c) => Object.is(v, b[c]))) differing++;
      model.learnOne(x, y);
      if (restored !== model) restored.learnOne(x, y);
    });
    expect({ compared, differing }).toEqual({ compared: rows.length, differing: 0 });
  });
});

/** A deep copy of the state through the Arrow payload Kafka carries, so the restored model shares nothing. */
function copied(state: LearnerState): LearnerState {
  return { ...state, config: JSON.parse(JSON.stringify(state.config)), arrays: arraysFromArrow(arraysToArrow(state.arrays)) };
}
