import '../../../src/builtins';
import { DecodeError, NonFiniteError, ConfigError } from '../../../src/errors';
import { createAccuracy, createF1, createLogLoss } from '../../../src/evaluation/classification-metrics';
import type { Metric } from '../../../src/evaluation/metric';
import { metricFromState } from '../../../src/evaluation/registry';
import { createMae, createR2, createRmse } from '../../../src/evaluation/regression-metrics';
import { createRocAuc } from '../../../src/evaluation/roc-auc';
import { createRandom } from '../../../src/random';

type Pair = [number, number];

/** Batch definitions, straight from the formulas. */
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const batch = {
  accuracy: (pairs: Pair[]) => mean(pairs.map(([y, p]) => Number(y === p))),
  logLoss: (pairs: Pair[]) => mean(pairs.map(([y, p]) => -Math.log(y === 1 ? p : 1 - p))),
  f1: (pairs: Pair[]) => {
    const tp = pairs.filter(([y, p]) => y === 1 && p === 1).length;
    if (tp === 0) return pairs.some(([y, p]) => y === 1 || p === 1) ? 0 : NaN;
    const precision = tp / pairs.filter(([, p]) => p === 1).length;
    const recall = tp / pairs.filter(([y]) => y === 1).length;
    return (2 * precision * recall) / (precision + recall);
  },
  mae: (pairs: Pair[]) => mean(pairs.map(([y, p]) => Math.abs(y - p))),
  rmse: (pairs: Pair[]) => Math.sqrt(mean(pairs.map(([y, p]) => (y - p) ** 2))),
  r2: (pairs: Pair[]) => {
    const average = mean(pairs.map(([y]) => y));
    const residual = pairs.reduce((sum, [y, p]) => sum + (y - p) ** 2, 0);
    const total = pairs.reduce((sum, [y]) => sum + (y - average) ** 2, 0);
    return total === 0 ? NaN : 1 - residual / total;
  },
  /** AUC by counting every (positive, negative) pair, ties one half: O(n²). */
  auc: (pairs: Pair[]) => {
    const positives = pairs.filter(([y]) => y === 1).map(([, p]) => p);
    const negatives = pairs.filter(([y]) => y === 0).map(([, p]) => p);
    let wins = 0;
    for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
    return wins / (positives.length * negatives.length);
  },
};

function classificationPairs(count: number, seed: number, grid = 0): { labels: Pair[]; scores: Pair[] } {
  const random = createRandom(seed);
  const labels: Pair[] = [];
  const scores: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const y = random.next() < 0.4 ? 1 : 0;
    // Informative but noisy scores; on a grid when asked, so that ties occur.
    let p = Math.min(0.999, Math.max(0.001, 0.5 + (y - 0.5) * 0.4 + 0.25 * random.gaussian()));
    if (grid > 0) p = Math.min(grid - 1, Math.max(1, Math.round(p * grid))) / grid;
    scores.push([y, p]);
    labels.push([y, Number(p >= 0.5)]);
  }
  return { labels, scores };
}

function regressionPairs(count: number, seed: number): Pair[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const y = 50 + 10 * random.gaussian();
    return [y, y + 4 * random.gaussian() + 1];
  });
}

const feed = (metric: Metric, pairs: Pair[]) => pairs.forEach(([y, p]) => metric.update(y, p));

interface Case {
  name: string;
  create: (window?: number) => Metric;
  reference: (pairs: Pair[]) => number;
  pairs: Pair[];
}

const classification = classificationPairs(1500, 1, 64);
const cases: Case[] = [
  {
    name: 'accuracy',
    create: (window) => createAccuracy({ window }),
    reference: batch.accuracy,
    pairs: classification.labels,
  },
  {
    name: 'log loss',
    create: (window) => createLogLoss({ window }),
    reference: batch.logLoss,
    pairs: classification.scores,
  },
  { name: 'F1', create: (window) => createF1({ window }), reference: batch.f1, pairs: classification.labels },
  { name: 'MAE', create: (window) => createMae({ window }), reference: batch.mae, pairs: regressionPairs(1500, 2) },
  { name: 'RMSE', create: (window) => createRmse({ window }), reference: batch.rmse, pairs: regressionPairs(1500, 3) },
  { name: 'R²', create: (window) => createR2({ window }), reference: batch.r2, pairs: regressionPairs(1500, 4) },
  { name: 'ROC AUC', create: (window) => createRocAuc({ window }), reference: batch.auc, pairs: classification.scores },
];

