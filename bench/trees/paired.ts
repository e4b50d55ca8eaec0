/**
 * The ARF-vs-MOA quality verdict from several stream seeds × forest seeds. One run's accuracy moves with
 * the forest seed by up to ±2 points on a drifting stream (which trees get replaced when decides the
 * recovery), and the mean over forest seeds moves with the stream by ±1–3 points on agrawal-drift (per
 * stream means −1.0, +3.1, −1.0, −1.0, +0.4, −0.8 over 6 streams × 3 seeds), so a single stream cannot say
 * "equal or better"; the mean of paired differences over several streams and its standard error can.
 */
export interface PairedVerdict {
  runs: number;
  /** Independent units behind the standard error: streams when pairs are grouped by stream, else pairs. */
  units: number;
  oursMean: number;
  peerMean: number;
  /** Mean of (ours − peer) over the pairs. */
  meanDelta: number;
  /** Mean of (ours − peer) per group (stream), in group order; one entry per pair when ungrouped. */
  unitDeltas: number[];
  /** Standard error of the mean difference (sd of the unit differences / √units); null with one unit. */
  standardError: number | null;
  met: boolean;
}

/** A shortfall counts as noise while it is within this many standard errors of 0 … */
export const NOISE_STANDARD_ERRORS = 2;
/** … and never when it is larger than this (accuracy as a fraction: half a point). */
export const MAX_SHORTFALL = 0.005;

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** Means of `deltas` per distinct `groups` value, in order of first appearance. */
function groupMeans(deltas: readonly number[], groups: readonly number[]): number[] {
  const byGroup = new Map<number, number[]>();
  deltas.forEach((d, i) => byGroup.set(groups[i], [...(byGroup.get(groups[i]) ?? []), d]));
  return [...byGroup.values()].map(mean);
}

/**
 * Met when the mean difference is ≥ 0, or when it is a shortfall of at most `MAX_SHORTFALL` that is also
 * within `NOISE_STANDARD_ERRORS` standard errors of 0. `groups` (optional, one per pair) names each pair's
 * stream: pairs on one stream share its events and are not independent, so the standard error is taken
 * over the streams' mean differences (with a single group, over the pairs). One unit has no noise
 * estimate: met only at ≥ 0.
 */
export function pairedVerdict(ours: readonly number[], peer: readonly number[], groups?: readonly number[]): PairedVerdict {
  if (ours.length !== peer.length || ours.length === 0 || (groups !== undefined && groups.length !== ours.length)) {
    throw new RangeError(
      `paired verdict needs the same number (≥ 1) of runs on each side (and of groups), got ${ours.length}, ${peer.length}, ${groups?.length}`,
    );
  }
  const deltas = ours.map((v, i) => v - peer[i]);
  const meanDelta = mean(deltas);
  const grouped = groups === undefined ? deltas : groupMeans(deltas, groups);
  const unitDeltas = grouped.length >= 2 ? grouped : deltas;
  const n = unitDeltas.length;
  const unitMean = mean(unitDeltas);
  const standardError = n < 2 ? null : Math.sqrt(unitDeltas.reduce((sum, d) => sum + (d - unitMean) ** 2, 0) / (n - 1) / n);
  const withinNoise = standardError !== null && -meanDelta <= NOISE_STANDARD_ERRORS * standardError && -meanDelta <= MAX_SHORTFALL;
  return {
    runs: deltas.length,
    units: n,
    oursMean: mean(ours),
    peerMean: mean(peer),
    meanDelta,
    unitDeltas,
    standardError,
    met: meanDelta >= 0 || withinNoise,
  };
}
