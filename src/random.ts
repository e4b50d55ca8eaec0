/**
 * Seeded pseudo-random numbers, so tests, benchmarks and initialisations are reproducible.
 * Mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, passes gjrand/PractRand to 2^32 — plenty for
 * shuffles and synthetic data, not for cryptography.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
  /** Standard normal N(0, 1). */
  gaussian(): number;
  /**
   * Where the generator stands, for checkpoints: `createRandom(seed, position)` continues exactly from here
   * (the same numbers, bit for bit), whatever `seed` is.
   */
  position(): RandomPosition;
}

/** The generator's 32-bit state and the pending second normal of a pair (NaN when none). */
export type RandomPosition = readonly [state: number, spareGaussian: number];

export function createRandom(seed: number, from?: RandomPosition): Random {
  let state = (from === undefined ? seed : from[0]) >>> 0;
  let spareGaussian = from === undefined ? Number.NaN : from[1];

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  // Marsaglia's polar method yields normals in pairs; the second is kept for the next call.
  const gaussian = (): number => {
    if (!Number.isNaN(spareGaussian)) {
      const spare = spareGaussian;
      spareGaussian = Number.NaN;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * next() - 1;
      v = 2 * next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    spareGaussian = v * factor;
    return u * factor;
  };

  return {
    next,
    nextInt: (bound) => Math.floor(next() * bound),
    gaussian,
    position: () => [state, spareGaussian],
  };
}
