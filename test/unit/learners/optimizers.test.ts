import type { OptimizerConfig } from '../../../src/learners';
import { createLinearRegression, createLogisticRegression } from '../../../src/learners';
import type { LinearTruth } from './fixtures';
import { accuracy, maxAbsDifference, regressionData, ridgeSolution, separableBinaryData, sparseVectors } from './fixtures';

const truth: LinearTruth = { weights: Float64Array.of(1, -2, 0.5, 3, -1), intercept: 0.5 };
const clean = regressionData(31, 2000, truth, 0.01);

describe('each optimizer converges on a least-squares problem', () => {
  const settings: [string, OptimizerConfig, number][] = [
    ['sgd constant', { kind: 'sgd', schedule: 'constant' }, 0.01],
    ['sgd invscaling', { kind: 'sgd', schedule: 'invscaling' }, 0.05],
    ['adagrad', { kind: 'adagrad' }, 0.5],
    ['adam', { kind: 'adam' }, 0.01],
    ['ftrl', { kind: 'ftrl', beta: 1 }, 0.5],
    ['normalized, invariant', { kind: 'normalized' }, 0.5],
    ['normalized, not invariant', { kind: 'normalized', invariant: false }, 0.5],
  ];
  test.each(settings)('%s', (_name, optimizer, stepSize) => {
    const model = createLinearRegression({ numFeatures: 5, optimizer, stepSize, maxIter: 5 });
    model.learnMany(clean.xs, clean.ys);
    expect(maxAbsDifference(model.coefficients(), truth.weights)).toBeLessThan(0.02);
    expect(model.intercepts()[0]).toBeCloseTo(truth.intercept, 1);
  });

  test("sgd with Bottou's optimal schedule converges to the ridge solution of its regParam", () => {
    const noisy = regressionData(32, 2000, truth, 0.5);
    const optimum = ridgeSolution(noisy, 0.1);
    const model = createLinearRegression({ numFeatures: 5, regParam: 0.1, optimizer: { kind: 'sgd', schedule: 'optimal' }, maxIter: 10 });
    model.learnMany(noisy.xs, noisy.ys);
    expect(maxAbsDifference(model.coefficients(), optimum.weights)).toBeLessThan(1e-2);
  });
});

