/** Hashing without garbage: category hashes memoised in a bounded cache, outputs written into reused buffers. */
import { CategoryHashes, sharedCategoryHashes } from '../../../src/features/category-hashes';
import { createFeatureHasher, createInteractions, murmur3String, type Row, type SizedSparseVector } from '../../../src/features';
import { ReusedStageOutput } from '../../../src/features/stage-output';

const plain = (vector: unknown) => {
  const { size, indices, values } = vector as SizedSparseVector;
  return { size, indices: Array.from(indices), values: Array.from(values) };
};

describe('CategoryHashes', () => {
  it('gives murmur3 of the category, and holds at most twice its capacity however many categories pass', () => {
    const cache = new CategoryHashes(7, 100);
    for (let i = 0; i < 10_000; i++) {
      const category = `zip-${i % 3_000}`;
      expect(cache.hash(category)).toBe(murmur3String(category, 7));
      expect(cache.size).toBeLessThanOrEqual(200);
    }
  });

  it('keeps a category used within the last generation, and drops those unused for two', () => {
    const cache = new CategoryHashes(1, 4);
    ['a', 'b', 'c', 'd'].forEach((c) => cache.hash(c));
    ['e', 'a'].forEach((c) => cache.hash(c)); // a generation turned at 'e'; 'a' moved back from the old one.
    expect(cache.size).toBe(6);
    ['f', 'g', 'h', 'i'].forEach((c) => cache.hash(c)); // another turn at 'h': b, c, d are gone, e a f g h i stay
    expect(cache.size).toBe(6);
  });

  it('repeats of the last category and caches shared by column give the same hashes', () => {
    const cache = sharedCategoryHashes(murmur3String('age', 0));
    expect(sharedCategoryHashes(murmur3String('age', 0))).toBe(cache);
    expect(sharedCategoryHashes(murmur3String('zip', 0))).not.toBe(cache);
    for (const category of ['x', 'x', 'y', 'x', 'x', `${'x'}`, 'y', 'y']) {
      expect(cache.hash(category)).toBe(murmur3String(category, murmur3String('age', 0)));
    }
  });
});

describe('the hashing stages on the fused path', () => {
  const rows: Row[] = Array.from({ length: 300 }, (_, i) => ({
    age: `a${i % 7}`,
    zip: `z${(i * 31) % 101}`,
    tags: Array.from({ length: i % 90 }, (_, k) => `t${(k * i) % 50}`),
    n: i % 5 === 0 ? 0 : i / 7,
  }));

  it('transformInto writes, into reused buffers, exactly what transform allocates (short rows and rows of 64+ entries)', () => {
    const hasher = createFeatureHasher({ inputCols: ['age', 'zip', 'tags', 'n'], bits: 6 });
    const out = new ReusedStageOutput();
    let buffer: ArrayBufferLike | undefined;
    for (const row of rows) {
      const allocated = { ...row };
      hasher.transform(allocated);
      const reused = { ...row };
      hasher.transformInto!(reused, out);
      expect(plain(reused.features)).toEqual(plain(allocated.features));
      const { indices } = reused.features as SizedSparseVector;
      // After the buffers have grown to the longest row, every row is written into the same memory.
      if (row.tags && (row.tags as string[]).length === 89) buffer = indices.buffer;
      else if (buffer !== undefined) expect(indices.buffer).toBe(buffer);
    }
    expect(buffer).toBeDefined();
  });

  it('Interactions: transformInto equals transform', () => {
    const hasher = createFeatureHasher({ inputCols: ['age'], outputCol: 'ageNs', bits: 8 });
    const profile = createFeatureHasher({ inputCols: ['zip', 'n'], outputCol: 'profileNs', bits: 8 });
    const crosses = createInteractions({ pairs: [['ageNs', 'profileNs']], bits: 10 });
    const out = new ReusedStageOutput();
    for (const row of rows) {
      const x = { ...row };
      hasher.transform(x);
      profile.transform(x);
      const reused = { ...x };
      crosses.transform(x);
      crosses.transformInto!(reused, out);
      expect(plain(reused.interactions)).toEqual(plain(x.interactions));
    }
  });
});

describe('collisions in the hashed space', () => {
  // Non-associative sums: the order in which colliding values are added shows in the result's last bits.
  const columns = Array.from({ length: 80 }, (_, c) => `c${c}`);
  const magnitudes = [0.1, 1e16, -1e16, 0.2, 3.3, -0.7, 1e-3, 7];

  /** Reference: each column's value added at its slot in column order, signed by the hash's top bit. */
  function reference(row: Row, bits: number): Map<number, number> {
    const sums = new Map<number, number>();
    for (const name of columns) {
      const hash = murmur3String(name, 0);
      const slot = hash & (2 ** bits - 1);
      const value = hash >>> 31 === 1 ? -(row[name] as number) : (row[name] as number);
      sums.set(slot, (sums.get(slot) ?? 0) + value);
    }
    return sums;
  }

  it.each([2, 4, 7])('sums colliding entries in the order they were added, short and long rows (bits %i)', (bits) => {
    for (const width of [10, 80]) {
      const used = columns.slice(0, width);
      const hasher = createFeatureHasher({ inputCols: used, bits });
      for (let r = 0; r < 20; r++) {
        const row: Row = Object.fromEntries(columns.map((name, c) => [name, c < width ? magnitudes[(c * 3 + r) % magnitudes.length] : 0]));
        hasher.transformInto!(row, new ReusedStageOutput());
        const expected = [...reference(row, bits)].filter(([, sum]) => sum !== 0).sort(([a], [b]) => a - b);
        const { indices, values } = plain(row.features);
        expect(indices.map((index, k) => [index, values[k]])).toEqual(expected);
      }
    }
  });
});
