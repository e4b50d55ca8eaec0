import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { createHashedCrosses } from '../../../src/features/hashed-crosses';
import { pipeline } from '../../../src/features/pipeline';
import type { Row } from '../../../src/features/stage';
import { createStandardScaler } from '../../../src/features/standard-scaler';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createIncrementalPfi, rowFeatures, type FeatureSpace } from '../../../src/importance';
import { createLinearRegression, createLogisticRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';
import { CTR_FEATURES, CTR_FIELDS } from '../../../topologies/ctr-logistic';

/**
 * iPFI predicts its perturbed examples from columns (`FeatureSpace.cell`, `Pipeline.predictColumns`) instead
 * of a copy per perturbed example: the scores must be the row path's, bit for bit.
 */
const COLUMNS = ['a', 'b', 'c', 'd'];

function batches(seed: number, count: number, size: number, oddCell?: (batch: number, i: number) => unknown): { rows: Row[]; ys: Float64Array }[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, batch) => {
    const rows: Row[] = Array.from({ length: size }, (_, i) => {
      const row: Row = Object.fromEntries(COLUMNS.map((name) => [name, random.gaussian()]));
      const odd = oddCell?.(batch, i);
      if (odd !== undefined) row.c = odd;
      return row;
    });
    return { rows, ys: Float64Array.from(rows, (row) => 3 * (row.a as number) + (row.b as number) - 0.5 * (row.d as number) + 0.1 * random.gaussian()) };
  });
}

