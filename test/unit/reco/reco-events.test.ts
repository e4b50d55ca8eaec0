import { createRecoWorld, recoEventStream } from '../../../src/datasets/reco-events';
import { ConfigError } from '../../../src/errors';
import { hashedGaussian, hashedIndex } from '../../../src/reco/hashed-init';
import { take } from './support';

const index = (id: string) => Number(id.slice(1));

describe('the reco-events generator', () => {
  it('is seeded, in time order, and carries ids, rating, event kind and context', () => {
    const a = take(recoEventStream({ seed: 3 }), 2000);
    expect(take(recoEventStream({ seed: 3 }), 2000)).toEqual(a);
    expect(take(recoEventStream({ seed: 4 }), 2000)).not.toEqual(a);
    for (let t = 1; t < a.length; t++) expect(a[t].timestamp).toBeGreaterThanOrEqual(a[t - 1].timestamp);
    for (const e of a) {
      expect(e.userId).toMatch(/^u\d+$/);
      expect(e.itemId).toMatch(/^i\d+$/);
      expect(['mobile', 'desktop', 'tv']).toContain(e.device);
      expect(e.event).toBe(e.rating >= 4.5 ? 'buy' : e.rating >= 3.5 ? 'click' : 'view');
    }
  });

  it('rates with the documented noise around the true expected rating, with categories and device effects', () => {
    const world = createRecoWorld({ seed: 5, noise: 0.4, deviceEffect: 0.5 });
    const events = take(world.events(), 20_000);
    const residuals = events.map((e) => e.rating - world.expectedRating(index(e.userId), index(e.itemId), world.config.devices.indexOf(e.device)));
    const mean = residuals.reduce((s, r) => s + r, 0) / residuals.length;
    const std = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / residuals.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeCloseTo(0.4, 2);
    for (const e of events.slice(0, 100)) expect(e.category).toBe(`c${world.itemCategory[index(e.itemId)]}`);
  });

  it('has power-law popularity, and choices that follow taste among what is shown', () => {
    const world = createRecoWorld({ seed: 6, items: 1000, popularityExponent: 1, choiceSharpness: 3 });
    const events = take(world.events(), 50_000);
    const counts = new Float64Array(1000);
    for (const e of events) counts[index(e.itemId)]++;
    const byPopularity = Array.from(world.popularity.keys()).sort((a, b) => world.popularity[b] - world.popularity[a]);
    const share = (from: number, to: number) => byPopularity.slice(from, to).reduce((s, i) => s + counts[i], 0) / events.length;
    // Zipf(1) over 1000 items puts about 39% of exposures on the top 10, and 0.4% on ranks 500..509.
    expect(share(0, 10)).toBeGreaterThan(0.25);
    expect(share(500, 510)).toBeLessThan(0.01);
    // Chosen items are better liked than exposure alone would give: mean taste above the popularity-weighted mean.
    const k = world.config.factors;
    const taste = (u: number, i: number) => {
      let dot = world.itemBias[i];
      for (let f = 0; f < k; f++) dot += world.userFactors[u * k + f] * world.itemFactors[i * k + f];
      return dot;
    };
    const sample = events.slice(0, 1000);
    const chosen = sample.reduce((s, e) => s + taste(index(e.userId), index(e.itemId)), 0) / sample.length;
    const exposed = sample.reduce((s, e) => s + world.popularity.reduce((t, p, i) => t + p * taste(index(e.userId), i), 0), 0) / sample.length;
    expect(chosen).toBeGreaterThan(exposed + 0.5);
  });

  it('drifts tastes when asked, keeping their scale, and only then', () => {
    for (const drift of [0, 0.05]) {
      const world = createRecoWorld({ seed: 7, users: 50, drift });
      const before = Float64Array.from(world.userFactors);
      take(world.events(), 20_000);
      const changed = before.some((v, i) => v !== world.userFactors[i]);
      expect({ drift, changed }).toEqual({ drift, changed: drift > 0 });
      const meanSquare = (a: Float64Array) => a.reduce((s, v) => s + v * v, 0) / a.length;
      expect(meanSquare(world.userFactors) / meanSquare(before)).toBeGreaterThan(0.7);
      expect(meanSquare(world.userFactors) / meanSquare(before)).toBeLessThan(1.4);
    }
  });

  it('refuses settings outside their domain', () => {
    expect(() => createRecoWorld({ users: 0 })).toThrow(ConfigError);
    expect(() => createRecoWorld({ drift: 1 })).toThrow(/drift must be in \[0, 1\)/);
    expect(() => createRecoWorld({ noise: -1 })).toThrow(ConfigError);
    expect(() => createRecoWorld({ devices: [] })).toThrow(ConfigError);
  });
});

describe('hashed initialisation and negative draws', () => {
  it('are standard normal and uniform, as functions of their inputs alone', () => {
    const draws = Array.from({ length: 20_000 }, (_, i) => hashedGaussian(12345, i, 9));
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeCloseTo(1, 1);
    expect(hashedGaussian(12345, 7, 9)).toBe(draws[7]);
    const counts = new Array(10).fill(0);
    for (let counter = 0; counter < 10_000; counter++) for (let n = 0; n < 2; n++) counts[hashedIndex(counter + 2 ** 33, n, 3, 10)]++;
    // Chi-square with 9 degrees of freedom: above 27.9 has probability 0.001.
    expect(counts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0)).toBeLessThan(27.9);
    expect(hashedIndex(5, 0, 3, 10)).toBe(hashedIndex(5, 0, 3, 10));
    expect(hashedIndex(5, 0, 3, 1000)).not.toBe(hashedIndex(5 + 2 ** 32, 0, 3, 1000));
  });
});
