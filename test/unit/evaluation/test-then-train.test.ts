/**
 * The shared test-then-train step (src/evaluation/test-then-train.ts): tests that fail if a loop learns
 * before it predicts, or scores P(class 0) where a metric needs P(class 1).
 */
import { ConfigError } from '../../../src/errors';
import {
  createAccuracy,
  createCrossEntropy,
  createF1,
  createRocAuc,
  createLogLoss,
  createMae,
  createR2,
  createRmse,
  progressiveValScore,
  scoreExample,
  testThenTrainBatch,
  checkMetrics,
  type Metric,
} from '../../../src/evaluation';
import type { Classifier } from '../../../src/learners/estimator';
import { scoreBatch, testThenTrainRows } from '../../../src/evaluation/test-then-train';
import { FeatureBatch } from '../../../src/features/feature-batch';
import { createLogisticRegression, createSoftmaxRegression } from '../../../src/learners';
import { errorOf } from '../../support/error-of';
import { createRandom } from '../../../src/random';

/**
 * A classifier that predicts the last label it learned (class 0 before any), with probability 0.8 on it:
 * a loop that learns an example before predicting it scores every example right.
 */
function parrot(numClasses = 2): Classifier<number> & { learned: number[] } {
  let last = 0;
  const learned: number[] = [];
  const proba = (out: Float64Array = new Float64Array(numClasses)): Float64Array => {
    out.fill(0.2 / (numClasses - 1));
    out[last] = 0.8;
    return out;
  };
  return {
    kind: 'Parrot',
    numClasses,
    learned,
    learnOne(_x, y) {
      last = y;
      learned.push(y);
    },
    learnMany(xs, ys) {
      for (let i = 0; i < xs.length; i++) this.learnOne(xs[i], ys[i]);
    },
    predictOne: () => last,
    predictMany: (xs, out = new Float64Array(xs.length)) => out.fill(last, 0, xs.length),
    predictProbaOne: (_x, out) => proba(out),
    predictProbaMany(xs, out = new Float64Array(xs.length * numClasses)) {
      for (let i = 0; i < xs.length; i++) out.set(proba(), i * numClasses);
      return out;
    },
    state: () => ({ kind: 'Parrot', version: 1, config: {}, arrays: {} }),
  };
}

const ys = [1, 0, 1, 1, 0, 1];

