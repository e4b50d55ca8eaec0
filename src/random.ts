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
}

/**
 * One Mulberry32 step on a state kept in `state[slot]`: for learners whose random state is part of their
 * checkpoint (the trees), so a restored model draws exactly what the original would have drawn.
 */
export function nextUniform(state: Uint32Array, slot = 0): number {
  state[slot] = (state[slot] + 0x6d2b79f5) >>> 0;
  let t = state[slot];
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function createRandom(seed: number): Random {
  const state = Uint32Array.of(seed >>> 0);
  let spareGaussian = Number.NaN;

  const next = (): number => nextUniform(state);

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

  return { next, nextInt: (bound) => Math.floor(next() * bound), gaussian };
}
