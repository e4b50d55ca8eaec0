/**
 * Prequential quality on the classic generated streams, with absolute bounds a correct Hoeffding tree,
 * adaptive tree and adaptive random forest meet (River itself is never run in tests: its figures on the
 * same streams are in docs/trees.md, from `npm run bench -- trees`). 20k events per stream.
 */
import { hyperplaneStream, ledStream, randomRbfStream, seaStream, take } from '../../../src/datasets/tree-streams';
import {
  createARFClassifier,
  createARFRegressor,
  createHoeffdingAdaptiveTreeClassifier,
  createHoeffdingAdaptiveTreeRegressor,
  createHoeffdingTreeClassifier,
  createHoeffdingTreeRegressor,
} from '../../../src/trees';
import { agrawalRows, friedmanRows, prequentialAccuracy, prequentialMae } from './streams';

const N = 20_000;

describe('Hoeffding tree classifier on stationary streams', () => {
  it('SEA (10% label noise): above 0.85, the noise caps it at 0.90', () => {
    const accuracy = prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 3, numClasses: 2 }), take(seaStream({ seed: 2 }), N));
    expect(accuracy).toBeGreaterThan(0.85);
    expect(accuracy).toBeLessThan(0.9);
  });

  it('Agrawal function 0: above 0.97, and age carries most of the split gain', () => {
    const tree = createHoeffdingTreeClassifier({ numFeatures: 9, numClasses: 2 });
    expect(prequentialAccuracy(tree, agrawalRows({ seed: 2, functionBefore: 0 }, N))).toBeGreaterThan(0.97);
    const importances = tree.featureImportances();
    expect(importances.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...importances)).toBe(importances[2]);
    expect(importances[2]).toBeGreaterThan(0.5);
  });

  it('Agrawal function 2 with nominal elevel, car and zipcode: above 0.95 once 20k events are in', () => {
    // One-category-versus-rest splits on elevel take a few more levels than numeric thresholds would.
    const tree = createHoeffdingTreeClassifier({ numFeatures: 9, numClasses: 2, nominal: { 3: 5, 4: 20, 5: 9 } });
    expect(prequentialAccuracy(tree, agrawalRows({ seed: 2, functionBefore: 2 }, 30_000), 20_000)).toBeGreaterThan(0.95);
    const { arrays } = tree.state();
    const nominalSplits = Array.from(arrays['nodes.kind']).filter((kind) => kind === 2).length;
    expect(nominalSplits).toBeGreaterThan(0);
  });

  it('Hyperplane (10 features, 5% noise): above 0.85 with naive Bayes leaves, above 0.6 with majority class', () => {
    const rows = take(hyperplaneStream({ seed: 2 }), N);
    expect(prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2 }), rows)).toBeGreaterThan(0.85);
    expect(prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2, leafPrediction: 'majorityClass' }), rows)).toBeGreaterThan(0.6);
  });

  it('LED (10% noise, Bayes rate 0.74): above 0.71', () => {
    expect(prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 24, numClasses: 10 }), take(ledStream({ seed: 2 }), N))).toBeGreaterThan(0.71);
  });

  it('a memory limit of four leaves deactivates the rest, and the tree still learns', () => {
    // 9 Gaussian features × 2 classes × 5 numbers = 90 float64 per leaf, plus 9 int32: 756 bytes.
    const tree = createHoeffdingTreeClassifier({ numFeatures: 9, numClasses: 2, memoryLimitBytes: 756 * 4, gracePeriod: 100 });
    expect(prequentialAccuracy(tree, agrawalRows({ seed: 2, functionBefore: 2 }, N))).toBeGreaterThan(0.88);
    const { arrays } = tree.state();
    const leaves = Array.from(arrays['nodes.kind']).filter((kind) => kind === 0).length;
    const active = Array.from(arrays['nodes.slot']).filter((slot) => slot >= 0).length;
    expect(active).toBeLessThanOrEqual(4);
    expect(leaves).toBeGreaterThan(4);
  });

  it('a leaf splits on a weak lone feature at its first attempt: "no split" scores −∞, as in MOA and River', () => {
    // Info gain ≈ 0.12 (70% / 30% on each side of 0) against a Hoeffding bound of 0.20 at 200 events (δ 1e-7):
    // with "no split" scored 0 the gain would have to beat the bound, or the bound fall under τ (≈ 3,200 events).
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rows = Array.from({ length: 250 }, () => {
      const x = 2 * random() - 1;
      const labelFollowsSign = random() < 0.7;
      return { x: Float64Array.of(x), y: x > 0 === labelFollowsSign ? 1 : 0 };
    });
    const tree = createHoeffdingTreeClassifier({ numFeatures: 1, numClasses: 2 });
    prequentialAccuracy(tree, rows);
    const splits = Array.from(tree.state().arrays['nodes.kind']).filter((kind) => kind !== 0);
    expect(splits).toHaveLength(1);
  });

  it('maxDepth bounds the depth of every node', () => {
    const tree = createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2, maxDepth: 2, gracePeriod: 50 });
    prequentialAccuracy(tree, take(hyperplaneStream({ seed: 3 }), N));
    const depths = Array.from(tree.state().arrays['nodes.depth']);
    expect(Math.max(...depths)).toBe(2);
  });
});

