/**
 * The single-example fast paths of the linear learners: SGD steps straight from the example (no
 * GradientBatch), the fused predict-then-learn steps that prequential evaluation takes, and the
 * divergence check those steps make as they write each weight.
 */
import { createLogLoss, createRmse, progressiveValScore, type Example } from '../../../src/evaluation';
import { NonFiniteError } from '../../../src/errors';
import type { Estimator, FeatureVector, LinearConfig, OptimizerConfig, SparseVector } from '../../../src/learners';
import { createLinearRegression, createLogisticRegression } from '../../../src/learners';
import { GradientBatch } from '../../../src/learners/gradient-batch';
import { regressionData, sparseVectors } from './fixtures';
import { errorOf } from '../../support/error-of';

/** Gradient clipping this loose never changes a finite gradient, but sends every step through the GradientBatch. */
const THROUGH_THE_BATCH = { clipValue: 1e300 };

const FLOAT32_MAX = 3.4028234663852886e38;

function arraysOf(learner: Estimator): Record<string, number[]> {
  return Object.fromEntries(Object.entries(learner.state().arrays).map(([key, values]) => [key, Array.from(values)]));
}

/** Sparse vectors whose first index repeats as their last, so that one step updates a weight twice. */
function withRepeatedIndex(vectors: SparseVector[]): SparseVector[] {
  return vectors.map(({ indices, values }) => ({
    indices: Int32Array.from([...indices, indices[0]]),
    values: Float64Array.from([...values, 0.5 * values[0]]),
  }));
}

describe('an SGD or FTRL step straight from the example', () => {
  const dense = regressionData(41, 300, { weights: Float64Array.of(1, -2, 0.5, 3, -1, 2), intercept: 0.4 }, 0.2);
  const sparse = sparseVectors(42, 300, 6, 3);
  const sparseLabels = sparse.map((v) => v.values.reduce((sum, value, s) => sum + value * (v.indices[s] - 2.5), 0.3));
  const inputs: [string, FeatureVector[], number[]][] = [
    ['dense', dense.xs, dense.ys],
    ['sparse', sparse, sparseLabels],
    ['sparse, repeated-index', withRepeatedIndex(sparse), sparseLabels],
  ];
  const settings: [string, OptimizerConfig, Partial<LinearConfig>][] = [
    ['constant rate', { kind: 'sgd', schedule: 'constant' }, {}],
    ['invscaling, L2', { kind: 'sgd', schedule: 'invscaling' }, { regParam: 0.05 }],
    ['optimal, L2, float32', { kind: 'sgd', schedule: 'optimal' }, { regParam: 0.8, dtype: 'float32' }],
    ['constant rate, no intercept', { kind: 'sgd', schedule: 'constant' }, { fitIntercept: false }],
    // L1's cumulative clip is taken on each coordinate as it is stepped, as the GradientBatch step does.
    ['invscaling, elastic net', { kind: 'sgd', schedule: 'invscaling' }, { regParam: 0.05, elasticNetParam: 0.5 }],
    ['constant rate, L1, float32', { kind: 'sgd', schedule: 'constant' }, { regParam: 0.02, elasticNetParam: 1, dtype: 'float32' }],
    ['FTRL, elastic net', { kind: 'ftrl' }, { regParam: 0.05, elasticNetParam: 0.5 }],
    ['FTRL, float32, no intercept', { kind: 'ftrl' }, { dtype: 'float32', fitIntercept: false }],
  ];

  afterEach(() => jest.restoreAllMocks());

  test.each(inputs)('equals the GradientBatch step, bit for bit, on %s input', (_name, xs, ys) => {
    const fill = jest.spyOn(GradientBatch.prototype, 'fill');
    for (const [setting, optimizer, extra] of settings) {
      const config = { numFeatures: 6, optimizer, stepSize: 0.05, ...extra };
      const direct = createLinearRegression(config);
      const batched = createLinearRegression({ ...config, ...THROUGH_THE_BATCH });
      direct.learnMany(xs, ys);
      expect({ setting, copies: fill.mock.calls.length }).toEqual({ setting, copies: 0 });
      batched.learnMany(xs, ys);
      expect({ setting, copies: fill.mock.calls.length }).toEqual({ setting, copies: xs.length });
      fill.mockClear();
      expect({ setting, arrays: arraysOf(direct) }).toEqual({ setting, arrays: arraysOf(batched) });
      // The L2 penalty really shrank through the scale, so its lazy path was taken too.
      const sgd = extra.regParam !== undefined && optimizer.kind === 'sgd';
      if (sgd && extra.elasticNetParam !== 1) expect(direct.state().arrays['penalty.scalars'][1]).toBeLessThan(1);
      // And the L1 clip really moved weights.
      if (sgd && extra.elasticNetParam !== undefined) expect(Array.from(direct.state().arrays['penalty.applied']).some((v) => v !== 0)).toBe(true);
    }
  });
});

