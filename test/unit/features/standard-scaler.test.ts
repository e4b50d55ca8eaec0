import '../../../src/builtins';
import { DecodeError } from '../../../src/errors';
import { stageFromState } from '../../../src/features/registry';
import { createStandardScaler } from '../../../src/features/standard-scaler';
import type { Stage } from '../../../src/features/stage';
import { createRandom } from '../../../src/random';

function randomRows(count: number, seed: number): Float64Array[] {
  const random = createRandom(seed);
  const means = [1000, -3, 0, 0.001];
  const scales = [0.5, 20, 1, 1e-4];
  return Array.from({ length: count }, () => Float64Array.from(means, (mean, j) => mean + scales[j] * random.gaussian()));
}

/** Two-pass mean and sample variance per column. */
function batchStats(rows: Float64Array[]): { mean: number[]; variance: number[] } {
  const width = rows[0].length;
  const mean = Array.from({ length: width }, (_, j) => rows.reduce((sum, row) => sum + row[j], 0) / rows.length);
  const variance = mean.map((m, j) => rows.reduce((sum, row) => sum + (row[j] - m) ** 2, 0) / (rows.length - 1));
  return { mean, variance };
}

function scale(stage: Stage, x: ArrayLike<number>): Float64Array {
  const row: Record<string, unknown> = { x };
  stage.transform(row);
  return row.scaled as Float64Array;
}

describe('createStandardScaler', () => {
  it('keeps the two-pass mean and sample variance, and standardises with them', () => {
    const rows = randomRows(2000, 1);
    const stage = createStandardScaler({ inputCol: 'x' });
    for (const x of rows) stage.learn({ x });
    const { count, mean, m2 } = stage.state().arrays as Record<string, Float64Array>;
    const expected = batchStats(rows);
    expect(Array.from(count)).toEqual([2000, 2000, 2000, 2000]);
    mean.forEach((m, j) => expect(m).toBeCloseTo(expected.mean[j], 10));
    m2.forEach((s, j) => expect(s / 1999 / expected.variance[j]).toBeCloseTo(1, 10));
    const z = scale(stage, rows[0]);
    z.forEach((value, j) => expect(value).toBeCloseTo((rows[0][j] - expected.mean[j]) / Math.sqrt(expected.variance[j]), 8));
  });

  it('transforms each row with the statistics of the rows before it (prequential)', () => {
    const rows = randomRows(50, 2);
    const stage = createStandardScaler({ inputCol: 'x' });
    rows.forEach((x, t) => {
      const z = scale(stage, x);
      if (t < 2) expect(Array.from(z)).toEqual([0, 0, 0, 0]);
      else {
        const { mean, variance } = batchStats(rows.slice(0, t));
        z.forEach((value, j) => expect(value).toBeCloseTo((x[j] - mean[j]) / Math.sqrt(variance[j]), 8));
      }
      stage.learn({ x });
    });
  });

  it('centres only or scales only as configured, mapping features without spread to 0 when scaling', () => {
    const stage = createStandardScaler({ inputCol: 'x', withStd: false });
    const rows = [
      [1, 10],
      [3, 10],
      [5, 10],
    ];
    for (const x of rows) stage.learn({ x });
    expect(Array.from(scale(stage, [4, 10]))).toEqual([1, 0]);
    const stdOnly = createStandardScaler({ inputCol: 'x', withMean: false });
    for (const x of rows) stdOnly.learn({ x });
    // Sample std of (1, 3, 5) is 2; the constant column has none.
    expect(Array.from(scale(stdOnly, [4, 10]))).toEqual([2, 0]);
  });

  it('leaves non-finite entries out of the statistics and passes them through', () => {
    const stage = createStandardScaler({ inputCol: 'x' });
    stage.learn({ x: [1, NaN] });
    stage.learn({ x: [3, 2] });
    stage.learn({ x: [5, 4] });
    expect(Array.from(stage.state().arrays.count)).toEqual([3, 2]);
    const z = scale(stage, [NaN, 3]);
    expect(z[0]).toBeNaN();
    expect(z[1]).toBeCloseTo(0, 12);
  });

  it('rejects rows of another width or type, naming the column', () => {
    const stage = createStandardScaler({ inputCol: 'x' });
    stage.learn({ x: [1, 2] });
    expect(() => stage.learn({ x: [1, 2, 3] })).toThrow(/"x" has width 3, expected 2/);
    expect(() => stage.transform({ x: 'a' })).toThrow(DecodeError);
    expect(() => stage.transform({ x: ['1'] })).toThrow(/dense vector/);
  });

  it('restores its statistics from state', () => {
    const stage = createStandardScaler({ inputCol: 'x', outputCol: 'scaled' });
    for (const x of randomRows(30, 3)) stage.learn({ x });
    const fresh = stageFromState(JSON.parse(JSON.stringify(createStandardScaler({ inputCol: 'x' }).state())));
    expect(fresh.state().arrays).toEqual({});
    const copy = stageFromState(stage.state());
    const probe = randomRows(1, 4)[0];
    expect(scale(copy, probe)).toEqual(scale(stage, probe));
    expect(() => stageFromState({ ...stage.state(), arrays: { ...stage.state().arrays, m2: new Float64Array(1) } })).toThrow(/'m2'/);
  });
});