describe('testThenTrainBatch', () => {
  it('predicts every example with the model from before the batch, then learns the batch', () => {
    const model = parrot();
    const accuracy = createAccuracy();
    const outcome = testThenTrainBatch({ model, metrics: [accuracy], xs: ys.map((_, i) => i), ys });
    // The parrot knew only class 0: predicted 0 for all six, right twice. Training first would give 0 and 1s.
    expect(Array.from(outcome.predictions)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(accuracy.get()).toBeCloseTo(2 / 6, 12);
    expect(model.learned).toEqual(ys);
  });

  it('scores log loss with P(class 1), not P(class 0)', () => {
    const model = parrot();
    const logLoss = createLogLoss();
    testThenTrainBatch({ model, metrics: [logLoss], xs: [0, 1], ys: [1, 0] });
    // Before learning, P(class 1) = 0.2: the loss of y = 1 is -log 0.2 and of y = 0 is -log 0.8.
    expect(logLoss.get()).toBeCloseTo((-Math.log(0.2) - Math.log(0.8)) / 2, 12);
  });

  it('scores cross-entropy with the probability of the true class, for three classes', () => {
    const model = parrot(3);
    const crossEntropy = createCrossEntropy();
    testThenTrainBatch({ model, metrics: [crossEntropy], xs: [0, 1, 2], ys: [0, 2, 1] });
    expect(crossEntropy.get()).toBeCloseTo((-Math.log(0.8) - 2 * Math.log(0.1)) / 3, 12);
  });

  it('refuses P(class 1) metrics on a three-class model, naming the caller; accepts cross-entropy', () => {
    expect(() => checkMetrics('somewhere', parrot(3), [createLogLoss()])).toThrow(
      new ConfigError('somewhere: LogLoss scores P(class 1); Parrot is not a binary classifier'),
    );
    expect(() => checkMetrics('somewhere', parrot(3), [createCrossEntropy()])).not.toThrow();
  });

  it('scores a batch of one exactly as progressiveValScore does, example by example', async () => {
    const stepped = parrot();
    const metrics = [createAccuracy(), createLogLoss()];
    ys.forEach((y, i) => testThenTrainBatch({ model: stepped, metrics, xs: [i], ys: [y] }));
    const offline = await progressiveValScore<number>(
      ys.map((y, i) => [i, y] as const),
      parrot(),
      [createAccuracy(), createLogLoss()],
    );
    expect(metrics.map((metric) => metric.get())).toEqual(Object.values(offline.metrics).map((metric) => metric.get()));
    // The parrot predicts the previous label (0, 1, 0, 1, 1, 0 for 1, 0, 1, 1, 0, 1): right once. Learning first: six times.
    expect(metrics[0].get()).toBeCloseTo(1 / 6, 12);
  });
});

describe('testThenTrainRows: a feature batch read in place', () => {
  // P(class 1) for the binary model, P(true class) for three classes; a window of 7 counts 7.
  const metrics = (classes: number) => [createAccuracy(), classes === 2 ? createLogLoss() : createCrossEntropy(), createAccuracy({ window: 7 })];

  it.each([
    ['binary logistic, hashed (sparse)', () => createLogisticRegression({ numFeatures: 64, optimizer: { kind: 'ftrl' } }), 2, true],
    ['softmax, dense', () => createSoftmaxRegression({ numFeatures: 5, numClasses: 3, stepSize: 0.1 }), 3, false],
  ] as const)('%s: the same predictions, scores and model as the views', (_name, create, classes, sparse) => {
    const inPlace = create();
    const viewed = create();
    const [rowMetrics, viewMetrics] = [metrics(classes), metrics(classes)];
    const batch = new FeatureBatch();
    for (let b = 0; b < 4; b++) {
      batch.clear();
      const ys: number[] = [];
      for (let i = 0; i < 30; i++) {
        if (i % 11 === 5) batch.add(null);
        const v = Array.from({ length: 5 }, (_, j) => Math.sin(b * 97 + i * 13 + j * 7));
        batch.add(sparse ? { indices: Int32Array.of(i % 64, (i * 7 + 3) % 64), values: Float64Array.of(v[0], v[1]) } : Float64Array.from(v));
        ys.push((b + i) % classes);
      }
      const rows = batch.rows();
      const views = batch.kept().vectors;
      const a = testThenTrainRows({ model: inPlace, metrics: rowMetrics, rows, ys: Float64Array.from(ys), where: 'b' });
      const v = testThenTrainBatch({ model: viewed, metrics: viewMetrics, xs: views, ys: Float64Array.from(ys), where: 'b' });
      expect(Array.from(a.predictions)).toEqual(Array.from(v.predictions));
      expect(a.unscored).toBe(v.unscored);
    }
    expect(rowMetrics.map((m) => m.get())).toEqual(viewMetrics.map((m) => m.get()));
    expect(rowMetrics.map((m) => [Number.isFinite(m.get()), m.count()])).toEqual([
      [true, 120],
      [true, 120],
      [true, 7],
    ]);
    expect(inPlace.state().arrays).toEqual(viewed.state().arrays);
  });
});

describe('scoreBatch: metrics of values scored in one call each', () => {
  const make = () => {
    const plain = createRmse();
    // No batch form: scored row by row next to the batched ones.
    const rowOnly = { kind: plain.kind, needs: plain.needs, update: plain.update, get: plain.get, count: plain.count, state: plain.state };
    return [createMae(), createRmse(), createR2(), createRmse({ window: 7 }), createR2({ window: 5 }), rowOnly];
  };
  const ys = Float64Array.from({ length: 53 }, (_, i) => Math.sin(i * 1.7) * 3 + i / 10);
  const predictions = Float64Array.from(ys, (y, i) => (i % 11 === 4 ? NaN : y + Math.cos(i * 0.9)));

  it('leaves every metric in the state scoring each row with scoreExample gives, bit for bit, and counts the same unscored rows', () => {
    const [batched, perRow] = [make(), make()];
    const unscored = [scoreBatch(batched, ys, predictions, undefined, 0), scoreBatch(batched, ys.subarray(0, 9), predictions.subarray(0, 9), undefined, 0)];
    let rowUnscored = 0;
    for (let i = 0; i < ys.length; i++) if (!scoreExample(perRow, ys[i], predictions[i])) rowUnscored++;
    for (let i = 0; i < 9; i++) scoreExample(perRow, ys[i], predictions[i]);
    expect(unscored).toEqual([rowUnscored, 1]);
    expect(batched.map((metric) => metric.state())).toEqual(perRow.map((metric) => metric.state()));
    expect(batched.map((metric) => metric.get())).toEqual(perRow.map((metric) => metric.get()));
  });

  it('scores a batch with an infinite prediction row by row: the row form’s error, after the rows before it', () => {
    const bad = predictions.slice();
    bad[20] = Infinity;
    const [batched, perRow] = [make(), make()];
    expect(() => scoreBatch(batched, ys, bad, undefined, 0)).toThrow(/RMSE|MAE|R2/);
    expect(() => {
      for (let i = 0; i < ys.length; i++) scoreExample(perRow, ys[i], bad[i]);
    }).toThrow(/RMSE|MAE|R2/);
    expect(batched.map((metric) => metric.state())).toEqual(perRow.map((metric) => metric.state()));
  });

  it('updateMany called with a non-finite label: the pairs before it counted, then update’s error, as pair by pair', () => {
    const labels = ys.slice();
    labels[30] = -Infinity;
    const [batched, perRow] = [make().slice(0, 5), make().slice(0, 5)];
    const errors = batched.map((metric) => errorOf(() => (metric as Metric).updateMany!(labels, predictions)));
    const rowErrors = perRow.map((metric) =>
      errorOf(() => {
        for (let i = 0; i < labels.length; i++) if (!Number.isNaN(predictions[i])) metric.update(labels[i], predictions[i]);
      }),
    );
    expect(errors.map(String)).toEqual(rowErrors.map(String));
    expect(errors.every((error) => /yTrue is -Infinity/.test(error.message))).toBe(true);
    expect(batched.map((metric) => [metric.count(), metric.state()])).toEqual(perRow.map((metric) => [metric.count(), metric.state()]));
  });
});

describe('scoreBatch: metrics of classes and P(class 1) scored in one call each', () => {
  const make = () => [
    createAccuracy(),
    createAccuracy({ window: 7 }),
    createLogLoss(),
    createLogLoss({ window: 5 }),
    createF1({ window: 6 }),
    createRocAuc({ window: 9 }),
    createRocAuc({ window: 4 }),
    createCrossEntropy(),
  ];
  const n = 61;
  const ys = Float64Array.from({ length: n }, (_, i) => (Math.sin(i * 2.3) > 0.1 ? 1 : 0));
  // P(class 1) with ties, exact 0 and 1 (clipped by log loss), and labels that follow it.
  const probabilities = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = i % 13 === 0 ? 1 : i % 17 === 0 ? 0 : Math.round(((Math.cos(i * 0.7) + 1) / 2) * 20) / 20;
    probabilities[2 * i] = 1 - p;
    probabilities[2 * i + 1] = p;
  }
  const labels = Float64Array.from({ length: n }, (_, i) => (probabilities[2 * i + 1] > 0.5 ? 1 : 0));
  const thrown = (run: () => void): string => {
    try {
      run();
      return 'none';
    } catch (err) {
      return String(err);
    }
  };
  const rowByRow = (metrics: Metric[], y: Float64Array, label: Float64Array, proba: Float64Array) => {
    for (let i = 0; i < y.length; i++) scoreExample(metrics, y[i], label[i], proba, 2 * i, 2);
  };

  it('leaves every metric in the state scoring each row with scoreExample gives, bit for bit, over several batches', () => {
    const [batched, perRow] = [make(), make()];
    for (const [from, to] of [
      [0, 20],
      [20, 21],
      [21, n],
    ]) {
      expect(scoreBatch(batched, ys.subarray(from, to), labels.subarray(from, to), probabilities.subarray(2 * from, 2 * to), 2)).toBe(0);
    }
    rowByRow(perRow, ys, labels, probabilities);
    expect(batched.map((metric) => metric.state())).toEqual(perRow.map((metric) => metric.state()));
    expect(batched.map((metric) => metric.get())).toEqual(perRow.map((metric) => metric.get()));
  });

  it('the windowed AUC gives the same value after every batch, small batches moved pair by pair and large ones sorted once', () => {
    const random = createRandom(11);
    const m = 2200;
    const y = Float64Array.from({ length: m }, () => (random.next() < 0.3 ? 1 : 0));
    // Ties (scores on a grid of 1/64), exact 0 and 1, and a -0.
    const p = Float64Array.from({ length: m }, (_, i) => (i % 50 === 0 ? (i / 50) % 2 : random.nextInt(64) / 64));
    p[7] = -0; // the sort orders bit patterns: -0 must still tie with 0
    // Scores whose exponents differ in every byte the sort reads.
    for (let i = 3; i < m; i += 37) p[i] = [1e-300, 1e-20, 3e-5, 2 ** -1022, 5e-324][i % 5];
    const make = () => [createRocAuc({ window: 50 }), createRocAuc({ window: 333 }), createRocAuc({ window: 2000 })];
    const [batched, perRow] = [make(), make()];
    let from = 0;
    for (const size of [33, 1, 700, 5, 319, 320, 2, 629, 191]) {
      for (const metric of batched) metric.updateMany!(y.subarray(from, from + size), p.subarray(from, from + size));
      for (let i = from; i < from + size; i++) for (const metric of perRow) metric.update(y[i], p[i]);
      from += size;
      expect(batched.map((metric) => [metric.get(), metric.state()])).toEqual(perRow.map((metric) => [metric.get(), metric.state()]));
    }
    expect(from).toBe(m);
    // A large batch with a pair the AUC refuses: the pairs before it counted, then update's error.
    const bad = p.slice(0, 600);
    bad[450] = 1.25;
    const errors = [batched, perRow].map((metrics, k) =>
      metrics.map((metric) => {
        try {
          if (k === 0) metric.updateMany!(y.subarray(0, 600), bad);
          else for (let i = 0; i < 600; i++) metric.update(y[i], bad[i]);
          return 'none';
        } catch (err) {
          return String(err);
        }
      }),
    );
    expect(errors[0]).toEqual(errors[1]);
    expect(errors[0][0]).toMatch(/yPred must be a probability in \[0, 1\], got 1.25/);
    expect(batched.map((metric) => [metric.get(), metric.state()])).toEqual(perRow.map((metric) => [metric.get(), metric.state()]));
  });

  it.each([
    ['a label that is no class', 'y', 2, /must be class 0 or 1, got 2/],
    ['a P(class 1) above 1', 'p', 1.5, /must be a probability in \[0, 1\], got 1.5/],
    ['a predicted class 3', 'label', 3, /F1: yPred must be class 0 or 1, got 3/],
  ])('scores a batch with %s row by row: the row form’s error and state', (_name, what, value, error) => {
    const [y, label, proba] = [ys.slice(), labels.slice(), probabilities.slice()];
    if (what === 'y') y[33] = value;
    else if (what === 'p') proba[2 * 33 + 1] = value;
    else label[33] = value;
    const [batched, perRow] = [make(), make()];
    expect(() => scoreBatch(batched, y, label, proba, 2)).toThrow(error);
    expect(() => rowByRow(perRow, y, label, proba)).toThrow(error);
    expect(batched.map((metric) => metric.state())).toEqual(perRow.map((metric) => metric.state()));
  });

  it('updateMany with a pair it cannot take: the pairs before it counted, then update’s error, as pair by pair; NaN skipped', () => {
    const scores = Float64Array.from({ length: n }, (_, i) => probabilities[2 * i + 1]);
    scores[5] = NaN;
    const [y, p] = [ys.slice(), scores.slice()];
    y[40] = 2;
    p[50] = -0.25;
    for (const [yTrue, yPred] of [
      [ys, scores],
      [y, scores],
      [ys, p],
    ]) {
      const [batched, perRow] = [make().slice(2, 7), make().slice(2, 7)];
      const errors = batched.map((metric) => thrown(() => metric.updateMany!(yTrue, metric.needs === 'label' ? labels : yPred)));
      const rowErrors = perRow.map((metric) =>
        thrown(() => {
          const pred = metric.needs === 'label' ? labels : yPred;
          for (let i = 0; i < n; i++) if (!Number.isNaN(pred[i])) metric.update(yTrue[i], pred[i]);
        }),
      );
      expect(errors).toEqual(rowErrors);
      expect(batched.map((metric) => [metric.count(), metric.state()])).toEqual(perRow.map((metric) => [metric.count(), metric.state()]));
      expect(errors.filter((error) => error !== 'none').length).toBe(yTrue === ys && yPred === scores ? 0 : yTrue === y ? 5 : 4);
    }
  });
});