describe('prequential evaluation through the fused steps', () => {
  const data = regressionData(43, 500, { weights: Float64Array.of(1, -1, 2), intercept: 0.1 }, 0.3);
  const stream = (ys: number[]) => data.xs.map((x, i): Example<Float64Array> => [x, ys[i]]);

  test('LogisticRegression, log loss: one predictProbaThenLearnOne per example, the same score and model', async () => {
    const examples = stream(data.ys.map((y) => (y > 0 ? 1 : 0)));
    const create = () => createLogisticRegression({ numFeatures: 3, stepSize: 0.1 });
    const model = create();
    const fused = jest.spyOn(model, 'predictProbaThenLearnOne');
    const learnOne = jest.spyOn(model, 'learnOne');
    const result = await progressiveValScore(examples, model, createLogLoss());
    expect(fused).toHaveBeenCalledTimes(examples.length);
    expect(learnOne).not.toHaveBeenCalled();

    const reference = create();
    const score = createLogLoss();
    for (const [x, y] of examples) {
      score.update(y, reference.predictProbaOne(x)[1]);
      reference.learnOne(x, y);
    }
    expect(result.metric.get()).toBe(score.get());
    expect(arraysOf(model)).toEqual(arraysOf(reference));
  });

  test('LinearRegression, RMSE: one predictThenLearnOne per example, the same score and model', async () => {
    const examples = stream(data.ys);
    const create = () => createLinearRegression({ numFeatures: 3, stepSize: 0.05 });
    const model = create();
    const fused = jest.spyOn(model, 'predictThenLearnOne');
    const learnOne = jest.spyOn(model, 'learnOne');
    const result = await progressiveValScore(examples, model, createRmse());
    expect(fused).toHaveBeenCalledTimes(examples.length);
    expect(learnOne).not.toHaveBeenCalled();

    const reference = create();
    const score = createRmse();
    for (const [x, y] of examples) {
      score.update(y, reference.predictOne(x));
      reference.learnOne(x, y);
    }
    expect(result.metric.get()).toBe(score.get());
    expect(arraysOf(model)).toEqual(arraysOf(reference));
  });
});

describe('the divergence check of the direct step', () => {
  test('a weight that overflows float32 is named, though its float64 value is finite', () => {
    const x = Float64Array.of(1, 1e20, 1);
    for (const extra of [{}, THROUGH_THE_BATCH]) {
      const narrow = createLinearRegression({ numFeatures: 3, fitIntercept: false, stepSize: 1, dtype: 'float32', ...extra });
      const error = errorOf(() => narrow.learnOne(x, 1e20));
      expect(error).toBeInstanceOf(NonFiniteError);
      expect(error.message).toContain('weights became non-finite at feature 1 after the example');
    }
    const wide = createLinearRegression({ numFeatures: 3, fitIntercept: false, stepSize: 1 });
    wide.learnOne(x, 1e20);
    expect(Array.from(wide.coefficients())).toEqual([1e20, 1e40, 1e20]);
  });

  test('the first bad weight in the order of the example is named, as the batch step names it', () => {
    // Feature 0 is still finite after its first update but not after its second, which follows feature 1's.
    const x: SparseVector = { indices: Int32Array.of(0, 1, 0), values: Float64Array.of(1, 1e20, 1e20) };
    for (const extra of [{}, THROUGH_THE_BATCH]) {
      const model = createLinearRegression({ numFeatures: 2, fitIntercept: false, stepSize: 1, dtype: 'float32', ...extra });
      expect(errorOf(() => model.learnOne(x, 1e20)).message).toContain('non-finite at feature 0 after');
    }
  });

  test('a float64 value just beyond the float32 maximum, stored as that maximum, is no divergence', () => {
    // Within half a float32 ulp of the maximum, so it rounds down to it: finite.
    const beyond = FLOAT32_MAX + 1e30;
    expect(Math.fround(beyond)).toBe(FLOAT32_MAX);
    const model = createLinearRegression({ numFeatures: 1, fitIntercept: false, stepSize: 1, dtype: 'float32' });
    model.learnOne(Float64Array.of(1), beyond);
    expect(model.coefficients()[0]).toBe(FLOAT32_MAX);
  });

  test('a step that sends the intercept to infinity names the intercept', () => {
    for (const extra of [{}, THROUGH_THE_BATCH]) {
      const model = createLinearRegression({ numFeatures: 1, stepSize: 1, dtype: 'float32', ...extra });
      // A zero feature keeps the weight at 0; the intercept moves by the residual itself.
      expect(errorOf(() => model.learnOne(Float64Array.of(0), 1e39)).message).toContain('non-finite at the intercept');
    }
  });
});
