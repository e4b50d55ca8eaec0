/**
 * The stages' batch form over a run of rows (column by column, `ColumnPass.transformRun`/`commitRun`) gives
 * the bits of the per-row column form (`transform(i)` then `learn(i)` row by row), and learns nothing
 * until committed.
 */
import '../../../src/builtins';
import type { ColumnSource } from '../../../src/features/column-form';
import { createStandardScaler, createVectorAssembler, pipeline, type Pipeline } from '../../../src/features';
import { createLinearRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';

// Five: the scaler's batch form takes features two by two, and the last one alone.
const FIELDS = ['a', 'b', 'c', 'd', 'e'];

/** Columns of n rows: wide and tiny scales, a constant column (no spread: the scaler's 0), negative values. */
function columns(n: number, seed: number): Record<string, Float64Array> {
  const random = createRandom(seed);
  return {
    a: Float64Array.from({ length: n }, () => 1000 + 0.5 * random.gaussian()),
    b: Float64Array.from({ length: n }, () => -3 + 20 * random.gaussian()),
    c: new Float64Array(n).fill(7),
    d: Float64Array.from({ length: n }, () => 1e-4 * random.gaussian()),
    e: Float64Array.from({ length: n }, () => 5e6 + 3e5 * random.gaussian()),
  };
}

function source(cols: Record<string, Float64Array>): ColumnSource {
  return { length: cols.a.length, numeric: (name) => cols[name], vector: () => undefined };
}

const scaled = (options: { withMean?: boolean; withStd?: boolean } = {}): Pipeline =>
  pipeline(
    createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features', ...options }),
    createLinearRegression({ numFeatures: FIELDS.length }),
  );

const stageArrays = (model: Pipeline) => Object.entries(model.stages[1].state().arrays).map(([name, values]) => [name, Array.from(values)]);

/** The per-row column form's features, row after row, learning each. */
function rowByRow(model: Pipeline, cols: Record<string, Float64Array>): number[] {
  const pass = model.bindColumns(source(cols))!;
  const out: number[] = [];
  for (let i = 0; i < cols.a.length; i++) {
    out.push(...(pass.transform(i) as Float64Array));
    pass.learn(i);
  }
  return out;
}

describe('the stages’ batch form (column by column)', () => {
  it.each([{}, { withMean: false }, { withStd: false }])('writes and learns the per-row form’s bits over successive runs (%j)', (options) => {
    const [byRow, byRun] = [scaled(options), scaled(options)];
    for (const [run, n] of [301, 1, 57].entries()) {
      const cols = columns(n, 10 + run);
      const expected = rowByRow(byRow, cols);
      const pass = byRun.bindColumns(source(cols))!;
      const features = pass.transformRun()!;
      expect(features.length).toBe(n * FIELDS.length);
      // Object.is: the same bits, -0 and 0 told apart.
      expect(Array.from(features).every((value, k) => Object.is(value, expected[k]))).toBe(true);
      pass.commitRun();
      expect(stageArrays(byRun)).toEqual(stageArrays(byRow));
    }
  });

  it('learns nothing until committed, and a run not committed leaves a fresh scaler without statistics', () => {
    const model = scaled();
    const fresh = stageArrays(model);
    model.bindColumns(source(columns(50, 1)))!.transformRun();
    expect(stageArrays(model)).toEqual(fresh);
    const pass = model.bindColumns(source(columns(50, 2)))!;
    pass.transformRun();
    pass.commitRun();
    const learned = stageArrays(model);
    expect(learned.find(([name]) => name === 'count')?.[1]).toEqual(FIELDS.map(() => 50));
    model.bindColumns(source(columns(50, 3)))!.transformRun();
    expect(stageArrays(model)).toEqual(learned);
  });

  it('declines a run with a non-finite input (the caller then goes row by row), having learned nothing', () => {
    const model = scaled();
    const cols = columns(20, 4);
    cols.b[13] = NaN;
    const pass = model.bindColumns(source(cols))!;
    expect(pass.transformRun()).toBeNull();
    expect(pass.transform(13)).toBeNull();
    expect(stageArrays(model)).toEqual([]);
  });

  it('has no batch form when a stage lacks one: a user stage with only the per-row column form', () => {
    const assembler = createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' });
    const bind = assembler.bindColumns!.bind(assembler);
    assembler.bindColumns = (columnSource) => {
      const kernel = bind(columnSource);
      return kernel && { output: kernel.output as Float64Array, transform: (i) => kernel.transform(i), learn: (i) => kernel.learn(i) };
    };
    const model = pipeline(assembler, createStandardScaler({ inputCol: 'raw', outputCol: 'features' }), createLinearRegression({ numFeatures: FIELDS.length }));
    const pass = model.bindColumns(source(columns(10, 5)))!;
    expect(pass.transformRun()).toBeNull();
    expect(pass.transform(0)).not.toBeNull();
  });
});
