import { ConfigError, NonFiniteError } from '../../../src/errors';
import type { LinearRegression, LinearRegressionConfig } from '../../../src/learners';
import { createLinearRegression } from '../../../src/learners';
import type { Dataset, LinearTruth } from './fixtures';
import { maxAbsDifference, regressionData, ridgeSolution, toSparse } from './fixtures';

const truth: LinearTruth = { weights: Float64Array.of(1.5, -2, 0.5, 3, -1), intercept: 0.7 };
const data = regressionData(11, 1000, truth, 0.3);

/** Full-batch gradient descent on ½·mean((w·x + b - y)²) + ridge/2·|w|², written out plainly. */
function gradientDescent(dataset: Dataset, ridge: number, stepSize: number, steps: number): LinearTruth {
  const d = dataset.xs[0].length;
  let weights = new Float64Array(d);
  let intercept = 0;
  for (let t = 0; t < steps; t++) {
    const gradient = new Float64Array(d);
    let interceptGradient = 0;
    dataset.xs.forEach((x, i) => {
      const residual = x.reduce((sum, v, j) => sum + v * weights[j], intercept) - dataset.ys[i];
      for (let j = 0; j < d; j++) gradient[j] += (residual * x[j]) / dataset.xs.length;
      interceptGradient += residual / dataset.xs.length;
    });
    weights = weights.map((w, j) => (1 - stepSize * ridge) * w - stepSize * gradient[j]);
    intercept -= stepSize * interceptGradient;
  }
  return { weights, intercept };
}

/** Sequential SGD with a decaying rate, the setting that converges to the optimum. */
function decayingSgd(config: Partial<LinearRegressionConfig>): LinearRegression {
  return createLinearRegression({ numFeatures: 5, optimizer: { kind: 'sgd', schedule: 'invscaling' }, stepSize: 0.05, maxIter: 30, ...config });
}

