import '../../../src/builtins';
import { ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import { createFeatureHasher } from '../../../src/features/feature-hasher';
import { murmur3String } from '../../../src/features/murmur3';
import { stageFromState } from '../../../src/features/registry';
import type { Row } from '../../../src/features/stage';
import type { SizedSparseVector } from '../../../src/features/vector';
import { createRandom } from '../../../src/random';

function hashRow(stage: ReturnType<typeof createFeatureHasher>, record: Row): SizedSparseVector {
  const row = { ...record };
  expect(stage.transform(row)).toBe(true);
  return row.features as SizedSparseVector;
}

/** The expected output, accumulated independently in a Map from the documented hashing scheme. */
function expectedVector(record: Row, bits: number, seed: number, signed: boolean): Map<number, number> {
  const mask = 2 ** bits - 1;
  const slots = new Map<number, number>();
  const add = (hash: number, value: number) => {
    const sign = signed && hash >>> 31 === 1 ? -1 : 1;
    slots.set(hash & mask, (slots.get(hash & mask) ?? 0) + sign * value);
  };
  for (const [column, value] of Object.entries(record)) {
    const columnHash = murmur3String(column, seed);
    if (typeof value === 'number') add(columnHash, value);
    else for (const category of [value].flat()) add(murmur3String(String(category), columnHash), 1);
  }
  for (const [slot, value] of slots) if (value === 0) slots.delete(slot);
  return slots;
}

function asMap(vector: SizedSparseVector): Map<number, number> {
  return new Map(Array.from(vector.indices, (index, k) => [index, vector.values[k]]));
}

describe('createFeatureHasher', () => {
  it('hashes numbers by column and categories by (column, value), as documented', () => {
    const record = { age: 42.5, city: 'Zürich', tags: ['a', 'b', 'a'], vip: true };
    for (const [bits, seed, signed] of [
      [18, 0, true],
      [3, 99, true],
      [10, 5, false],
    ] as const) {
      const stage = createFeatureHasher({ inputCols: Object.keys(record), bits, seed, signed });
      const vector = hashRow(stage, record);
      expect(vector.size).toBe(2 ** bits);
      expect(asMap(vector)).toEqual(expectedVector(record, bits, seed, signed));
    }
  });

  it('emits ascending unique indices with collisions summed', () => {
    const random = createRandom(3);
    const stage = createFeatureHasher({ inputCols: ['words'], bits: 3 });
    for (let trial = 0; trial < 50; trial++) {
      const words = Array.from({ length: 40 }, () => `w${random.nextInt(1000)}`);
      const vector = hashRow(stage, { words });
      for (let k = 1; k < vector.indices.length; k++) expect(vector.indices[k]).toBeGreaterThan(vector.indices[k - 1]);
      expect(asMap(vector)).toEqual(expectedVector({ words }, 3, 0, true));
    }
  });

  it('is deterministic across instances and a state round trip', () => {
    const config = { inputCols: ['user', 'item', 'price'], bits: 12, seed: 7 };
    const record = { user: 'u1', item: 'i9', price: 3.25 };
    const restored = stageFromState(JSON.parse(JSON.stringify(createFeatureHasher(config).state())));
    expect(hashRow(createFeatureHasher(config), record)).toEqual(hashRow(createFeatureHasher(config), record));
    expect(hashRow(restored as ReturnType<typeof createFeatureHasher>, record)).toEqual(hashRow(createFeatureHasher(config), record));
  });

  it('balances signs and spreads slots evenly', () => {
    const stage = createFeatureHasher({ inputCols: ['id'], bits: 4 });
    const n = 16000;
    let negative = 0;
    const perSlot = new Array<number>(16).fill(0);
    for (let i = 0; i < n; i++) {
      const vector = hashRow(stage, { id: `key-${i}` });
      if (vector.values[0] < 0) negative++;
      perSlot[vector.indices[0]]++;
    }
    // Binomial(16000, 1/2) has sd 63; (16000, 1/16) has sd 31: six sd bounds fail only on a broken hash.
    expect(Math.abs(negative - n / 2)).toBeLessThan(6 * 63);
    for (const count of perSlot) expect(Math.abs(count - n / 16)).toBeLessThan(6 * 31);
    const unsigned = createFeatureHasher({ inputCols: ['id'], bits: 4, signed: false });
    for (let i = 0; i < 100; i++) expect(hashRow(unsigned, { id: `key-${i}` }).values[0]).toBe(1);
  });

  it('skips missing values and zeros, and rejects non-finite numbers and objects naming the column', () => {
    const stage = createFeatureHasher({ inputCols: ['a', 'b'] });
    expect(hashRow(stage, { a: null, b: 0 }).indices).toHaveLength(0);
    expect(() => stage.transform({ a: NaN })).toThrow(NonFiniteError);
    expect(() => stage.transform({ a: Infinity })).toThrow(/"a" holds Infinity/);
    expect(() => stage.transform({ b: { nested: 1 } })).toThrow(DecodeError);
    expect(() => stage.transform({ b: [1] })).toThrow(/"b" holds 1 in its array/);
    // A failed row leaves nothing behind for the next one.
    expect(hashRow(stage, { a: 2 }).values).toHaveLength(1);
  });

  it('validates its config at construction', () => {
    expect(() => createFeatureHasher({ inputCols: ['a'], bits: 31 })).toThrow(ConfigError);
    expect(() => createFeatureHasher({ inputCols: [] })).toThrow(/inputCols/);
    expect(() => createFeatureHasher({ inputCols: ['a', 'a'] })).toThrow(/twice/);
    expect(() => createFeatureHasher({ inputCols: ['features'] })).toThrow(/never overwrites its inputs/);
  });
});
