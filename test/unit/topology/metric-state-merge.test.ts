/** Metric state in merged versions (src/evaluation/metric-merge.ts, src/topology/metric-state.ts, docs/scale-out.md). */
import '../../../src/builtins';
import { createAccuracy, createRmse, createRocAuc, type Metric } from '../../../src/evaluation';
import { addedSince, isSummable } from '../../../src/evaluation/metric-merge';
import { adoptMetrics, encodeMetricStates, mergeMetricStates, metricValuesOf, resumeMetrics, summableStates } from '../../../src/topology/metric-state';
import { createRandom } from '../../../src/random';

type Pair = [number, number];

function pairs(seed: number, n: number): Pair[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => {
    const p = random.next();
    return [random.next() < p ? 1 : 0, p];
  });
}

const KINDS: Array<[string, () => Metric, (pair: Pair) => Pair]> = [
  ['RMSE', () => createRmse(), ([y, p]) => [y * 3, p * 3]],
  ['Accuracy', () => createAccuracy(), ([y, p]) => [y, p > 0.5 ? 1 : 0]],
  ['ROC AUC', () => createRocAuc(), (pair) => pair],
];

const fed = (metric: Metric, all: Pair[], as: (pair: Pair) => Pair): Metric => {
  for (const pair of all) metric.update(...as(pair));
  return metric;
};

describe.each(KINDS)('%s over workers', (_name, create, as) => {
  const [p0, pa, pb, pc] = [pairs(1, 300), pairs(2, 500), pairs(3, 200), pairs(4, 90)];

  test('a merged version counts the base and every worker’s pairs once: equal to one metric over all of them', () => {
    const base = fed(create(), p0, as);
    const resumed = () => encodeMetricStates({ m: fed(create(), p0, as) });
    // Each worker starts from the base version's metric state, then counts its own pairs.
    const a = adoptMetrics({ m: create() }, resumed(), undefined).m;
    const b = adoptMetrics({ m: create() }, resumed(), undefined).m;
    fed(a, pa, as);
    fed(b, pb, as);
    const merged = mergeMetricStates([encodeMetricStates({ m: a }), encodeMetricStates({ m: b })], [500, 200], encodeMetricStates({ m: base }));
    const one = fed(fed(fed(create(), p0, as), pa, as), pb, as);
    expect(isSummable(one.state())).toBe(true);
    expect(metricValuesOf(merged).m).toBeCloseTo(one.get(), 12);
    // Sums in another order: equal up to rounding; counts exactly.
    expect(resumeMetrics({ m: create() }, merged).m.count()).toBe(p0.length + pa.length + pb.length);
  });

  test('a worker adopting the merged version adds what it counted since it contributed; a reset drops it', () => {
    const worker = fed(create(), p0, as);
    const at = summableStates({ m: worker });
    fed(worker, pc, as);
    const mergedVersion = encodeMetricStates({ m: fed(fed(create(), p0, as), pa, as) });
    const carried = adoptMetrics({ m: worker }, mergedVersion, at).m;
    expect(carried.get()).toBeCloseTo(fed(fed(fed(create(), p0, as), pa, as), pc, as).get(), 12);
    expect(carried.count()).toBe(p0.length + pa.length + pc.length);
    const reset = adoptMetrics({ m: worker }, mergedVersion, undefined).m;
    expect(reset.count()).toBe(p0.length + pa.length);
  });

  test('addedSince of one state over itself is that state', () => {
    const state = fed(create(), p0, as).state();
    expect(addedSince([state], state)).toEqual(state);
  });
});

describe('windowed metrics', () => {
  test('stay each worker’s own; a merged version carries the window of the worker that learned most', () => {
    const window = () => createRmse({ window: 50 });
    const a = fed(window(), pairs(5, 120), (p) => p);
    const b = fed(window(), pairs(6, 80), (p) => p);
    const merged = mergeMetricStates([encodeMetricStates({ w: a }), encodeMetricStates({ w: b })], [10, 30], undefined);
    expect(merged.w).toEqual(encodeMetricStates({ w: b }).w);
    expect(isSummable(a.state())).toBe(false);
    const kept = adoptMetrics({ w: a }, merged, {});
    expect(kept.w).toBe(a);
  });

  test('a contribution without its windows (sent at most once a second) still counts its overall metrics; the window comes from one that sent it, else the base', () => {
    const worker = (seed: number) => ({ w: fed(createRmse({ window: 50 }), pairs(seed, 120), (p) => p), m: fed(createRmse(), pairs(seed, 120), (p) => p) });
    const [a, b, base] = [worker(7), worker(8), worker(9)];
    const thin = encodeMetricStates(a, { windows: false });
    expect(Object.keys(thin)).toEqual(['m']);
    const full = encodeMetricStates(b);
    // The heavier worker sent no window: the lighter one's is taken; the overall metric sums both.
    const merged = mergeMetricStates([thin, full], [30, 10], undefined);
    expect(merged.w).toEqual(full.w);
    expect(resumeMetrics({ m: createRmse() }, merged).m.count()).toBe(240);
    // Nobody sent a window: the base's goes on, and the overall metric is still the base's pairs plus both workers'.
    const stored = encodeMetricStates(base);
    const from = (seed: number) => {
      const resumed = resumeMetrics({ w: createRmse({ window: 50 }), m: createRmse() }, stored);
      return encodeMetricStates({ w: fed(resumed.w, pairs(seed, 60), (p) => p), m: fed(resumed.m, pairs(seed, 60), (p) => p) }, { windows: false });
    };
    const onBase = mergeMetricStates([from(10), from(11)], [30, 10], stored);
    expect(onBase.w).toEqual(stored.w);
    expect(resumeMetrics({ m: createRmse() }, onBase).m.count()).toBe(120 + 60 + 60);
  });
});
