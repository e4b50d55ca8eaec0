/**
 * Aligned copies of Arrow message bodies, lent to the tables decoded onto them and taken back only when the
 * caller that owns a table promises nothing holds it any more (`giveBack`). A table never given back keeps its
 * copy, and the garbage collector frees both as before: lending is safe without any caller's help, reuse needs it.
 * Measured: nearly every Kafka message's body is off an 8-byte boundary and was copied into a new ArrayBuffer
 * (~88 KB per 1,000-row message), external memory that kept V8 scavenging for "external memory pressure"
 * (docs/performance.md, "Stop 26: Arrow bodies reused").
 */
export class BodyPool {
  /** Copies given back, by byte length (a topic's messages of as many rows have bodies of one length). */
  private readonly free = new Map<number, Uint8Array[]>();
  private freeBytes = 0;
  /** The copy each table was decoded onto. */
  private readonly lent = new WeakMap<object, Uint8Array>();

  /** `keepBytes`: copies beyond this many free bytes are left to the garbage collector. */
  constructor(private readonly keepBytes = 16 * 1024 * 1024) {}

  /** A copy of `bytes` at offset 0 of its own ArrayBuffer (so 8-byte aligned): a free copy of that length when there is one. */
  copy(bytes: Uint8Array): Uint8Array {
    const copy = this.free.get(bytes.byteLength)?.pop();
    if (copy === undefined) return new Uint8Array(bytes);
    this.freeBytes -= copy.byteLength;
    copy.set(bytes);
    return copy;
  }

  /** Records that `owner` (a table) was decoded onto `copy`, a result of `copy`. */
  lend(owner: object, copy: Uint8Array): void {
    this.lent.set(owner, copy);
  }

  /**
   * Takes back the copy lent to `owner`, for a later `copy` to overwrite: the caller promises that nothing holds
   * `owner` or a view of its memory any more. False when `owner` holds no lent copy (or gave it back already).
   */
  giveBack(owner: object): boolean {
    const copy = this.lent.get(owner);
    if (copy === undefined) return false;
    this.lent.delete(owner);
    if (this.freeBytes + copy.byteLength > this.keepBytes) return true;
    const same = this.free.get(copy.byteLength);
    if (same === undefined) this.free.set(copy.byteLength, [copy]);
    else same.push(copy);
    this.freeBytes += copy.byteLength;
    return true;
  }
}