describe.each(cases)('$name', ({ create, reference, pairs }) => {
  it('overall equals the batch formula on random data', () => {
    const metric = create();
    feed(metric, pairs);
    expect(metric.count()).toBe(pairs.length);
    expect(metric.get()).toBeCloseTo(reference(pairs), 10);
  });

  it('over a window equals the batch formula on the last W pairs, at every step', () => {
    const window = 37;
    const metric = create(window);
    pairs.forEach(([y, p], t) => {
      metric.update(y, p);
      const last = pairs.slice(Math.max(0, t + 1 - window), t + 1);
      expect(metric.count()).toBe(last.length);
      const expected = reference(last);
      if (Number.isNaN(expected)) expect(metric.get()).toBeNaN();
      else expect(metric.get()).toBeCloseTo(expected, 10);
    });
  });

  it('continues identically after a state round trip', () => {
    for (const window of [undefined, 25]) {
      const metric = create(window);
      feed(metric, pairs.slice(0, 400));
      const state = metric.state();
      const restored = metricFromState({ ...state, config: JSON.parse(JSON.stringify(state.config)) });
      feed(metric, pairs.slice(400, 700));
      feed(restored, pairs.slice(400, 700));
      expect(restored.get()).toBe(metric.get());
      expect(restored.count()).toBe(metric.count());
    }
  });

  it('is NaN before any pair', () => {
    expect(create().get()).toBeNaN();
    expect(create(5).get()).toBeNaN();
  });
});

describe('additive windows', () => {
  it('stay exact over long streams, huge values having left (sums are recomputed once per window)', () => {
    // An error of 1e8 squared leaves rounding residue near 1 when subtracted, dwarfing the later sums.
    const pairs = Array.from({ length: 20000 }, (_, i): Pair => [0, i % 1000 === 0 ? 1e8 : 0.01 * (1 + (i % 3))]);
    const metric = createRmse({ window: 7 });
    feed(metric, pairs);
    expect(metric.get() / batch.rmse(pairs.slice(-7))).toBeCloseTo(1, 12);
  });
});

describe('ROC AUC over a window', () => {
  it('gives, at every step, exactly the value of its sorted windows rebuilt from the ring by inserts alone', () => {
    // A window refilled many times over, scores on a 16-value grid (ties) and both classes leaving and
    // arriving: an update that replaces a score of the same class moves one in place; the state rebuilds
    // the sorted windows by inserting the ring's pairs one by one (the way updates worked before stop 21).
    const pairs = classificationPairs(2000, 3, 16).scores;
    const metric = createRocAuc({ window: 50 });
    let compared = 0;
    pairs.forEach(([y, p]) => {
      metric.update(y, p);
      const rebuilt = metricFromState(metric.state()).get();
      if (!Number.isNaN(rebuilt)) compared++;
      expect(metric.get()).toBe(rebuilt);
    });
    expect(compared).toBeGreaterThan(1900);
  });
});

describe('ROC AUC overall', () => {
  it('is exact for scores on the bin grid and within its bound otherwise', () => {
    const onGrid = classificationPairs(3000, 6, 1024).scores;
    const exact = createRocAuc({ bins: 1024 });
    feed(exact, onGrid);
    expect(exact.get()).toBeCloseTo(batch.auc(onGrid), 12);

    const continuous = classificationPairs(3000, 7).scores;
    const bins = 64;
    const approximate = createRocAuc({ bins });
    feed(approximate, continuous);
    // Pairs sharing a bucket count one half; the error is at most half their share.
    const bucket = (p: number) => Math.floor(p * bins);
    const positives = continuous.filter(([y]) => y === 1);
    const negatives = continuous.filter(([y]) => y === 0);
    let sameBucket = 0;
    for (const [, p] of positives) for (const [, n] of negatives) if (bucket(p) === bucket(n)) sameBucket++;
    const bound = (0.5 * sameBucket) / (positives.length * negatives.length);
    const error = Math.abs(approximate.get() - batch.auc(continuous));
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(bound);
  });

  it('is NaN while only one class has been seen', () => {
    const metric = createRocAuc({ window: 3 });
    feed(metric, [
      [1, 0.9],
      [1, 0.2],
    ]);
    expect(metric.get()).toBeNaN();
    metric.update(0, 0.5);
    expect(metric.get()).toBe(0.5);
  });
});

describe('metric inputs', () => {
  it('reject bad labels, probabilities and values, naming the metric', () => {
    expect(() => createF1().update(2, 1)).toThrow(DecodeError);
    expect(() => createLogLoss().update(1, 1.5)).toThrow(/LogLoss: yPred must be a probability in \[0, 1\], got 1.5/);
    expect(() => createRocAuc({ window: 4 }).update(1, NaN)).toThrow(NonFiniteError);
    expect(() => createMae().update(Infinity, 0)).toThrow(/MAE: yTrue is Infinity/);
    expect(() => createAccuracy({ window: 0 })).toThrow(ConfigError);
    expect(() => createRocAuc({ window: 10, bins: 8 })).toThrow(ConfigError);
  });

  it('score a confident miss by clipped log loss, and constant targets by NaN R²', () => {
    const logLoss = createLogLoss();
    logLoss.update(1, 0);
    expect(logLoss.get()).toBeCloseTo(-Math.log(1e-15), 6);
    const r2 = createR2();
    feed(r2, [
      [3, 1],
      [3, 2],
    ]);
    expect(r2.get()).toBeNaN();
  });
});
