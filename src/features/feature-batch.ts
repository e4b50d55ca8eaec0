/**
 * The features of one micro-batch, written once by the fused pass (`Pipeline.featureStep`) into buffers the
 * batch owns and reuses from one micro-batch to the next: dense rows as slices of one Float64Array, sparse
 * rows as CSR (start offsets, indices, values). Prediction, metrics and learning read views of them.
 */

import { isSparse, type FeatureRows, type FeatureVector } from '../learners/estimator';

const DROPPED = 0;
const DENSE = 1;
const SPARSE = 2;

// Made once: a closure made per call (three per `add`) was most of the fused pass's garbage on Arrow rows.
const int32s = (length: number) => new Int32Array(length);
const float64s = (length: number) => new Float64Array(length);

function grown<T extends Float64Array | Int32Array>(array: T, needed: number, make: (length: number) => T): T {
  if (array.length >= needed) return array;
  const bigger = make(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}

export class FeatureBatch {
  /** Rows added since `clear()`, dropped ones included. */
  length = 0;
  private values = new Float64Array(1024);
  private indices = new Int32Array(1024);
  /** Row i's entries are [start[i], start[i + 1]). */
  private start = new Int32Array(65);
  private kinds = new Int8Array(64);
  /** 1 where a row is sparse: `FeatureRows.sparse`. */
  private sparseRows = new Uint8Array(64);
  private keptList = new Int32Array(64);
  private used = 0;
  private readonly views: FeatureVector[] = [];
  private readonly keptRows: number[] = [];

  clear(): void {
    this.length = 0;
    this.used = 0;
  }

  /** Appends a row's features (copied), or a row a stage dropped (null). */
  add(vector: FeatureVector | null): void {
    const row = this.length++;
    if (this.kinds.length <= row) this.ensureRows(row + 1);
    this.start = grown(this.start, row + 2, int32s);
    const from = this.used;
    this.sparseRows[row] = 0;
    if (vector === null) this.kinds[row] = DROPPED;
    else if (isSparse(vector)) {
      this.sparseRows[row] = 1;
      const n = vector.indices.length;
      this.reserve(from + n);
      this.indices.set(vector.indices, from);
      this.values.set(vector.values, from);
      this.used += n;
      this.kinds[row] = SPARSE;
    } else {
      this.reserve(from + vector.length);
      this.values.set(vector, from);
      this.used += vector.length;
      this.kinds[row] = DENSE;
    }
    this.start[row] = from;
    this.start[row + 1] = this.used;
  }

  /** Appends `n` dense rows of `width` features, read row-major from `rows` (copied): `add` for each, in one copy. */
  addDense(rows: Float64Array, n: number, width: number): void {
    const first = this.length;
    this.length += n;
    this.ensureRows(this.length);
    this.start = grown(this.start, this.length + 1, int32s);
    this.reserve(this.used + n * width);
    this.values.set(n * width === rows.length ? rows : rows.subarray(0, n * width), this.used);
    for (let row = first, at = this.used; row < this.length; row++, at += width) {
      this.kinds[row] = DENSE;
      this.sparseRows[row] = 0;
      this.start[row] = at;
    }
    this.used += n * width;
    this.start[this.length] = this.used;
  }

  /**
   * Views of the rows no stage dropped, in order, and their positions in the batch. The views stay valid
   * until the next `clear()`: a learner keeps copies, not these (the estimator contract).
   */
  kept(): { vectors: FeatureVector[]; rows: number[] } {
    const { views, keptRows, values, indices, start, kinds } = this;
    views.length = 0;
    keptRows.length = 0;
    for (let row = 0; row < this.length; row++) {
      const kind = kinds[row];
      if (kind === DROPPED) continue;
      const a = start[row];
      const b = start[row + 1];
      views.push(kind === DENSE ? values.subarray(a, b) : { indices: indices.subarray(a, b), values: values.subarray(a, b) });
      keptRows.push(row);
    }
    return { vectors: views, rows: keptRows };
  }

  /**
   * The rows no stage dropped, in order, read in place (`FeatureRows`, for learners that take them): no view
   * object per row. Valid until the next `clear()` or `add()`.
   */
  rows(): FeatureRows {
    if (this.keptList.length < this.length) this.keptList = new Int32Array(Math.max(this.length, 2 * this.keptList.length));
    const row = this.keptList;
    let count = 0;
    for (let r = 0; r < this.length; r++) if (this.kinds[r] !== DROPPED) row[count++] = r;
    return { count, row, start: this.start, sparse: this.sparseRows, values: this.values, indices: this.indices };
  }

  private ensureRows(rows: number): void {
    if (this.kinds.length >= rows) return;
    const kinds = new Int8Array(Math.max(rows, this.kinds.length * 2));
    kinds.set(this.kinds);
    this.kinds = kinds;
    const sparseRows = new Uint8Array(kinds.length);
    sparseRows.set(this.sparseRows);
    this.sparseRows = sparseRows;
  }

  private reserve(needed: number): void {
    this.values = grown(this.values, needed, float64s);
    this.indices = grown(this.indices, needed, int32s);
  }
}
