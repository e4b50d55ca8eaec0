/** The reused output buffers of one stage on the fused path (see `StageOutput` in ./stage). */

import type { StageOutput } from './stage';
import type { SizedSparseVector } from './vector';

/** Entry counts whose vector is kept for reuse: a row's length, for categorical events a few dozen at most. */
const MAX_CACHED_VIEW = 1024;

export class ReusedStageOutput implements StageOutput {
  private denseBuffer = new Float64Array(0);
  private readonly entries = { indices: new Int32Array(16), values: new Float64Array(16) };
  /** The vector handed out for each entry count, so that rows of the same length (categorical events) allocate none. */
  private views: (SizedSparseVector | undefined)[] = [];

  dense(width: number): Float64Array {
    // Same width every row for a given stage, so this allocates once.
    if (this.denseBuffer.length !== width) this.denseBuffer = new Float64Array(width);
    return this.denseBuffer;
  }

  sparse(capacity: number): { indices: Int32Array; values: Float64Array } {
    const entries = this.entries;
    if (entries.indices.length < capacity) {
      const grown = Math.max(capacity, entries.indices.length * 2);
      entries.indices = new Int32Array(grown);
      entries.values = new Float64Array(grown);
      this.views = [];
    }
    return entries;
  }

  sparseVector(size: number, count: number): SizedSparseVector {
    const cached = this.views[count];
    if (cached !== undefined && cached.size === size) return cached;
    const view = { size, indices: this.entries.indices.subarray(0, count), values: this.entries.values.subarray(0, count) };
    if (count < MAX_CACHED_VIEW) this.views[count] = view;
    return view;
  }
}
