import { createRandom } from '../../../src/random';

/** A synthetic stream with one abrupt change: values from `before` up to `changeAt`, then from `after`. */
export function abruptStream(
  length: number,
  changeAt: number,
  seed: number,
  before: (rng: ReturnType<typeof createRandom>) => number,
  after: (rng: ReturnType<typeof createRandom>) => number,
): Float64Array {
  const rng = createRandom(seed);
  return Float64Array.from({ length }, (_, i) => (i < changeAt ? before(rng) : after(rng)));
}

export const bernoulli = (p: number) => (rng: ReturnType<typeof createRandom>) => (rng.next() < p ? 1 : 0);
export const normal = (mean: number, sd: number) => (rng: ReturnType<typeof createRandom>) => mean + sd * rng.gaussian();

export interface DetectionSummary {
  /** Detections before the change, summed over seeds. */
  falseAlarms: number;
  /** Seeds with no detection after the change. */
  missed: number;
  /** Delay of the first detection after the change, per detecting seed, sorted. */
  delays: number[];
}

/**
 * Runs a fresh detector per seed over an abrupt-change stream and summarises detection delay (events
 * from the change to the first detection at or after it) and false alarms (detections before it).
 */
export function measureDetection(
  create: () => { update(v: number): string },
  seeds: number,
  length: number,
  changeAt: number,
  before: (rng: ReturnType<typeof createRandom>) => number,
  after: (rng: ReturnType<typeof createRandom>) => number,
): DetectionSummary {
  const summary: DetectionSummary = { falseAlarms: 0, missed: 0, delays: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    const detector = create();
    const xs = abruptStream(length, changeAt, seed, before, after);
    let first = -1;
    for (let i = 0; i < length && first < 0; i++) {
      if (detector.update(xs[i]!) !== 'drift') continue;
      if (i < changeAt) summary.falseAlarms += 1;
      else first = i;
    }
    if (first < 0) summary.missed += 1;
    else summary.delays.push(first - changeAt);
  }
  summary.delays.sort((a, b) => a - b);
  return summary;
}

export function median(sorted: readonly number[]): number {
  return sorted[sorted.length >> 1] ?? Number.NaN;
}
