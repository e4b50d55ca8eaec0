/**
 * The fused pass (src/features/pipeline.ts `featureStep`, src/topology/operators/divergence.ts): every
 * registered kind that takes feature vectors learns, through the runtime, exactly what `learnOne` event by
 * event teaches a twin pipeline, with stateful stages (one-hot, scaler), a user's stage with and without
 * the batch form, dropped rows and dead letters in the stream.
 */
import '../../../src/builtins';
import { createOneHotEncoder, createStandardScaler, createVectorAssembler, pipeline, type Row, type Stage, type StageOutput } from '../../../src/features';
import { createLinearRegression, createLinearSVM, createLogisticRegression, createSoftmaxRegression, type Estimator } from '../../../src/learners';
import { learnerKinds } from '../../../src/learners/registry';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import {
  createARFClassifier,
  createARFRegressor,
  createHoeffdingAdaptiveTreeClassifier,
  createHoeffdingAdaptiveTreeRegressor,
  createHoeffdingTreeClassifier,
  createHoeffdingTreeRegressor,
} from '../../../src/trees';
import { kindExamples } from '../learners/kind-examples';
import { bytesOf, learnAll, regressionTopology } from './harness';

const NUMERIC = ['a', 'b', 'c', 'd', 'a2'];
const COLORS = ['red', 'green', 'blue', 'cyan', 'plum'];
const WIDTH = NUMERIC.length + 2 * (COLORS.length + 1);

/** A user's stage: a2 = 2·a, plus a running count of the rows it learned (so that learning it twice shows). */
function doubler(withBatchForm: boolean): Stage {
  let learned = 0;
  const stage: Stage = {
    kind: 'Doubler',
    inputCols: ['a'],
    outputCols: ['a2'],
    transform(row: Row): boolean {
      row.a2 = typeof row.a === 'number' ? 2 * row.a + learned * 1e-3 : row.a;
      return true;
    },
    learn(): void {
      learned++;
    },
    state: () => ({ kind: 'Doubler', version: 1, config: {}, arrays: { learned: Float64Array.of(learned) } }),
  };
  if (withBatchForm) stage.transformInto = (row: Row, _out: StageOutput) => stage.transform(row);
  return stage;
}

/** One-hot color (stateful), a user's stage, numbers assembled (rows with a missing `a` dropped), scaled (stateful), then all assembled. */
function stagesThen(model: Estimator, withBatchForm = false) {
  return pipeline(
    createOneHotEncoder({ inputCols: ['color', 'shade'], outputCol: 'colorHot', maxCategories: COLORS.length }),
    doubler(withBatchForm),
    createVectorAssembler({ inputCols: NUMERIC, outputCol: 'raw', handleInvalid: 'skip' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'scaled' }),
    createVectorAssembler({ inputCols: ['scaled', 'colorHot'], vectorSizes: { scaled: NUMERIC.length, colorHot: 2 * (COLORS.length + 1) } }),
    model,
  );
}

/** Events with a class (or value) label; some dropped by a stage (a missing), some dead-lettered (no label, a text in d). */
function events(n: number, label: (score: number) => number): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const a = Math.sin(i * 1.3);
    const b = Math.cos(i * 0.7);
    const c = Math.sin(i * 0.31) * 3;
    const d = i % 17 === 5 ? 'text' : Math.cos(i * 2.9);
    const row: Row = { a: i % 11 === 3 ? null : a, b, c, d, color: COLORS[i % 5], shade: COLORS[(i * 7) % 3], y: label(a - b + 0.5 * c) };
    if (i % 13 === 7) delete row.y;
    return row;
  });
}

const LEARNABLE = events(150, (s) => s).filter((row) => 'y' in row && typeof row.d === 'number').length;
const binary = (s: number) => (s > 0 ? 1 : 0);
const three = (s: number) => (s < -0.7 ? 0 : s < 0.7 ? 1 : 2);
const value = (s: number) => s;
const trees = { gracePeriod: 10, splitConfidence: 0.01, tieThreshold: 0.5 };
const net = (units: number, activation: string, loss: string) =>
  createNeuralNet({
    inputShape: [WIDTH],
    layers: [
      { type: 'dense', units: 6, activation: 'relu' },
      { type: 'dense', units, activation },
    ],
    loss,
    optimizer: { type: 'adam', learningRate: 0.01 },
    batchSize: 1,
    shuffle: false,
    seed: 3,
  } as Parameters<typeof createNeuralNet>[0]);

/** A case per registered kind that takes feature vectors. */
const CASES: Record<string, { model: () => Estimator; label: (s: number) => number }> = {
  LinearRegression: { model: () => createLinearRegression({ numFeatures: WIDTH, stepSize: 0.05 }), label: value },
  LogisticRegression: { model: () => createLogisticRegression({ numFeatures: WIDTH, optimizer: { kind: 'ftrl' }, dtype: 'float32' }), label: binary },
  SoftmaxRegression: { model: () => createSoftmaxRegression({ numFeatures: WIDTH, numClasses: 3 }), label: three },
  LinearSVM: { model: () => createLinearSVM({ numFeatures: WIDTH }), label: binary },
  HoeffdingTreeClassifier: { model: () => createHoeffdingTreeClassifier({ numFeatures: WIDTH, numClasses: 2, ...trees }), label: binary },
  HoeffdingTreeRegressor: { model: () => createHoeffdingTreeRegressor({ numFeatures: WIDTH, ...trees }), label: value },
  HoeffdingAdaptiveTreeClassifier: { model: () => createHoeffdingAdaptiveTreeClassifier({ numFeatures: WIDTH, numClasses: 2, ...trees }), label: binary },
  HoeffdingAdaptiveTreeRegressor: { model: () => createHoeffdingAdaptiveTreeRegressor({ numFeatures: WIDTH, seed: 8, ...trees }), label: value },
  ARFClassifier: { model: () => createARFClassifier({ numFeatures: WIDTH, numClasses: 3, numModels: 3, seed: 5, ...trees }), label: three },
  ARFRegressor: { model: () => createARFRegressor({ numFeatures: WIDTH, numModels: 3, seed: 6, ...trees }), label: value },
  NeuralNet: { model: () => net(1, 'sigmoid', 'binaryCrossentropy'), label: binary },
};

