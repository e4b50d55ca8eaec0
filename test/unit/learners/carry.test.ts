/** Carrying a worker's progress since its contribution onto a merged version (src/learners/merge.ts `carryState`). */
import '../../../src/builtins';
import { createImputer, createStandardScaler, createVectorAssembler, pipeline } from '../../../src/features';
import type { Row } from '../../../src/features';
import { createLinearRegression, fromState, type Estimator } from '../../../src/learners';
import { carryState, mergeStates } from '../../../src/learners/merge';
import { createBiasedMF } from '../../../src/reco';
import { createRandom } from '../../../src/random';
import type { ModelState } from '../../../src/state';

function rows(seed: number, n: number): { xs: Row[]; ys: number[] } {
  const random = createRandom(seed);
  const xs = Array.from({ length: n }, () => ({ a: random.gaussian() * 3 + 1, b: random.gaussian(), c: random.next() }));
  return { xs, ys: xs.map((x) => 2 * (x.a as number) - (x.b as number) + 0.5 * (x.c as number)) };
}

const model = (): Estimator<Row> =>
  pipeline(
    createVectorAssembler({ inputCols: ['a', 'b', 'c'], outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createLinearRegression({ numFeatures: 3, regParam: 0.01, optimizer: { kind: 'adagrad' } }),
  ) as unknown as Estimator<Row>;

function learned(from: ModelState, seed: number, n: number): ModelState {
  const m = fromState<Row>(from);
  const { xs, ys } = rows(seed, n);
  m.learnMany(xs, ys);
  return m.state();
}

const predictions = (state: ModelState, xs: Row[]) => Array.from(fromState<Row>(state).predictMany(xs));

describe('carry', () => {
  const base = learned(model().state(), 1, 200);
  const a = learned(base, 2, 300);
  const b = learned(base, 3, 300);
  const merged = mergeStates([a, b], [300, 300], base);
  const now = learned(a, 4, 150);
  const probe = rows(9, 20).xs;

  test('a worker whose contribution was the whole merge gets its own model back', () => {
    const alone = carryState(a, now, a)!;
    predictions(alone, probe).forEach((p, i) => expect(p).toBeCloseTo(predictions(now, probe)[i], 9));
  });

  test('nothing learned since the contribution leaves the merged version as it is', () => {
    const same = carryState(merged, a, a)!;
    predictions(same, probe).forEach((p, i) => expect(p).toBeCloseTo(predictions(merged, probe)[i], 9));
  });

  test('the scaler is carried exactly: the merged statistics plus the rows seen since', () => {
    const scaler = (state: ModelState) => {
      const { arrays } = state;
      return { count: Array.from(arrays['stage1/count']), mean: Array.from(arrays['stage1/mean']) };
    };
    const carried = scaler(carryState(merged, now, a)!);
    const expected = scaler(mergeStates([merged, learned(merged, 4, 150)], [1, 1], merged));
    expect(carried.count).toEqual(expected.count);
    carried.mean.forEach((m, j) => expect(m).toBeCloseTo(expected.mean[j], 9));
  });

  test('the carried model moves from the merged version the way the worker moved since its contribution', () => {
    const carried = carryState(merged, now, a)!;
    const weight = (state: ModelState) => state.arrays['model/weights'][0] * (state.arrays['model/penalty.scalars']?.[1] ?? 1);
    expect(weight(carried) - weight(merged)).toBeCloseTo(weight(now) - weight(a), 9);
  });

  test('a kind without a carry (an Imputer stage, a recommender) has none: its records are learned again', () => {
    const withImputer = pipeline(
      createImputer({ inputCols: ['a'], outputCols: ['ai'] }),
      createVectorAssembler({ inputCols: ['ai', 'b'] }),
      createLinearRegression({ numFeatures: 2 }),
    ) as unknown as Estimator<Row>;
    const state = withImputer.state();
    expect(carryState(state, state, state)).toBeUndefined();
    const mf = createBiasedMF().state();
    expect(carryState(mf, mf, mf)).toBeUndefined();
  });
});
