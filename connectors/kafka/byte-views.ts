/**
 * Byte strings of one fetched chunk (its messages' keys) kept as positions in the fetch's buffer, not as a
 * Buffer object each. The runtime keeps a chunk until the checkpoint that covers it (its journal, for a
 * rollback; up to a second of `npm start`): a Buffer per key was 96 bytes of heap per event, copied by every
 * scavenge and promoted with the journal (heap snapshot of `npm start`, docs/performance.md, "Stop 23").
 */
export class ByteViews {
  /** One store with each view's start and length (−1: null), or, when the views sit in several stores, the Buffers. */
  private readonly store?: ArrayBufferLike;
  private readonly starts?: Float64Array;
  private readonly lengths?: Int32Array;
  private readonly buffers?: (Buffer | null)[];

  constructor(views: readonly (Buffer | null)[]) {
    const n = views.length;
    const starts = new Float64Array(n);
    const lengths = new Int32Array(n);
    let store: ArrayBufferLike | undefined;
    for (let i = 0; i < n; i++) {
      const view = views[i];
      if (view === null) {
        lengths[i] = -1;
        continue;
      }
      store ??= view.buffer;
      if (view.buffer !== store) {
        this.buffers = [...views];
        return;
      }
      starts[i] = view.byteOffset;
      lengths[i] = view.length;
    }
    this.store = store;
    this.starts = starts;
    this.lengths = lengths;
  }

  /** View `i`: a Buffer on the store, made when asked for (null where the message had none). */
  at(i: number): Buffer | null {
    if (this.buffers !== undefined) return this.buffers[i] ?? null;
    const length = (this.lengths as Int32Array)[i];
    return length < 0 ? null : Buffer.from(this.store as ArrayBuffer, (this.starts as Float64Array)[i], length);
  }
}