describe('optimizer specifics', () => {
  const x = Float64Array.of(0.5, -2, 1, 0.1, 3);

  test.each([
    ['constant', 0, (t: number) => 0.2 + 0 * t],
    ['invscaling', 0, (t: number) => 0.2 / Math.pow(t, 0.5)],
    ['optimal', 0.1, (t: number) => 1 / (0.1 * (1 / (Math.pow(0.1, -0.25) * 0.1) + t - 1))],
  ] as const)('sgd %s schedule: step t uses its documented rate', (schedule, regParam, rate) => {
    const model = createLinearRegression({ numFeatures: 1, fitIntercept: false, regParam, optimizer: { kind: 'sgd', schedule }, stepSize: 0.2 });
    let w = 0;
    for (let t = 1; t <= 4; t++) {
      model.learnOne(Float64Array.of(1), 1);
      w = (1 - rate(t) * regParam) * w - rate(t) * (w - 1);
      expect(model.coefficients()[0]).toBeCloseTo(w, 14);
    }
  });

  test.each([['adagrad'], ['adam']] as const)('%s: the first step moves every weight by stepSize against its gradient sign', (kind) => {
    const model = createLinearRegression({ numFeatures: 5, optimizer: { kind }, stepSize: 0.1 });
    model.learnOne(x, 10);
    // The residual is -10, so every gradient has the sign of -x.
    Array.from(model.coefficients()).forEach((w, j) => expect(w).toBeCloseTo(0.1 * Math.sign(x[j]), 6));
    expect(model.intercepts()[0]).toBeCloseTo(0.1, 6);
  });

  test('ftrl: L1 leaves irrelevant features at exactly zero; its sparse steps work on hashed input', () => {
    const sparseTruth: LinearTruth = { weights: Float64Array.of(2, 0, 0, -1.5, 0, 1), intercept: 0 };
    const data = regressionData(33, 2000, sparseTruth, 0.1);
    const model = createLinearRegression({ numFeatures: 6, optimizer: { kind: 'ftrl' }, stepSize: 0.5, regParam: 50, elasticNetParam: 1, maxIter: 3 });
    model.learnMany(data.xs, data.ys);
    const c = model.coefficients();
    expect([c[1], c[2], c[4]]).toEqual([0, 0, 0]);
    expect(maxAbsDifference([c[0], c[3], c[5]], [2, -1.5, 1])).toBeLessThan(0.02);
    const hashed = sparseVectors(34, 3000, 1 << 16, 10);
    const labels = hashed.map((v) => (v.values[0] * (v.indices[0] % 2 === 0 ? 1 : -1) > 0 ? 1 : 0));
    const classifier = createLogisticRegression({ numFeatures: 1 << 16, optimizer: { kind: 'ftrl' }, dtype: 'float32', regParam: 1, elasticNetParam: 1 });
    classifier.learnMany(hashed, labels);
    const nonzero = Array.from(classifier.coefficients()).filter((w) => w !== 0).length;
    expect(nonzero).toBeGreaterThan(0);
    expect(nonzero).toBeLessThan(hashed.length * 10);
  });

  test('ftrl: two steps follow McMahan et al.’s Algorithm 1 by hand', () => {
    const alpha = 0.3;
    const model = createLinearRegression({ numFeatures: 1, fitIntercept: false, optimizer: { kind: 'ftrl', beta: 1 }, stepSize: alpha });
    const one = Float64Array.of(1);
    model.learnOne(one, 1);
    // g = p - y = -1; σ = 1/α; z = -1; n = 1; w = -z / ((β + √n)/α).
    expect(model.coefficients()[0]).toBeCloseTo(alpha / 2, 15);
    model.learnOne(one, 1);
    const g = alpha / 2 - 1;
    const n = 1 + g * g;
    const z = -1 + g - ((Math.sqrt(n) - 1) / alpha) * (alpha / 2);
    expect(model.coefficients()[0]).toBeCloseTo(-z / ((1 + Math.sqrt(n)) / alpha), 15);
  });

  test('ftrl: with both penalties, two steps follow Algorithm 1 by hand, L2 in the denominator and L1 in the threshold', () => {
    const [alpha, l1, l2] = [0.3, 0.2, 0.3];
    const model = createLinearRegression({
      numFeatures: 1,
      fitIntercept: false,
      optimizer: { kind: 'ftrl', beta: 1 },
      stepSize: alpha,
      regParam: 0.5,
      elasticNetParam: 0.4,
    });
    const one = Float64Array.of(1);
    model.learnOne(one, 1);
    // z = -1, n = 1: w = -(z + λ1) / ((β + √n)/α + λ2).
    const w1 = (1 - l1) / (2 / alpha + l2);
    expect(model.coefficients()[0]).toBeCloseTo(w1, 15);
    model.learnOne(one, 1);
    const g = w1 - 1;
    const n = 1 + g * g;
    const z = -1 + g - ((Math.sqrt(n) - 1) / alpha) * w1;
    expect(model.coefficients()[0]).toBeCloseTo(-(z + l1) / ((1 + Math.sqrt(n)) / alpha + l2), 15);
    // A gradient within λ1 leaves the weight at exactly zero.
    const sparse = createLinearRegression({
      numFeatures: 1,
      fitIntercept: false,
      optimizer: { kind: 'ftrl' },
      stepSize: alpha,
      regParam: 2,
      elasticNetParam: 0.5,
    });
    sparse.learnOne(one, 0.9);
    expect(sparse.coefficients()[0]).toBe(0);
  });

  test('normalized: two steps follow VW’s update by hand, rescaling when a larger |x| shows up', () => {
    const eta = 0.4;
    const plain = createLinearRegression({ numFeatures: 1, fitIntercept: false, optimizer: { kind: 'normalized', invariant: false }, stepSize: eta });
    plain.learnOne(Float64Array.of(1), 1);
    // g = -1, G = 1, s = 1, Σ‖x/s‖² = 1 after 1 update: w = η.
    expect(plain.coefficients()[0]).toBeCloseTo(eta, 15);
    plain.learnOne(Float64Array.of(2), 2 * eta + 1);
    // s grows 1 → 2, so w halves first; then g = -2, G = 5, Σ‖x/s‖² = 2 after 2 updates: w += η·2/(√5·2).
    expect(plain.coefficients()[0]).toBeCloseTo(eta / 2 + eta / Math.sqrt(5), 15);
    const invariant = createLinearRegression({ numFeatures: 5, optimizer: { kind: 'normalized' }, stepSize: eta });
    invariant.learnOne(x, 10);
    // Sensitivity √(1/6)·Σ x_j²/(|g_j|·|x_j|) = √6/10 over 6 coordinates (intercept included): p = 10·(1 - e^{-η√6/10}).
    expect(invariant.predictOne(x)).toBeCloseTo(10 * -Math.expm1((-eta * Math.sqrt(6)) / 10), 12);
  });

  test('normalized: the update is exactly invariant to rescaling a feature (L2 shrinks multiplicatively, so keeps it)', () => {
    const scales = Float64Array.of(1e-3, 1, 1e3, 10, 1e-2);
    const scaled = clean.xs.map((v) => v.map((value, j) => value * scales[j]));
    const reference = createLinearRegression({ numFeatures: 5, optimizer: { kind: 'normalized' }, regParam: 0.01 });
    const rescaled = createLinearRegression({ numFeatures: 5, optimizer: { kind: 'normalized' }, regParam: 0.01 });
    reference.learnMany(clean.xs.slice(0, 300), clean.ys.slice(0, 300));
    rescaled.learnMany(scaled.slice(0, 300), clean.ys.slice(0, 300));
    const a = reference.predictMany(clean.xs.slice(300, 400));
    const b = rescaled.predictMany(scaled.slice(300, 400));
    a.forEach((value, i) => expect(b[i]).toBeCloseTo(value, 9));
  });

  test('normalized: learns features of wildly different scales as if they were standardised', () => {
    const scales = Float64Array.of(1e-3, 1, 1e3, 10, 1e-2);
    const scaled = clean.xs.map((v) => v.map((value, j) => value * scales[j]));
    const model = createLinearRegression({ numFeatures: 5, optimizer: { kind: 'normalized' }, maxIter: 5 });
    model.learnMany(scaled, clean.ys);
    const recovered = Array.from(model.coefficients()).map((w, j) => w * scales[j]);
    expect(maxAbsDifference(recovered, truth.weights)).toBeLessThan(0.05);
    // Plain SGD cannot: any step size that is stable for the 1e3 feature barely moves the 1e-3 one.
    const sgd = createLinearRegression({ numFeatures: 5, stepSize: 1e-7, maxIter: 5 });
    sgd.learnMany(scaled, clean.ys);
    expect(
      maxAbsDifference(
        Array.from(sgd.coefficients()).map((w, j) => w * scales[j]),
        truth.weights,
      ),
    ).toBeGreaterThan(0.5);
  });

  test('normalized, invariant: a huge step approaches the label without overshooting it', () => {
    for (const invariant of [true, false]) {
      const model = createLinearRegression({ numFeatures: 5, optimizer: { kind: 'normalized', invariant }, stepSize: 50 });
      model.learnOne(x, 10);
      const after = model.predictOne(x);
      if (invariant) {
        expect(after).toBeGreaterThan(9.9);
        expect(after).toBeLessThanOrEqual(10);
      } else {
        expect(after).toBeGreaterThan(20);
      }
    }
  });

  test('clipValue caps each gradient component; clipNorm caps the whole gradient', () => {
    const byValue = createLinearRegression({ numFeatures: 5, stepSize: 0.1, clipValue: 0.5 });
    byValue.learnOne(x, 100);
    Array.from(byValue.coefficients()).forEach((w, j) => expect(w).toBeCloseTo(0.1 * Math.min(0.5, 100 * Math.abs(x[j])) * Math.sign(x[j]), 12));
    const byNorm = createLinearRegression({ numFeatures: 5, stepSize: 0.1, clipNorm: 2 });
    byNorm.learnOne(x, 100);
    const moved = [...byNorm.coefficients(), byNorm.intercepts()[0]];
    expect(Math.hypot(...moved)).toBeCloseTo(0.1 * 2, 12);
    // The direction is kept: each weight is proportional to its feature value.
    moved.slice(0, 5).forEach((w, j) => expect(w / x[j]).toBeCloseTo(moved[5], 12));
  });

  test('every optimizer also trains a classifier to separate separable data', () => {
    const separable = separableBinaryData(35, 300, truth, 0.3);
    const optimizers: OptimizerConfig[] = [
      { kind: 'sgd', schedule: 'invscaling' },
      { kind: 'adagrad' },
      { kind: 'adam' },
      { kind: 'ftrl' },
      { kind: 'normalized' },
    ];
    for (const optimizer of optimizers) {
      const model = createLogisticRegression({ numFeatures: 5, optimizer, stepSize: 0.5, maxIter: 30 });
      model.learnMany(separable.xs, separable.ys);
      expect({ optimizer, accuracy: accuracy(model.predictMany(separable.xs), separable.ys) }).toEqual({ optimizer, accuracy: 1 });
    }
  });
});
