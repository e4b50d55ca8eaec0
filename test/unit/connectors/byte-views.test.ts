import { ByteViews } from '../../../connectors/kafka/byte-views';

/** A fetch's bytes, as kafkajs hands them: views on one buffer. */
function viewsOn(store: Buffer, spans: Array<[number, number] | null>): (Buffer | null)[] {
  return spans.map((span) => (span === null ? null : store.subarray(span[0], span[0] + span[1])));
}

describe('ByteViews', () => {
  const text = 'key-1|k2||a-much-longer-key|é';
  const store = Buffer.alloc(Buffer.byteLength(text));
  store.write(text);

  it('gives back each view, byte for byte, and null where there was none', () => {
    const views = viewsOn(store, [[0, 5], null, [6, 2], [9, 0], [10, 17], null, [28, 2]]);
    const kept = ByteViews.of(views);
    views.forEach((view, i) => (view === null ? expect(kept.at(i)).toBeNull() : expect(kept.at(i)?.equals(view)).toBe(true)));
    expect(kept.at(6)?.toString()).toBe('é');
  });

  it('keeps positions, not Buffers, when every view sits in one store', () => {
    const kept = ByteViews.of(
      viewsOn(store, [
        [0, 5],
        [6, 2],
      ]),
    );
    const first = kept.at(0)!;
    expect(first.buffer).toBe(store.buffer);
    expect(first).not.toBe(kept.at(0)); // made when asked for
  });

  it('keeps the Buffers when the views sit in several stores', () => {
    // Buffer.from of a short string may share Node's pool with `store`; Buffer.alloc never does.
    const other = Buffer.alloc(9);
    other.write('elsewhere');
    const views = [store.subarray(0, 5), null, other.subarray(0, 4)];
    const kept = ByteViews.of(views);
    expect(kept.at(0)).toBe(views[0]);
    expect(kept.at(1)).toBeNull();
    expect(kept.at(2)?.toString()).toBe('else');
  });

  it('holds only nulls', () => {
    const kept = ByteViews.of([null, null]);
    expect(kept.at(0)).toBeNull();
    expect(kept.at(1)).toBeNull();
  });
});