describe('LinearRegression', () => {
  test('sequential SGD converges to the closed-form least-squares solution (within 1e-2)', () => {
    const optimum = ridgeSolution(data, 0);
    const model = decayingSgd({});
    model.learnMany(data.xs, data.ys);
    expect(maxAbsDifference(model.coefficients(), optimum.weights)).toBeLessThan(1e-2);
    expect(Math.abs(model.intercepts()[0] - optimum.intercept)).toBeLessThan(1e-2);
  });

  test('ridge (elasticNetParam 0) matches the closed-form ridge solution of mean loss + regParam/2·|w|²', () => {
    const regParam = 0.5;
    const optimum = ridgeSolution(data, regParam);
    // The penalty visibly shrinks the solution, so matching it is not matching least squares.
    expect(maxAbsDifference(optimum.weights, ridgeSolution(data, 0).weights)).toBeGreaterThan(0.3);
    const sequential = decayingSgd({ regParam });
    sequential.learnMany(data.xs, data.ys);
    expect(maxAbsDifference(sequential.coefficients(), optimum.weights)).toBeLessThan(1e-2);
    expect(Math.abs(sequential.intercepts()[0] - optimum.intercept)).toBeLessThan(1e-2);
    const fullBatch = createLinearRegression({ numFeatures: 5, regParam, stepSize: 0.5, maxIter: 300, batchMode: 'minibatch' });
    fullBatch.learnMany(data.xs, data.ys);
    expect(maxAbsDifference(fullBatch.coefficients(), optimum.weights)).toBeLessThan(1e-9);
    expect(Math.abs(fullBatch.intercepts()[0] - optimum.intercept)).toBeLessThan(1e-9);
  });

  test('minibatch mode takes exactly one averaged gradient step per pass', () => {
    const small: Dataset = { xs: data.xs.slice(0, 40), ys: data.ys.slice(0, 40) };
    const expected = gradientDescent(small, 0.2, 0.1, 7);
    for (const xs of [small.xs, small.xs.map(toSparse)]) {
      const model = createLinearRegression({ numFeatures: 5, regParam: 0.2, stepSize: 0.1, maxIter: 7, batchMode: 'minibatch' });
      model.learnMany(xs, small.ys);
      expect(maxAbsDifference(model.coefficients(), expected.weights)).toBeLessThan(1e-12);
      expect(model.intercepts()[0]).toBeCloseTo(expected.intercept, 12);
    }
  });

  test('L1 and elastic net give exact zeros on irrelevant features and keep the relevant ones', () => {
    const sparseTruth: LinearTruth = { weights: Float64Array.of(2, 0, 0, -1.5, 0, 0, 0, 1, 0, 0), intercept: -0.5 };
    const sparseData = regressionData(12, 2000, sparseTruth, 0.1);
    for (const elasticNetParam of [1, 0.5]) {
      const model = decayingSgd({ numFeatures: 10, regParam: 0.1, elasticNetParam, maxIter: 5 });
      model.learnMany(sparseData.xs, sparseData.ys);
      const coefficients = model.coefficients();
      sparseTruth.weights.forEach((w, j) => {
        if (w === 0) expect({ j, c: coefficients[j] }).toEqual({ j, c: 0 });
        else expect({ j, kept: Math.sign(coefficients[j]) === Math.sign(w) && Math.abs(coefficients[j]) > 0.5 }).toEqual({ j, kept: true });
      });
    }
    // Without L1 the same data leaves no weight exactly zero.
    const ridge = createLinearRegression({ numFeatures: 10, regParam: 0.1, stepSize: 0.01 });
    ridge.learnMany(sparseData.xs, sparseData.ys);
    expect(Array.from(ridge.coefficients()).filter((c) => c === 0)).toHaveLength(0);
  });

  test('the L2 decay of features absent from sparse steps equals eager decay', () => {
    const dense = createLinearRegression({ numFeatures: 5, regParam: 0.3, stepSize: 0.02 });
    const sparse = createLinearRegression({ numFeatures: 5, regParam: 0.3, stepSize: 0.02 });
    dense.learnMany(data.xs.slice(0, 200), data.ys.slice(0, 200));
    sparse.learnMany(data.xs.slice(0, 200), data.ys.slice(0, 200));
    const onlyFeatureZero = data.xs.slice(200, 300).map((x) => Float64Array.of(x[0], 0, 0, 0, 0));
    const before = dense.coefficients();
    dense.learnMany(onlyFeatureZero, data.ys.slice(200, 300));
    sparse.learnMany(onlyFeatureZero.map(toSparse), data.ys.slice(200, 300));
    expect(maxAbsDifference(sparse.coefficients(), dense.coefficients())).toBeLessThan(1e-12);
    const decay = (1 - 0.02 * 0.3) ** 100;
    for (let j = 1; j < 5; j++) expect(sparse.coefficients()[j]).toBeCloseTo(before[j] * decay, 12);
  });

  test('huber resists outliers that drag squared loss away', () => {
    const outliers: Dataset = {
      xs: data.xs,
      ys: data.ys.map((y, i) => (i % 10 === 0 ? y + 50 * Math.sign(data.xs[i][0]) : y)),
    };
    const fit = (loss: 'squared' | 'huber') => {
      const model = createLinearRegression({ numFeatures: 5, loss, epsilon: 1, stepSize: 0.01, maxIter: 10 });
      model.learnMany(outliers.xs, outliers.ys);
      return maxAbsDifference(model.coefficients(), truth.weights);
    };
    expect(fit('huber')).toBeLessThan(0.4);
    expect(fit('squared')).toBeGreaterThan(3);
  });

  test('passive-aggressive regression (epsilon-insensitive, PA-I) fits noise-free data', () => {
    const clean = regressionData(13, 500, truth, 0);
    const model = createLinearRegression({
      numFeatures: 5,
      loss: 'epsilonInsensitive',
      epsilon: 0.01,
      optimizer: { kind: 'sgd', schedule: 'pa1', aggressiveness: 1 },
      maxIter: 5,
    });
    model.learnMany(clean.xs, clean.ys);
    expect(maxAbsDifference(model.coefficients(), truth.weights)).toBeLessThan(0.02);
    expect(() => createLinearRegression({ numFeatures: 5, optimizer: { kind: 'sgd', schedule: 'pa1' } })).toThrow(ConfigError);
  });

  test('a diverging step is reported with the batch and the feature', () => {
    const model = createLinearRegression({ numFeatures: 5, stepSize: 1 });
    const large = data.xs.map((x) => x.map((v) => v * 1e3));
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) model.learnMany(large.slice(i * 10, i * 10 + 10), data.ys.slice(i * 10, i * 10 + 10), `prices/0@${i * 10}`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/(weights became non-finite at (feature \d|the intercept)|margin overflowed).* of batch 'prices\/0@\d+'/);
  });

  test('invalid configurations are refused at construction', () => {
    const bad = [
      { numFeatures: 0 },
      { numFeatures: 3.5 },
      { numFeatures: 5, regParam: -1 },
      { numFeatures: 5, elasticNetParam: 2 },
      { numFeatures: 5, stepSize: 0 },
      { numFeatures: 5, maxIter: 0 },
      { numFeatures: 5, clipNorm: -1 },
      { numFeatures: 5, stepSize: 1, regParam: 2 },
      { numFeatures: 5, optimizer: { kind: 'sgd' as const, schedule: 'optimal' as const } },
      { numFeatures: 5, optimizer: { kind: 'normalized' as const }, batchMode: 'minibatch' as const },
      { numFeatures: 5, optimizer: { kind: 'adam' as const, beta2: 1 } },
    ];
    for (const config of bad) expect(() => createLinearRegression(config)).toThrow(ConfigError);
    expect(() => createLinearRegression({ numFeatures: 5, regParam: -1 })).toThrow('LinearRegression: regParam must be a finite number ≥ 0, got -1');
  });
});

describe('LinearRegression defaults', () => {
  test("one default step is River's default step: SGD 0.01 on the loss r² (gradient 2r), intercept included", () => {
    const model = createLinearRegression({ numFeatures: 2 });
    const x = Float64Array.of(1.5, -2);
    const y = 3;
    model.learnOne(x, y);
    // River: w ← w − 0.01 · 2(p − y) · x with p = 0 at the start; the intercept likewise with x = 1.
    const riverStep = -0.01 * 2 * (0 - y);
    expect(model.predictOne(x)).toBeCloseTo(riverStep * (1.5 * 1.5 + 2 * 2 + 1), 12);
    expect(model.state().config.stepSize).toBe(0.02);
  });

  test('the doubled default applies only to squared-loss SGD; explicit rates and other optimizers keep theirs', () => {
    expect(createLinearRegression({ numFeatures: 1, stepSize: 0.01 }).state().config.stepSize).toBe(0.01);
    expect(createLinearRegression({ numFeatures: 1, loss: 'huber' }).state().config.stepSize).toBe(0.01);
    expect(createLinearRegression({ numFeatures: 1, optimizer: { kind: 'adam' } }).state().config.stepSize).toBe(0.01);
  });
});
