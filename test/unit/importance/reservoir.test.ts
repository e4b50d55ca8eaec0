import { createReservoir } from '../../../src/importance';
import { createRandom } from '../../../src/random';

/** Fraction of the kept examples that are among the last `recent` of `n` added. */
function recentShare(kind: 'uniform' | 'geometric', size: number, n: number, recent: number, seed: number): number {
  const reservoir = createReservoir<number>(kind, size, createRandom(seed));
  for (let i = 0; i < n; i++) reservoir.add(i);
  const kept = new Set<number>();
  // Enough picks to see every slot.
  for (let k = 0; k < 200 * size; k++) kept.add(reservoir.pick());
  expect(kept.size).toBe(size);
  return [...kept].filter((i) => i >= n - recent).length / size;
}

describe('reservoirs', () => {
  it('uniform keeps every example with the same chance: the last 10% of the stream hold about 10% of the slots', () => {
    const shares = [1, 2, 3, 4, 5].map((seed) => recentShare('uniform', 200, 20_000, 2000, seed));
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    // 1000 slots in all, binomial(1000, 0.1): sd 0.0095.
    expect(mean).toBeGreaterThan(0.07);
    expect(mean).toBeLessThan(0.13);
  });

  it('geometric favours recent examples: a slot is replaced with chance 1/size² per example, so it lasts about size² examples', () => {
    const shares = [1, 2, 3, 4, 5].map((seed) => recentShare('geometric', 100, 50_000, 10_000, seed));
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    // Slots replaced within the last size² = 10,000 examples: 1 − (1 − 1/100²)^10000 ≈ 1 − e⁻¹ = 0.632, where uniform would keep 0.2.
    expect(mean).toBeGreaterThan(0.56);
    expect(mean).toBeLessThan(0.7);
  });

  it.each(['uniform', 'geometric'] as const)('%s: refusing() counts the examples wants() refuses next, and pass(n) is n refusals', (kind) => {
    const [byOne, bySkip] = [createReservoir<number>(kind, 20, createRandom(5)), createReservoir<number>(kind, 20, createRandom(5))];
    const kept: [number[], number[]] = [[], []];
    for (let i = 0; i < 5000; i++) {
      if (byOne.wants()) {
        byOne.keep(i);
        kept[0].push(i);
      }
    }
    for (let i = 0; i < 5000; i++) {
      const idle = Math.min(bySkip.refusing(), 5000 - i);
      if (idle > 0) {
        bySkip.pass(idle);
        i += idle - 1;
        continue;
      }
      expect(bySkip.wants()).toBe(true);
      bySkip.keep(i);
      kept[1].push(i);
    }
    expect(kept[1]).toEqual(kept[0]);
    expect(kept[0].length).toBeGreaterThan(20);
    expect(Array.from({ length: 50 }, () => bySkip.pick())).toEqual(Array.from({ length: 50 }, () => byOne.pick()));
  });

  it('fills up before it replaces', () => {
    const reservoir = createReservoir<number>('geometric', 3, createRandom(1));
    expect(reservoir.length).toBe(0);
    [10, 11, 12].forEach((x) => reservoir.add(x));
    expect(reservoir.length).toBe(3);
    const picks = new Set(Array.from({ length: 100 }, () => reservoir.pick()));
    expect([...picks].sort()).toEqual([10, 11, 12]);
  });
});
