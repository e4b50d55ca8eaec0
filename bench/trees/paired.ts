/**
 * The ARF-vs-MOA quality verdict from several forest seeds on the same events. One run's accuracy moves
 * with the forest seed by up to ±2 points on a drifting stream (which trees get replaced when decides the
 * recovery), so a single pair cannot say "equal or better"; the mean of paired differences and its
 * standard error can.
 */
export interface PairedVerdict {
  runs: number;
  oursMean: number;
  peerMean: number;
  /** Mean of (ours − peer) over the pairs. */
  meanDelta: number;
  /** Standard error of that mean (sd of the differences / √runs); null for a single pair. */
  standardError: number | null;
  met: boolean;
}

/** A shortfall counts as noise while it is within this many standard errors of 0 … */
export const NOISE_STANDARD_ERRORS = 2;
/** … and never when it is larger than this (accuracy as a fraction: half a point). */
export const MAX_SHORTFALL = 0.005;

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Met when the mean difference is ≥ 0, or when it is a shortfall of at most `MAX_SHORTFALL` that is also
 * within `NOISE_STANDARD_ERRORS` paired standard errors of 0. A single pair has no noise estimate: met only at ≥ 0.
 */
export function pairedVerdict(ours: readonly number[], peer: readonly number[]): PairedVerdict {
  if (ours.length !== peer.length || ours.length === 0) {
    throw new RangeError(`paired verdict needs the same number (≥ 1) of runs on each side, got ${ours.length} and ${peer.length}`);
  }
  const deltas = ours.map((v, i) => v - peer[i]);
  const meanDelta = mean(deltas);
  const n = deltas.length;
  const standardError = n < 2 ? null : Math.sqrt(deltas.reduce((sum, d) => sum + (d - meanDelta) ** 2, 0) / (n - 1) / n);
  const withinNoise = standardError !== null && -meanDelta <= NOISE_STANDARD_ERRORS * standardError && -meanDelta <= MAX_SHORTFALL;
  return { runs: n, oursMean: mean(ours), peerMean: mean(peer), meanDelta, standardError, met: meanDelta >= 0 || withinNoise };
}