const model = () =>
  pipeline(
    createVectorAssembler({ inputCols: COLUMNS, outputCol: 'raw', handleInvalid: 'skip' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createLinearRegression({ numFeatures: COLUMNS.length, stepSize: 0.02, regParam: 0.001, elasticNetParam: 0.5 }),
  );

/** The same space without `cell`: iPFI then makes each perturbed example, as it did before. */
function withoutCells(space: FeatureSpace<Row>): FeatureSpace<Row> {
  return { names: space.names, replace: (x, donor, index) => space.replace(x, donor, index) };
}

function run(features: FeatureSpace<Row>, data: { rows: Row[]; ys: Float64Array }[], columnar?: { batches: number }) {
  const learner = model();
  const predictColumns = learner.predictColumns.bind(learner);
  // Counts the evaluation batches predicted from columns, so that the test knows that path was taken.
  learner.predictColumns = (source, rowAt) => {
    const predictions = predictColumns(source, rowAt);
    if (predictions !== undefined && columnar !== undefined) columnar.batches++;
    return predictions;
  };
  const pfi = createIncrementalPfi<Row>({ model: learner, features, sampleRate: 0.3, reservoir: { size: 20 }, innerSamples: 2, seed: 5 });
  for (const { rows, ys } of data) {
    pfi.update(rows, ys);
    learner.learnMany(rows, ys);
  }
  return pfi.scores();
}

function expectSameBits(actual: ReturnType<typeof run>, expected: ReturnType<typeof run>): void {
  expect(actual.samples).toBe(expected.samples);
  expect(actual.samples).toBeGreaterThan(100);
  for (const key of ['means', 'variances'] as const) {
    expect(Array.from(actual[key]).every((value, j) => Object.is(value, expected[key][j]))).toBe(true);
  }
}

describe('iPFI on columns', () => {
  it('gives the row path scores bit for bit, for columns and for groups', () => {
    const data = batches(11, 60, 40);
    const columnar = { batches: 0 };
    expectSameBits(run(rowFeatures(COLUMNS), data, columnar), run(withoutCells(rowFeatures(COLUMNS)), data, columnar));
    const groups = { a: ['a'], 'b+c': ['b', 'c'], d: ['d'] };
    expectSameBits(run(rowFeatures(groups), data, columnar), run(withoutCells(rowFeatures(groups)), data, columnar));
    // Every batch of the two runs with cells, none of the two without.
    expect(columnar.batches).toBe(2 * 60);
  });

  it('falls back to the rows when a cell is not a number, with the same scores', () => {
    // Now and then in column c: a boolean (a batch's column with one is not numeric: the batch takes the row
    // path), a null and a NaN (numeric columns whose rows the kernels decline: those rows take the row form,
    // and the assembler skips them, so they predict NaN).
    const odd = (batch: number, i: number) =>
      i === 7 && batch % 5 === 0 ? true : i === 3 && batch % 7 === 0 ? NaN : i === 5 && batch % 3 === 0 ? null : undefined;
    const data = batches(12, 60, 40, odd);
    expectSameBits(run(rowFeatures(COLUMNS), data), run(withoutCells(rowFeatures(COLUMNS)), data));
  });

  it('rowFeatures.cell reads what replace would hold', () => {
    const space = rowFeatures({ a: ['a'], 'b+c': ['b', 'c'] });
    const x: Row = { a: 1, b: 2, c: 3, d: 4 };
    const donor: Row = { a: 10, b: 20, c: 30, d: 40 };
    for (const index of [0, 1]) {
      const copy = space.replace(x, donor, index);
      for (const column of ['a', 'b', 'c', 'd']) expect(space.cell?.(x, donor, index, column)).toBe(copy[column]);
    }
  });

  it('Pipeline.predictColumns predicts what predictMany does, and declines what it cannot read', () => {
    const learner = model();
    const [first, second] = batches(13, 2, 30);
    learner.learnMany(first.rows, first.ys);
    const rows = second.rows;
    const source = {
      length: rows.length,
      numeric: (name: string) => Float64Array.from(rows, (row) => row[name] as number),
      vector: () => undefined,
    };
    const predicted = learner.predictColumns(source, (i) => rows[i]);
    const expected = learner.predictMany(rows);
    expect(predicted).toBeDefined();
    expect(Array.from(predicted ?? []).every((value, i) => Object.is(value, expected[i]))).toBe(true);
    expect(learner.predictColumns({ ...source, numeric: () => undefined }, (i) => rows[i])).toBeUndefined();
  });

  describe('with the log loss over strings (ctr-logistic)', () => {
    /** ctr events in batches, the label a 0/1 number; `oddAge` puts a cell no hasher's kernel reads. */
    function ctrBatches(count: number, size: number, oddAge?: (batch: number, i: number) => unknown) {
      const events = ctrEventStream({ seed: 3 });
      return Array.from({ length: count }, (_, batch) => {
        const rows: Row[] = Array.from({ length: size }, (_, i) => {
          const row: Row = { ...(events.next().value as unknown as Row) };
          const odd = oddAge?.(batch, i);
          if (odd !== undefined) row.age = odd;
          return row;
        });
        return { rows, ys: Float64Array.from(rows, (row) => row.label as number) };
      });
    }

    function runCtr(features: FeatureSpace<Row>, data: { rows: Row[]; ys: Float64Array }[], columnar: { batches: number }) {
      const learner = pipeline(createHashedCrosses(CTR_FEATURES), createLogisticRegression({ numFeatures: 2 ** 19, optimizer: { kind: 'ftrl' } }));
      const predictProbaColumns = learner.predictProbaColumns.bind(learner);
      learner.predictProbaColumns = (source, rowAt) => {
        const probabilities = predictProbaColumns(source, rowAt);
        if (probabilities !== undefined) columnar.batches++;
        return probabilities;
      };
      const pfi = createIncrementalPfi<Row>({ model: learner, features, sampleRate: 0.3, reservoir: { size: 20 }, seed: 5 });
      expect(pfi.loss).toBe('log');
      for (const { rows, ys } of data) {
        pfi.update(rows, ys);
        learner.learnMany(rows, ys);
      }
      return pfi.scores();
    }

    it('gives the row path scores bit for bit, predicting probabilities from columns', () => {
      const data = ctrBatches(40, 50);
      const columnar = { batches: 0 };
      const withCells = runCtr(rowFeatures(CTR_FIELDS), data, columnar);
      expect(columnar.batches).toBe(40);
      const withoutColumns = { batches: 0 };
      expectSameBits(withCells, runCtr(withoutCells(rowFeatures(CTR_FIELDS)), data, withoutColumns));
      expect(withoutColumns.batches).toBe(0);
    });

    it('sends a cell that is neither a string nor a number to the row form, with the same scores', () => {
      // A boolean is hashed as the category 'true' by the row form only; a number at the column's hash by both.
      const data = ctrBatches(40, 50, (batch, i) => (i === 4 && batch % 3 === 0 ? true : i === 9 && batch % 4 === 0 ? 2.5 : undefined));
      const columnar = { batches: 0 };
      expectSameBits(runCtr(rowFeatures(CTR_FIELDS), data, columnar), runCtr(withoutCells(rowFeatures(CTR_FIELDS)), data, { batches: 0 }));
      expect(columnar.batches).toBe(40);
    });
  });
});
