/** The micro-batch's feature buffers: rows copied in once, read back as views, the memory reused batch after batch. */
import { FeatureBatch } from '../../../src/features/feature-batch';
import type { FeatureVector } from '../../../src/learners/estimator';

const plain = (vector: FeatureVector) =>
  ArrayBuffer.isView(vector) ? Array.from(vector) : { indices: Array.from(vector.indices), values: Array.from(vector.values) };

describe('FeatureBatch', () => {
  it('gives back the rows it was given, dense and sparse mixed, skipping dropped ones, with their positions', () => {
    const batch = new FeatureBatch();
    const rows: (FeatureVector | null)[] = [
      Float64Array.of(1, 2, 3),
      null,
      { indices: Int32Array.of(4, 9), values: Float64Array.of(0.5, -1) },
      Float32Array.of(0.25, 8, 1e-3),
    ];
    rows.forEach((row) => batch.add(row));
    const { vectors, rows: positions } = batch.kept();
    expect(positions).toEqual([0, 2, 3]);
    expect(vectors.map(plain)).toEqual([[1, 2, 3], { indices: [4, 9], values: [0.5, -1] }, [0.25, 8, Math.fround(1e-3)]]);
  });

  it('appends runs of dense rows (addDense) as add does row by row, among other rows, growing past its first capacity', () => {
    const [byRun, byRow] = [new FeatureBatch(), new FeatureBatch()];
    const run = Float64Array.from({ length: 300 * 4 }, (_, k) => k / 7);
    for (const batch of [byRun, byRow]) batch.add({ indices: Int32Array.of(1), values: Float64Array.of(2) });
    byRun.addDense(run, 300, 4);
    for (let i = 0; i < 300; i++) byRow.add(run.subarray(i * 4, i * 4 + 4));
    for (const batch of [byRun, byRow]) batch.add(null);
    byRun.addDense(run.subarray(0, 8), 2, 4);
    byRow.add(run.subarray(0, 4));
    byRow.add(run.subarray(4, 8));
    expect(byRun.length).toBe(304);
    expect(byRun.kept().vectors.map(plain)).toEqual(byRow.kept().vectors.map(plain));
    expect(byRun.kept().rows).toEqual(byRow.kept().rows);
    const [a, b] = [byRun.rows(), byRow.rows()];
    expect([a.count, Array.from(a.start.subarray(0, 305)), Array.from(a.sparse.subarray(0, 304))]).toEqual([
      b.count,
      Array.from(b.start.subarray(0, 305)),
      Array.from(b.sparse.subarray(0, 304)),
    ]);
  });

  it('reuses its memory from one batch to the next, and grows for a bigger one', () => {
    const batch = new FeatureBatch();
    const fill = (n: number, width: number) => {
      batch.clear();
      for (let i = 0; i < n; i++) batch.add(Float64Array.from({ length: width }, (_, j) => i * width + j));
      return batch.kept().vectors as Float64Array[];
    };
    const first = fill(50, 10)[0].buffer;
    for (let round = 0; round < 5; round++) {
      const vectors = fill(50, 10);
      expect(vectors[0].buffer).toBe(first);
      expect(Array.from(vectors[49])).toEqual(Array.from({ length: 10 }, (_, j) => 490 + j));
    }
    const bigger = fill(500, 10);
    expect(bigger[0].buffer).not.toBe(first);
    expect(Array.from(bigger[499])).toEqual(Array.from({ length: 10 }, (_, j) => 4990 + j));
  });
});
