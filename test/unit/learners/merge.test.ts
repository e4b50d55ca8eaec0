import '../../../src/builtins';
import { createImputer, createStandardScaler, createVectorAssembler, pipeline } from '../../../src/features';
import type { Row } from '../../../src/features';
import type { Estimator, FeatureVector, LinearModel } from '../../../src/learners';
import { createLinearRegression, createLogisticRegression, fromState, indexLabels } from '../../../src/learners';
import { MergeError } from '../../../src/errors';
import { isMergeable, mergeStates, requireMergeable } from '../../../src/learners/merge';
import { createHoeffdingTreeClassifier } from '../../../src/trees';
import type { ModelState } from '../../../src/state';
import { createRandom } from '../../../src/random';
import { stageFromState } from '../../../src/features/registry';

const mulberry32 = (seed: number) => {
  const random = createRandom(seed);
  return () => random.next();
};

function data(seed: number, n: number, d = 4): { xs: Float64Array[]; ys: number[] } {
  const random = mulberry32(seed);
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => random() * 2 - 1));
  return { xs, ys: xs.map((x) => (x[0] - 0.5 * x[1] + 0.25 * x[2] > 0 ? 1 : 0)) };
}

/** A worker: the base state restored, then `n` examples of its own. */
function worker(base: ModelState, seed: number, n: number): Estimator & LinearModel {
  const model = fromState(base) as Estimator & LinearModel;
  const { xs, ys } = data(seed, n);
  model.learnMany(xs, ys);
  return model;
}

describe('linear merge', () => {
  it('averages the effective weights (L2 scale folded in) by examples learned', () => {
    const base = createLogisticRegression({ numFeatures: 4, regParam: 0.01 });
    const first = data(1, 50);
    base.learnMany(first.xs, first.ys);
    const a = worker(base.state(), 2, 300);
    const b = worker(base.state(), 3, 100);
    expect(a.state().arrays['penalty.scalars'][1]).not.toBe(1);
    const merged = fromState(mergeStates([a.state(), b.state()], [300, 100], base.state())) as Estimator & LinearModel;
    const expected = a.coefficients().map((w, j) => 0.75 * w + 0.25 * b.coefficients()[j]);
    expect(Array.from(merged.coefficients())).toEqual(Array.from(expected).map((w) => expect.closeTo(w, 12)));
    expect(merged.intercepts()[0]).toBeCloseTo(0.75 * a.intercepts()[0] + 0.25 * b.intercepts()[0], 12);
    expect(merged.state().arrays['penalty.scalars'][1]).toBe(1);
  });

  it.each(['sgd', 'adagrad', 'adam', 'ftrl', 'normalized'] as const)('%s: merging identical states gives the same model back', (kind) => {
    const model = createLogisticRegression({ numFeatures: 4, optimizer: { kind } });
    const { xs, ys } = data(4, 200);
    model.learnMany(xs, ys);
    const state = model.state();
    const merged = mergeStates([state, state, state], [5, 1, 2], state);
    for (const [key, array] of Object.entries(state.arrays)) {
      Array.from(merged.arrays[key]).forEach((value, j) => expect(value).toBeCloseTo(array[j], 12));
    }
    const again = fromState(merged) as Estimator;
    expect(again.predictOne(xs[0])).toBeCloseTo(model.predictOne(xs[0]), 12);
  });

  it('merges optimizer state by the weighted average: AdaGrad Σg², FTRL z and n', () => {
    for (const kind of ['adagrad', 'ftrl'] as const) {
      const base = createLogisticRegression({ numFeatures: 4, optimizer: { kind } }).state();
      const a = worker(base, 5, 100).state();
      const b = worker(base, 6, 300).state();
      const merged = mergeStates([a, b], [100, 300], base);
      for (const key of Object.keys(a.arrays).filter((k) => k.startsWith(kind))) {
        Array.from(merged.arrays[key]).forEach((v, j) => expect(v).toBeCloseTo(0.25 * a.arrays[key][j] + 0.75 * b.arrays[key][j], 10));
      }
    }
  });

  it('returns a single state as it is: one worker stays bit-identical', () => {
    const state = worker(createLinearRegression({ numFeatures: 4 }).state(), 7, 50).state();
    expect(mergeStates([state], [50])).toBe(state);
  });

  it('all weights 0 (nothing learned) gives an equal-weight average, not NaN', () => {
    const state = worker(createLinearRegression({ numFeatures: 4 }).state(), 7, 50).state();
    const merged = mergeStates([state, state], [0, 0]);
    expect(Array.from(merged.arrays.weights)).toEqual(Array.from(state.arrays.weights).map((w) => expect.closeTo(w, 12)));
  });

  it('refuses states of other configs, kinds or shapes, naming what differs', () => {
    const a = createLogisticRegression({ numFeatures: 4 }).state();
    const b = createLogisticRegression({ numFeatures: 5 }).state();
    expect(() => mergeStates([a, b], [1, 1])).toThrow(MergeError);
    expect(() => mergeStates([a, b], [1, 1])).toThrow(/another config/);
    expect(() => mergeStates([a, createLinearRegression({ numFeatures: 4 }).state()], [1, 1])).toThrow(/cannot merge a LinearRegression/);
    expect(() => mergeStates([a, a], [1, -1])).toThrow(/weights must be finite and ≥ 0/);
  });
});

