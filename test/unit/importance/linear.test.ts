import { createCoefficientImportance, createIncrementalPfi, vectorFeatures, type ImportanceSnapshot } from '../../../src/importance';
import { createLinearRegression, createSoftmaxRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';

/** y = Σ β_j x_j + ε with x_j ~ N(0, s_j²): a linear model can be exactly right, so its importances are known. */
const BETA = [3, -2, 1, 0.5, 0];
const SPREAD = [1, 0.5, 2, 1, 1];
const NAMES = ['a', 'b', 'c', 'd', 'e'];

function linearStream(seed: number, n: number): { xs: Float64Array[]; ys: Float64Array } {
  const random = createRandom(seed);
  const xs = Array.from({ length: n }, () => Float64Array.from(SPREAD, (s) => s * random.gaussian()));
  const ys = Float64Array.from(xs, (x) => BETA.reduce((sum, b, j) => sum + b * x[j], 0) + 0.5 * random.gaussian());
  return { xs, ys };
}

function byName(snapshot: ImportanceSnapshot): Record<string, number> {
  return Object.fromEntries(snapshot.features.map((score) => [score.name, score.mean]));
}

describe('importance of a linear regression that has learned the true coefficients', () => {
  const { xs, ys } = linearStream(3, 40_000);

  it('iPFI converges to 2 β_j² s_j², the squared-loss increase of replacing x_j by an independent draw', () => {
    const model = createLinearRegression({ numFeatures: 5, stepSize: 0.005 });
    const pfi = createIncrementalPfi({
      model,
      features: vectorFeatures(NAMES),
      sampleRate: 0.5,
      smoothing: 0.002,
      reservoir: { kind: 'uniform', size: 500 },
      seed: 2,
    });
    for (let i = 0; i < xs.length; i += 100) {
      const batch = xs.slice(i, i + 100);
      const labels = ys.subarray(i, i + 100);
      pfi.update(batch, labels);
      model.learnMany(batch, labels);
    }
    const means = byName(pfi.snapshot());
    BETA.forEach((b, j) => {
      const expected = 2 * b * b * SPREAD[j] ** 2;
      expect(Math.abs(means[NAMES[j]] - expected)).toBeLessThan(0.15 * expected + 0.02);
    });
    expect(pfi.snapshot().features.map((score) => score.name)).toEqual(['a', 'c', 'b', 'd', 'e']);
  });

  it('standardized coefficients converge to |β_j| s_j', () => {
    const model = createLinearRegression({ numFeatures: 5, stepSize: 0.005 });
    const importance = createCoefficientImportance({ model, names: NAMES, sampleRate: 0.2, smoothing: 0.005, seed: 2 });
    for (let i = 0; i < xs.length; i += 100) {
      importance.update(xs.slice(i, i + 100), ys.subarray(i, i + 100));
      model.learnMany(xs.slice(i, i + 100), ys.subarray(i, i + 100));
    }
    const means = byName(importance.snapshot());
    BETA.forEach((b, j) => expect(means[NAMES[j]]).toBeCloseTo(Math.abs(b) * SPREAD[j], 1));
    expect(importance.method).toBe('coefficients');
  });

  it('sums a multi-class model’s coefficients over classes', () => {
    const model = createSoftmaxRegression({ numFeatures: 2, numClasses: 3, stepSize: 0.05 });
    const random = createRandom(9);
    const xs = Array.from({ length: 6000 }, () => Float64Array.of(random.gaussian(), 3 * random.gaussian()));
    // Only the first feature decides the class.
    const ys = Float64Array.from(xs, (x) => (x[0] < -0.5 ? 0 : x[0] < 0.5 ? 1 : 2));
    const importance = createCoefficientImportance({ model, sampleRate: 0.5, seed: 1 });
    for (let i = 0; i < xs.length; i += 50) {
      importance.update(xs.slice(i, i + 50), ys.subarray(i, i + 50));
      model.learnMany(xs.slice(i, i + 50), ys.subarray(i, i + 50));
    }
    const snapshot = importance.snapshot();
    expect(snapshot.features.map((score) => score.name)).toEqual(['x0', 'x1']);
    expect(snapshot.features[0].mean).toBeGreaterThan(10 * snapshot.features[1].mean);
  });

  it('rejects what cannot be scored, naming it', () => {
    const model = createLinearRegression({ numFeatures: 5 });
    expect(() => createIncrementalPfi({ model, features: vectorFeatures(NAMES), loss: 'log' })).toThrow(/loss 'log' needs a classifier/);
    expect(() => createIncrementalPfi({ model, features: vectorFeatures(NAMES), smoothing: 0 })).toThrow(/smoothing must be in \(0, 1\]/);
    expect(() => createIncrementalPfi({ model, features: vectorFeatures(NAMES), reservoir: { kind: 'sliding' as 'uniform' } })).toThrow(/reservoir.kind/);
    expect(() => createCoefficientImportance({ model, names: ['a'] })).toThrow(/1 names for a model of 5 features/);
    const pfi = createIncrementalPfi({ model, features: vectorFeatures(NAMES), sampleRate: 1 });
    expect(() => pfi.update([new Float64Array(5)], [1, 2])).toThrow(/1 examples but 2 labels/);
    pfi.update([new Float64Array(5)], [1]);
    expect(() => pfi.update([new Float64Array(3)], [1])).toThrow(
      /example 0 of the batch: vectorFeatures: expected a dense vector of at least 5 slots, got 3 slots/,
    );
  });
});