/** What learnOne does to the stages of a pipeline: each transforms, then learns, until one drops the row. */
function learnStages(stages: readonly Stage[], x: Row): void {
  const row = { ...x };
  for (const stage of stages) {
    if (!stage.transform(row)) return;
    stage.learn(row);
  }
}

function expectSameState(actual: Estimator<Row>, expected: Estimator<Row>): void {
  const left = actual.state();
  const right = expected.state();
  expect(Object.keys(left.arrays).sort()).toEqual(Object.keys(right.arrays).sort());
  for (const key of Object.keys(right.arrays)) expect({ key, values: Array.from(left.arrays[key]) }).toEqual({ key, values: Array.from(right.arrays[key]) });
}

/** Runs the events through the runtime's step in batches of 7, and through a twin pipeline's learnOne one event at a time. */
async function fusedAndSequential(model: () => Estimator, label: (s: number) => number, withBatchForm = false) {
  const stream = events(150, label);
  const topology = regressionTopology({ model: () => stagesThen(model(), withBatchForm), metrics: () => ({}) });
  const run = await learnAll(topology, bytesOf(stream), { maxRecords: 7 });
  const twin = stagesThen(model(), withBatchForm);
  const bad = new Set(run.letters.map((letter) => Number(letter.position.offset)));
  stream.forEach((row, i) => {
    if (!bad.has(i)) twin.learnOne(row, row.y as number);
  });
  return { run, twin, fused: run.slots.get('0')!.model, bad };
}

beforeAll(async () => {
  await initTensorflow();
});

describe('the fused pass learns what learnOne does, event by event', () => {
  const rowKinds = new Set(kindExamples.map((example) => example.kind));

  it('has a case for every registered kind that takes feature vectors', () => {
    expect(learnerKinds().filter((kind) => !rowKinds.has(kind) && !(kind in CASES))).toEqual([]);
  });

  it.each(Object.keys(CASES))(
    '%s: bit-identical state, dropped rows taught to the stages before the drop, dead letters to none',
    async (kind) => {
      const { model, label } = CASES[kind];
      const { run, twin, fused, bad } = await fusedAndSequential(model, label);
      // 150 events: those without a label or with a text in d are dead-lettered, the others learned.
      const unlearnable = events(150, label).filter((row) => !('y' in row) || typeof row.d !== 'number').length;
      expect(bad.size).toBe(unlearnable);
      expect(run.steps.reduce((sum, step) => sum + step.learned, 0)).toBe(150 - unlearnable);
      expectSameState(fused, twin);
    },
    60_000,
  );
});

describe('the stage contract: transformInto, or the per-row fallback', () => {
  it.each([
    ['with', true],
    ['without', false],
  ])('a user stage %s a batch form joins the fused pass and changes nothing', async (_, withBatchForm) => {
    const { twin, fused } = await fusedAndSequential(CASES.LinearRegression.model, value, withBatchForm as boolean);
    expectSameState(fused, twin);
    // The user's stage learned every event that reached it (dropped ones included), once.
    expect(fused.state().arrays['stage1/learned'][0]).toBe(LEARNABLE);
  });

  it('featureStep: a refused row teaches no stage; a dropped row teaches the stages before the drop, as learnOne does', () => {
    const model = () => createLinearRegression({ numFeatures: WIDTH });
    const fused = stagesThen(model(), true);
    const reference = stagesThen(model(), true);
    const rows = events(60, value).filter((row) => typeof row.d === 'number' && 'y' in row);
    const refused = (i: number) => i % 4 === 0;
    const outcomes = rows.map((row, i) => fused.featureStep(row, () => !refused(i)));
    rows.forEach((row, i) => {
      // A stage drops a row before it can be refused: the rows with no `a` reach the drop either way.
      expect([i, outcomes[i] === undefined ? 'refused' : outcomes[i] === null ? 'dropped' : 'kept']).toEqual([
        i,
        row.a === null ? 'dropped' : refused(i) ? 'refused' : 'kept',
      ]);
      if (row.a === null || !refused(i)) learnStages(reference.stages, row);
    });
    expect(outcomes.filter((outcome) => outcome === undefined).length).toBeGreaterThan(5);
    // The stages' statistics equal those of learnOne on the admitted rows (the models learned nothing in either).
    expectSameState(fused, reference);
  });
});

describe('prediction metrics of the fused path', () => {
  it('predict every learned event once, in offset order, NaN for the events a stage dropped', async () => {
    const { run } = await fusedAndSequential(CASES.LinearRegression.model, value);
    expect(run.predictions).toHaveLength(LEARNABLE);
    // A dropped event predicts NaN (null in JSON); every other prediction is a number.
    const dropped = run.predictions.filter((p) => p.prediction === null).map((p) => Number(p.offset));
    expect(dropped).toEqual(events(150, value).flatMap((row, i) => (row.a === null && 'y' in row && typeof row.d === 'number' ? [i] : [])));
    expect(run.predictions.every((p) => p.prediction === null || Number.isFinite(p.prediction))).toBe(true);
  });
});