describe('stage and pipeline merge', () => {
  const rows = (seed: number, n: number): Row[] => {
    const random = mulberry32(seed);
    return Array.from({ length: n }, () => ({ a: random() * 10 + seed, b: random() - seed }));
  };
  const scalerStats = (stage: ReturnType<typeof createStandardScaler>) => stage.state().arrays;

  it('StandardScaler: base plus each worker part equals one scaler that saw every row', () => {
    const make = () => createStandardScaler({ inputCol: 'features' });
    const assembler = createVectorAssembler({ inputCols: ['a', 'b'] });
    const feed = (stage: ReturnType<typeof make>, input: Row[]) =>
      input.forEach((row) => {
        assembler.transform(row);
        stage.learn(row);
      });
    const [r0, r1, r2] = [rows(1, 100), rows(2, 70), rows(3, 40)];
    const base = make();
    feed(base, r0);
    const w1 = createStandardScalerFrom(base);
    feed(w1, r1);
    const w2 = createStandardScalerFrom(base);
    feed(w2, r2);
    const all = make();
    feed(all, [...r0, ...r1, ...r2]);
    const merged = mergeStates([w1.state(), w2.state()], [70, 40], base.state()).arrays;
    const expected = scalerStats(all);
    for (const key of ['count', 'mean', 'm2']) Array.from(merged[key]).forEach((v, j) => expect(v).toBeCloseTo(expected[key][j], 8));
  });

  const createStandardScalerFrom = (stage: ReturnType<typeof createStandardScaler>) => stageFromState(stage.state());

  it('Pipeline: the scaler merges its statistics and the model its weights', () => {
    const make = () =>
      pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createStandardScaler({ inputCol: 'features' }), createLinearRegression({ numFeatures: 2 }));
    const base = make();
    const learn = (model: Estimator<Row>, seed: number, n: number) => rows(seed, n).forEach((row) => model.learnOne(row, (row.a as number) * 0.3));
    learn(base, 1, 50);
    const a = fromState<Row>(base.state());
    learn(a, 2, 60);
    const b = fromState<Row>(base.state());
    learn(b, 3, 20);
    const merged = mergeStates([a.state(), b.state()], [60, 20], base.state());
    expect(merged.arrays['stage1/count'][0]).toBe(130);
    const w = (s: ModelState) => s.arrays['model/weights'][0];
    expect(w(merged)).toBeCloseTo(0.75 * w(a.state()) + 0.25 * w(b.state()), 12);
    expect(() => fromState<Row>(merged).predictOne({ a: 1, b: 2 })).not.toThrow();
  });

  it('LabelIndexed: refuses label indices that differ between workers', () => {
    const make = () => indexLabels(createLogisticRegression({ numFeatures: 1 }));
    const a = make();
    a.learnLabelOne(Float64Array.of(1) as FeatureVector, 'yes');
    a.learnLabelOne(Float64Array.of(-1) as FeatureVector, 'no');
    const b = make();
    b.learnLabelOne(Float64Array.of(-1) as FeatureVector, 'no');
    b.learnLabelOne(Float64Array.of(1) as FeatureVector, 'yes');
    expect(() => mergeStates([a.state(), b.state()], [2, 2])).toThrow(/indexed labels in different orders.*declare them up front/);
  });
});

describe('kinds that cannot be averaged', () => {
  it('trees refuse a second worker with one line', () => {
    const tree = createHoeffdingTreeClassifier({ numClasses: 2, numFeatures: 2 }).state();
    expect(isMergeable(tree.kind)).toBe(false);
    expect(() => requireMergeable(tree, 'topology t')).toThrow(
      /^topology t: a HoeffdingTreeClassifier model cannot be averaged across workers .*modelScope 'shared' needs exactly one worker/,
    );
    expect(() => requireMergeable(tree, 'topology t')).not.toThrow(/\n/);
    expect(() => requireMergeable(createLogisticRegression({ numFeatures: 2 }).state(), 'topology t')).not.toThrow();
  });

  it('a pipeline with a stage that has no merge is refused too', () => {
    const model = pipeline(
      createImputer({ inputCols: ['a'], outputCols: ['a2'] }),
      createVectorAssembler({ inputCols: ['a2'] }),
      createLinearRegression({ numFeatures: 1 }),
    );
    expect(() => requireMergeable(model.state(), 'topology t')).toThrow(
      /a Pipeline model cannot be averaged across workers \(no merge is registered for kind Imputer/,
    );
  });
});
