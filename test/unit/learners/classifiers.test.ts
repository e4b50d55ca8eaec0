import type { FeatureVector } from '../../../src/learners';
import { createLinearSVM, createLogisticRegression, createSoftmaxRegression } from '../../../src/learners';
import type { LinearTruth } from './fixtures';
import { accuracy, blobData, logisticData, logisticSolution, maxAbsDifference, separableBinaryData, toSparse } from './fixtures';

const plane: LinearTruth = { weights: Float64Array.of(2, -1, 0.5, 1.5, -3, 1), intercept: -0.5 };
const separable = separableBinaryData(21, 400, plane, 0.2);

describe('LogisticRegression', () => {
  test('reaches 100% training accuracy on linearly separable data, dense and sparse', () => {
    for (const xs of [separable.xs, separable.xs.map(toSparse)] as FeatureVector[][]) {
      const model = createLogisticRegression({ numFeatures: 6, stepSize: 0.5, maxIter: 50 });
      model.learnMany(xs, separable.ys);
      expect(accuracy(model.predictMany(xs), separable.ys)).toBe(1);
    }
  });

  test('converges to the penalised maximum-likelihood solution found by Newton’s method', () => {
    const data = logisticData(22, 1500, { weights: Float64Array.of(1, -2, 0.5, 0), intercept: 0.3 });
    const optimum = logisticSolution(data, 0.05);
    const fullBatch = createLogisticRegression({ numFeatures: 4, regParam: 0.05, stepSize: 1, maxIter: 400, batchMode: 'minibatch' });
    fullBatch.learnMany(data.xs, data.ys);
    expect(maxAbsDifference(fullBatch.coefficients(), optimum.weights)).toBeLessThan(1e-6);
    expect(fullBatch.intercepts()[0]).toBeCloseTo(optimum.intercept, 6);
    const sequential = createLogisticRegression({
      numFeatures: 4,
      regParam: 0.05,
      optimizer: { kind: 'sgd', schedule: 'invscaling' },
      stepSize: 0.2,
      maxIter: 20,
    });
    sequential.learnMany(data.xs, data.ys);
    expect(maxAbsDifference(sequential.coefficients(), optimum.weights)).toBeLessThan(1e-2);
  });

  test('probabilities follow the sigmoid of the margin without overflow', () => {
    const model = createLogisticRegression({ numFeatures: 1, fitIntercept: false, stepSize: 1 });
    for (let i = 0; i < 20; i++) model.learnOne(Float64Array.of(1), 1);
    const w = model.coefficients()[0];
    expect(model.predictProbaOne(Float64Array.of(1))[1]).toBeCloseTo(1 / (1 + Math.exp(-w)), 15);
    const extreme = model.predictProbaOne(Float64Array.of(1e6));
    expect(Array.from(extreme)).toEqual([0, 1]);
    expect(Array.from(model.predictProbaOne(Float64Array.of(-1e6)))).toEqual([1, 0]);
  });
});

describe('LinearSVM', () => {
  test.each(['hinge', 'squaredHinge'] as const)('%s reaches 100%% training accuracy on separable data', (loss) => {
    const model = createLinearSVM({ numFeatures: 6, loss, stepSize: 0.2, maxIter: 50 });
    model.learnMany(separable.xs, separable.ys);
    expect(accuracy(model.predictMany(separable.xs), separable.ys)).toBe(1);
  });

  test('labels {-1, 1} and {0, 1} learn the same model', () => {
    const zeroOne = createLinearSVM({ numFeatures: 6, stepSize: 0.05 });
    const signed = createLinearSVM({ numFeatures: 6, stepSize: 0.05 });
    zeroOne.learnMany(separable.xs, separable.ys);
    signed.learnMany(
      separable.xs,
      separable.ys.map((y) => (y === 1 ? 1 : -1)),
    );
    expect(Array.from(signed.coefficients())).toEqual(Array.from(zeroOne.coefficients()));
    expect(Math.sign(zeroOne.decisionOne(separable.xs[0]))).toBe(separable.ys[0] === 1 ? 1 : -1);
  });

  test.each(['pa1', 'pa2'] as const)('passive-aggressive (%s) separates separable data', (schedule) => {
    const model = createLinearSVM({ numFeatures: 6, optimizer: { kind: 'sgd', schedule }, maxIter: 20 });
    model.learnMany(separable.xs, separable.ys);
    expect(accuracy(model.predictMany(separable.xs), separable.ys)).toBe(1);
  });

  test('a PA-I step with room to spare lands exactly on the margin', () => {
    const model = createLinearSVM({ numFeatures: 2, optimizer: { kind: 'sgd', schedule: 'pa1', aggressiveness: 100 } });
    const x = Float64Array.of(0.3, -0.7);
    model.learnOne(x, 1);
    expect(model.decisionOne(x)).toBeCloseTo(1, 14);
  });
});

describe('SoftmaxRegression', () => {
  test('reaches 100% training accuracy on separable 3-class data, dense and sparse', () => {
    const blobs = blobData(23, 300, 4, 3);
    for (const xs of [blobs.xs, blobs.xs.map(toSparse)] as FeatureVector[][]) {
      const model = createSoftmaxRegression({ numFeatures: 4, numClasses: 3, stepSize: 0.1, maxIter: 10 });
      model.learnMany(xs, blobs.ys);
      expect(accuracy(model.predictMany(xs), blobs.ys)).toBe(1);
    }
  });

  test('with two classes it is logistic regression: class-1 minus class-0 weights match', () => {
    const data = logisticData(24, 300, { weights: Float64Array.of(1, -1, 2), intercept: 0.2 });
    const optimum = logisticSolution(data, 0.1);
    const softmax = createSoftmaxRegression({ numFeatures: 3, numClasses: 2, regParam: 0.2, stepSize: 1, maxIter: 600, batchMode: 'minibatch' });
    softmax.learnMany(data.xs, data.ys);
    // Softmax splits a logistic weight w into ±w/2: its penalty regParam/2·2·|w/2|² is logistic's at regParam/2.
    const c = softmax.coefficients();
    const difference = [0, 1, 2].map((j) => c[3 + j] - c[j]);
    expect(maxAbsDifference(difference, optimum.weights)).toBeLessThan(1e-6);
    const b = softmax.intercepts();
    expect(b[1] - b[0]).toBeCloseTo(optimum.intercept, 6);
  });
});
