import { CheckpointError } from '../../../src/errors';
import type { TypedArray } from '../../../src/learners';
import { IdTable } from '../../../src/reco/id-table';

/** A table with one float column, whose new rows get the id's length as their value. */
function table(capacity: number): IdTable {
  const t: IdTable = new IdTable(capacity, [{ name: 'value', width: 2, type: Float32Array }], (row, key) => {
    t.column<Float32Array>('value')[row * 2] += key.length;
  });
  return t;
}

const ids = (t: IdTable) => Array.from({ length: t.size }, (_, row) => t.keyAt(row));

describe('IdTable', () => {
  it('evicts by CLOCK: a returning id gets a second chance, a one-off id does not', () => {
    const t = table(3);
    ['a', 'bb', 'ccc'].forEach((key) => t.acquire(key));
    t.column<Float32Array>('value')[3] = 42;
    expect(t.acquire('a')).toBe(0);
    // The hand clears a's bit and takes bb's row, zeroed before the new id's init.
    expect(t.acquire('dddd')).toBe(1);
    expect(ids(t)).toEqual(['a', 'dddd', 'ccc']);
    expect(t.rowOf('bb')).toBe(-1);
    expect(Array.from(t.column<Float32Array>('value').subarray(2, 4))).toEqual([4, 0]);
    // Nothing is referenced now: the hand goes on from where it stopped.
    expect(t.acquire('e')).toBe(2);
    expect(t.acquire('f')).toBe(0);
    expect(ids(t)).toEqual(['f', 'dddd', 'e']);
  });

  it('grows by doubling up to its capacity and no further', () => {
    const t = table(3000);
    const allocated: number[] = [];
    for (let i = 0; i < 5000; i++) {
      t.acquire(`id${i}`);
      if (allocated.at(-1) !== t.allocatedRows()) allocated.push(t.allocatedRows());
    }
    expect(allocated).toEqual([1024, 2048, 3000]);
    expect(t.size).toBe(3000);
    expect(t.column('value')).toHaveLength(6000);
    expect(t.allocatedBytes()).toBe(3000 * 2 * 4 + 3000);
  });

  it('round-trips through its arrays and then evicts exactly as the original', () => {
    const original = table(4);
    ['x', 'ünïcödé', 'z', 'x', 'w', 'v'].forEach((key) => original.acquire(key));
    const arrays: Record<string, TypedArray> = {};
    original.exportArrays('users/', arrays);
    expect(Object.keys(arrays).sort()).toEqual(['users/clock', 'users/idOffsets', 'users/ids', 'users/referenced', 'users/value']);
    const copy = table(4);
    copy.importArrays('users/', arrays);
    expect(ids(copy)).toEqual(ids(original));
    for (const key of ['q', 'x', 'r', 's']) expect(copy.acquire(key)).toBe(original.acquire(key));
    expect(ids(copy)).toEqual(ids(original));
    expect(Array.from(copy.column('value'))).toEqual(Array.from(original.column('value')));
  });

  it('refuses arrays that do not make a table', () => {
    const arrays: Record<string, TypedArray> = {};
    const source = table(4);
    ['a', 'b'].forEach((key) => source.acquire(key));
    source.exportArrays('', arrays);
    const load = (overrides: Record<string, TypedArray>) => () => table(4).importArrays('', { ...arrays, ...overrides });
    expect(load({})).not.toThrow();
    expect(load({ ids: Uint8Array.of(0x61, 0x61) })).toThrow(/duplicate id "a"/);
    expect(load({ ids: Uint8Array.of(0x61, 0xff) })).toThrow(/not UTF-8/);
    expect(load({ idOffsets: Int32Array.of(0, 2, 1) })).toThrow(/not ascending/);
    expect(load({ value: new Float32Array(3) })).toThrow(/2 rows × 2/);
    expect(load({ value: new Float64Array(4) })).toThrow(/a Float64Array, expected a Float32Array/);
    expect(load({ clock: Int32Array.of(7) })).toThrow(CheckpointError);
    expect(() => table(1).importArrays('', arrays)).toThrow(/holds 2 rows, capacity is 1/);
  });
});
