/**
 * Byte strings of one fetched chunk (its messages' keys and values) kept as positions in the fetch's buffer,
 * not as a Buffer object each. The runtime keeps a chunk until the checkpoint that covers it (its journal, for a
 * rollback; up to a second of `npm start`): a Buffer per key was 96 bytes of heap per event, copied by every
 * scavenge and promoted with the journal (heap snapshot of `npm start`, docs/performance.md, "Stop 23").
 */
export class ByteViews {
  /** One store with each view's start and length (−1: null), or, when the views sit in several stores, the Buffers. */
  private store?: ArrayBufferLike;
  private readonly starts: Float64Array;
  private readonly lengths: Int32Array;
  private buffers?: readonly (Buffer | null)[];

  /** Room for `size` views, each given by `set` (the message loop that fills them stays one pass). */
  constructor(size: number) {
    this.starts = new Float64Array(size);
    this.lengths = new Int32Array(size);
  }

  static of(views: readonly (Buffer | null)[]): ByteViews {
    const kept = new ByteViews(views.length);
    for (let i = 0; i < views.length; i++) {
      if (!kept.set(i, views[i])) {
        kept.keepBuffers(views);
        break;
      }
    }
    return kept;
  }

  /** Keeps view `i`'s position; false when it sits in another store than the views before it: then `keepBuffers` must follow. */
  set(i: number, view: Buffer | null): boolean {
    if (view === null) {
      this.lengths[i] = -1;
      return true;
    }
    this.store ??= view.buffer;
    this.starts[i] = view.byteOffset;
    this.lengths[i] = view.length;
    return view.buffer === this.store;
  }

  /** Keeps all the views as the Buffers they are (views in several stores). */
  keepBuffers(views: readonly (Buffer | null)[]): void {
    this.buffers = [...views];
  }

  /** View `i`: a Buffer on the store, made when asked for (null where the message had none). */
  at(i: number): Buffer | null {
    if (this.buffers !== undefined) return this.buffers[i] ?? null;
    const length = this.lengths[i];
    return length < 0 ? null : Buffer.from(this.store as ArrayBuffer, this.starts[i], length);
  }
}
