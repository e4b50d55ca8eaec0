import '../../../src/builtins';
import { DecodeError } from '../../../src/errors';
import { createHashingTokenizer, type HashingTokenizerConfig } from '../../../src/features/hashing-tokenizer';
import { murmur3Pair, murmur3String } from '../../../src/features/murmur3';
import { stageFromState } from '../../../src/features/registry';
import type { SizedSparseVector } from '../../../src/features/vector';
import { createRandom } from '../../../src/random';

function tokenize(config: Omit<HashingTokenizerConfig, 'inputCol'>, text: unknown): SizedSparseVector {
  const row: Record<string, unknown> = { text };
  createHashingTokenizer({ inputCol: 'text', ...config }).transform(row);
  return row.features as SizedSparseVector;
}

function asMap(vector: SizedSparseVector): Map<number, number> {
  return new Map(Array.from(vector.indices, (index, k) => [index, vector.values[k]]));
}

/** Reference: tokens by a Unicode regex on sliced strings, then the documented hashing. */
function reference(text: string, bits: number, seed: number, ngrams: number): Map<number, number> {
  const tokens = text.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  const hashes = tokens.map((token) => murmur3String(token, seed));
  const keys = [...hashes];
  if (ngrams === 2) for (let i = 1; i < hashes.length; i++) keys.push(murmur3Pair(hashes[i - 1], hashes[i], (seed ^ 0x9e3779b9) >>> 0));
  const slots = new Map<number, number>();
  for (const hash of keys) {
    const slot = hash & (2 ** bits - 1);
    slots.set(slot, (slots.get(slot) ?? 0) + (hash >>> 31 === 1 ? -1 : 1));
  }
  for (const [slot, value] of slots) if (value === 0) slots.delete(slot);
  return slots;
}

describe('createHashingTokenizer', () => {
  it('counts lowercased unigrams and adjacent bigrams', () => {
    const unsigned = { bits: 24, signed: false };
    const vector = tokenize(unsigned, 'Hello, WORLD! hello');
    const hello = murmur3String('hello') & (2 ** 24 - 1);
    const world = murmur3String('world') & (2 ** 24 - 1);
    const counts = asMap(vector);
    expect(counts.get(hello)).toBe(2);
    expect(counts.get(world)).toBe(1);
    // Two distinct bigrams (hello world, world hello), each once: 4 slots in all.
    expect(counts.size).toBe(4);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(5);
    expect(asMap(tokenize({ ...unsigned, ngrams: 1 }, 'Hello, WORLD! hello'))).toEqual(
      new Map([
        [hello, 2],
        [world, 1],
      ]),
    );
  });

  it('makes bigrams order-sensitive while unigrams are not', () => {
    const forward = asMap(tokenize({ bits: 24, signed: false }, 'red car'));
    const backward = asMap(tokenize({ bits: 24, signed: false }, 'car red'));
    const unigrams = asMap(tokenize({ bits: 24, signed: false, ngrams: 1 }, 'red car'));
    const bigramSlots = (counts: Map<number, number>) => [...counts.keys()].filter((slot) => !unigrams.has(slot));
    expect(bigramSlots(forward)).toHaveLength(1);
    expect(bigramSlots(backward)).toHaveLength(1);
    expect(bigramSlots(forward)).not.toEqual(bigramSlots(backward));
  });

  it('splits on anything but Unicode letters, marks and numbers, like a \\p{L}\\p{M}\\p{N} regex', () => {
    expect(asMap(tokenize({ bits: 20 }, 'Ünïcödé café—naïve 東京 2024 ΑΘΗΝΑ e\u0301 𝐀𝐁 😀x'))).toEqual(
      reference('Ünïcödé café—naïve 東京 2024 ΑΘΗΝΑ e\u0301 𝐀𝐁 😀x', 20, 0, 2),
    );
    const random = createRandom(5);
    const alphabet = ['a', 'B', '7', ' ', ',', '-', 'é', 'Σ', '東', '😀', '𝐀', '\u0301', '٣', '\ud800', '\n', 'İ'];
    for (let trial = 0; trial < 300; trial++) {
      const text = Array.from({ length: random.nextInt(30) }, () => alphabet[random.nextInt(alphabet.length)]).join('');
      const seed = random.nextInt(1000);
      expect(asMap(tokenize({ bits: 12, seed }, text))).toEqual(reference(text, 12, seed, 2));
    }
  });

  it('normalises term frequencies when asked', () => {
    const text = 'the cat and the hat and the bat';
    const l2 = tokenize({ norm: 'l2' }, text).values;
    const l1 = tokenize({ norm: 'l1' }, text).values;
    const raw = tokenize({}, text).values;
    expect(l2.reduce((sum, v) => sum + v * v, 0)).toBeCloseTo(1, 12);
    expect(l1.reduce((sum, v) => sum + Math.abs(v), 0)).toBeCloseTo(1, 12);
    const rawNorm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0));
    l2.forEach((v, k) => expect(v).toBeCloseTo(raw[k] / rawNorm, 12));
  });

  it('yields an empty vector for missing text and rejects non-text', () => {
    expect(tokenize({}, null).indices).toHaveLength(0);
    expect(tokenize({}, '  ,;  ').indices).toHaveLength(0);
    expect(() => tokenize({}, 42)).toThrow(DecodeError);
    expect(() => tokenize({}, 42)).toThrow(/"text" must hold text, got 42/);
  });

  it('round-trips its config through state', () => {
    const stage = createHashingTokenizer({ inputCol: 'text', bits: 10, seed: 3, norm: 'l1', ngrams: 1 });
    const restored = stageFromState(JSON.parse(JSON.stringify(stage.state())));
    const a: Record<string, unknown> = { text: 'Same input, same output' };
    const b = { ...a };
    stage.transform(a);
    restored.transform(b);
    expect(b.features).toEqual(a.features);
    expect(() => createHashingTokenizer({ inputCol: 'text', ngrams: 3 })).toThrow(/ngrams/);
  });
});
