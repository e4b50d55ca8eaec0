// The constants and helpers stay module-local: exported, compiled CommonJS reads them as `exports.X` on every call.

/** A floor on log densities, so one feature cannot veto a class outright. */
const LOG_FLOOR = -700;

/** At or below this variance a class's Gaussian is a point mass at its mean. */
const MIN_VARIANCE = 1e-12;

/** Sample variance from weight and M2, as MOA's GaussianEstimator and River's Var (ddof = 1); 0 below weight 1. */
function sampleVariance(w: number, m2: number): number {
  return w > 1 ? m2 / (w - 1) : 0;
}

/** −½·log(2π·variance): the part of a Gaussian log density that costs a `Math.log`, hence worth caching. */
function gaussianLogNorm(variance: number): number {
  return -0.5 * Math.log(2 * Math.PI * variance);
}

/**
 * log N(mean + diff; mean, variance) floored at `LOG_FLOOR`, given `logNorm = gaussianLogNorm(variance)`;
 * a point mass (variance ≤ `MIN_VARIANCE`) gives 0 at its mean and the floor elsewhere.
 */
function gaussianLogDensity(diff: number, variance: number, logNorm: number): number {
  if (!(variance > MIN_VARIANCE)) return Math.abs(diff) < 1e-9 ? 0 : LOG_FLOOR;
  return Math.max(LOG_FLOOR, logNorm - (diff * diff) / (2 * variance));
}

/**
 * log P(x | class) of the Gaussian whose [weight, mean, M2, …] start at `block[b]`, computed directly: the
 * reference `GaussianCache.logDensity` matches bit for bit. An unseen class scores the floor.
 */
export function gaussianLogLikelihood(block: Float64Array, b: number, x: number): number {
  const w = block[b];
  if (w <= 0) return LOG_FLOOR;
  const variance = sampleVariance(w, block[b + 2]);
  return gaussianLogDensity(x - block[b + 1], variance, variance > MIN_VARIANCE ? gaussianLogNorm(variance) : 0);
}

/** Numbers per entry: the weight and M2 the constants were derived from, the variance, the log-normaliser. */
const STRIDE = 4;

/**
 * Naive Bayes' Gaussian constants per (observer slot, feature position, class): the variance and its
 * log-normaliser. The observer refreshes an entry when its Gaussian learns, so a prediction pays no
 * `Math.log` for the features' densities (it paid one per class and feature: 20 per event on rbf-drift).
 * An entry is keyed by the (weight, M2) it was computed from and recomputed on a mismatch, so it is never
 * stale — whatever a slot reset, a split or a restored checkpoint did — and the density is the same
 * expression on the same numbers as `Observers.logLikelihood`'s, bit for bit. Not checkpointed: it fills
 * itself again. Measured on rbf-drift: see docs/trees.md.
 */
export class GaussianCache {
  private entries = new Float64Array(0);

  /** Makes room for entries below `count`. Grows by doubling; a fresh entry has weight 0, which no Gaussian that reaches a lookup has. */
  reserve(count: number): void {
    if (count * STRIDE <= this.entries.length) return;
    const next = new Float64Array(Math.max(count * STRIDE, this.entries.length * 2));
    next.set(this.entries);
    this.entries = next;
  }

  /** Recomputes entry `entry` (reserved) from the Gaussian whose [weight, mean, M2, …] start at `block[b]`. */
  refresh(block: Float64Array, b: number, entry: number): void {
    const e = entry * STRIDE;
    const cache = this.entries;
    const w = block[b];
    const m2 = block[b + 2];
    const variance = sampleVariance(w, m2);
    cache[e] = w;
    cache[e + 1] = m2;
    cache[e + 2] = variance;
    cache[e + 3] = variance > MIN_VARIANCE ? gaussianLogNorm(variance) : 0;
  }

  /** log P(x | class) of the Gaussian at `block[b]`, through entry `entry` (reserved). */
  logDensity(block: Float64Array, b: number, x: number, entry: number): number {
    const w = block[b];
    if (w <= 0) return LOG_FLOOR;
    const e = entry * STRIDE;
    if (this.entries[e] !== w || this.entries[e + 1] !== block[b + 2]) this.refresh(block, b, entry);
    return gaussianLogDensity(x - block[b + 1], this.entries[e + 2], this.entries[e + 3]);
  }
}
