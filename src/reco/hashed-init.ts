import { murmur3String } from '../features/murmur3';

const TWO_32 = 4294967296;

// Bound once: a global lookup per draw is slow inside vm contexts (jest's).
const { cos, floor, imul, log, sqrt, PI } = Math;

/** A 32-bit integer mixer (Wellons' "lowbias32", bias ≈ 0.17): every input bit moves every output bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Uniform in (0, 1) from (a, b, seed). */
const unit = (a: number, b: number, seed: number): number => (mix32(mix32(mix32(seed) ^ a) + b) + 0.5) / TWO_32;

/**
 * Seeded random numbers that are a pure function of (seed, key, index) rather than of a generator's
 * position: an id's initial factors are the same whenever and wherever it first appears (after an
 * eviction, in another process), and nothing about a generator needs checkpointing.
 */
export function keyHash(key: string, seed: number): number {
  return murmur3String(key, seed);
}

/** A standard normal for (hash, index), by Box–Muller on two hashed uniforms. */
export function hashedGaussian(hash: number, index: number, seed: number): number {
  return sqrt(-2 * log(unit(hash, 2 * index, seed))) * cos(2 * PI * unit(hash, 2 * index + 1, seed));
}

/** A uniform integer in [0, bound) for (counter, index): the index-th draw of the counter-th step. */
export function hashedIndex(counter: number, index: number, seed: number, bound: number): number {
  // The counter may pass 2^32 on a long stream; its high half goes into the seed.
  return floor(unit(counter >>> 0, index, seed ^ mix32(floor(counter / TWO_32))) * bound);
}