describe('drift', () => {
  it('Agrawal 0 → 2 at 20k: the adaptive tree swaps in an alternate and is above 0.97 from 5k events after the drift', () => {
    const rows = agrawalRows({ seed: 2, functionBefore: 0, functionAfter: 2, driftAt: 20_000 }, 40_000);
    const hat = createHoeffdingAdaptiveTreeClassifier({ numFeatures: 9, numClasses: 2 });
    expect(prequentialAccuracy(hat, rows, 25_000)).toBeGreaterThan(0.97);
    expect(hat.switches).toBeGreaterThan(0);
  });

  it('Agrawal 0 → 2 at 10k (the bench stream): the adaptive tree recovers inside its big leaves, above 0.96 overall', () => {
    // Before near-pure leaves reset their observers (River's max_share_to_split) and attempts kept their
    // schedule through pure spells, the old tree kept erring above 50% after the drift and the root was
    // swapped for a fresh leaf that needed 3k events to split: 0.878 on this stream (River 0.964).
    const rows = agrawalRows({ seed: 1, functionBefore: 0, functionAfter: 2, driftAt: 10_000 }, 20_000);
    expect(prequentialAccuracy(createHoeffdingAdaptiveTreeClassifier({ numFeatures: 9, numClasses: 2 }), rows)).toBeGreaterThan(0.96);
  });

  it('stationary Agrawal 0: ARF replaces no tree for learning, above 0.98 after 3k events', () => {
    // A detector that fires on a falling error used to reset improving trees (0.957–0.975 on seeds 2–4).
    const rows = agrawalRows({ seed: 2, functionBefore: 0 }, 10_000);
    expect(prequentialAccuracy(createARFClassifier({ numFeatures: 9, numClasses: 2, seed: 1 }), rows, 3000)).toBeGreaterThan(0.98);
  });

  it('RandomRBF with moving centroids: ARF above 0.78 and above the Hoeffding tree', () => {
    const rows = take(randomRbfStream({ seed: 2, driftCentroids: 50, speed: 0.001 }), N);
    const tree = prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 10, numClasses: 2 }), rows);
    const forest = prequentialAccuracy(createARFClassifier({ numFeatures: 10, numClasses: 2, seed: 1 }), rows);
    expect(forest).toBeGreaterThan(0.78);
    expect(forest).toBeGreaterThan(tree + 0.05);
  });

  it('SEA concepts switching every 5k: ARF above the Hoeffding tree', () => {
    const rows = take(seaStream({ seed: 2, variants: [0, 1, 2, 3], driftEvery: 5000 }), N);
    const tree = prequentialAccuracy(createHoeffdingTreeClassifier({ numFeatures: 3, numClasses: 2 }), rows);
    const forest = prequentialAccuracy(createARFClassifier({ numFeatures: 3, numClasses: 2, seed: 1 }), rows);
    expect(forest).toBeGreaterThan(0.84);
    expect(forest).toBeGreaterThan(tree);
  });
});

describe('regressors on Friedman #1 (noise σ = 1, target spread σ ≈ 4.9)', () => {
  const rows = friedmanRows(2, N);

  it('model leaves beat mean leaves; the informative x0..x4 carry the split gain', () => {
    const adaptive = createHoeffdingTreeRegressor({ numFeatures: 10 });
    const adaptiveMae = prequentialMae(adaptive, rows);
    const meanMae = prequentialMae(createHoeffdingTreeRegressor({ numFeatures: 10, leafPrediction: 'mean' }), rows);
    expect(adaptiveMae).toBeLessThan(2.0);
    expect(adaptiveMae).toBeLessThan(meanMae * 0.8);
    const importances = adaptive.featureImportances();
    expect(importances.slice(0, 5).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.9);
  });

  it('the adaptive regressor follows a swap of the relevant features: after it, MAE 15% under the Hoeffding tree', () => {
    const drifting = friedmanRows(2, N, N / 2);
    const adaptive = createHoeffdingAdaptiveTreeRegressor({ numFeatures: 10 });
    const adaptiveMae = prequentialMae(adaptive, drifting, N / 2);
    const treeMae = prequentialMae(createHoeffdingTreeRegressor({ numFeatures: 10 }), drifting, N / 2);
    // Measured: 2.00 against 2.64 (seed 2), with 4 alternates swapped in.
    expect(adaptiveMae).toBeLessThan(treeMae * 0.85);
    expect(adaptive.switches).toBeGreaterThan(0);
  });

  it('the forest regressor beats the single tree', () => {
    const tree = prequentialMae(createHoeffdingTreeRegressor({ numFeatures: 10 }), rows);
    const forest = prequentialMae(createARFRegressor({ numFeatures: 10, seed: 1 }), rows);
    expect(forest).toBeLessThan(tree);
    expect(forest).toBeLessThan(1.8);
  });
});
