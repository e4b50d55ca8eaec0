import { isOpenFraction, isPositiveInteger, numberField } from '../learners/config-checks';
import type { ModelState } from '../state';
import { checkFinite, directionFromCode, stateArray, statusCode, statusFromCode, type DriftDetector, type DriftStatus, DetectorBase } from './detector';

export interface AdwinConfig {
  /** Confidence δ of the cut test: smaller means fewer false alarms and later detections. Default 0.002. */
  delta?: number;
  /** Test for a cut every `clock` updates (amortises the O(log W) scan). Default 32. */
  clock?: number;
  /** Buckets of each size kept before two are merged (M in the paper). Default 5. */
  maxBuckets?: number;
  /** Neither sub-window of a cut may be shorter than this. Default 5. */
  minWindowLength?: number;
  /** No test before the window holds more than this many values. Default 10. */
  gracePeriod?: number;
}

export type ResolvedAdwinConfig = Required<AdwinConfig>;

const KIND = 'ADWIN';

export function resolveAdwinConfig(config: AdwinConfig = {}): ResolvedAdwinConfig {
  return {
    delta: numberField(KIND, 'delta', config.delta, 0.002, isOpenFraction, 'in (0, 1)'),
    clock: numberField(KIND, 'clock', config.clock, 32, isPositiveInteger, 'a positive integer'),
    maxBuckets: numberField(KIND, 'maxBuckets', config.maxBuckets, 5, (v) => Number.isInteger(v) && v >= 2, 'an integer ≥ 2'),
    minWindowLength: numberField(KIND, 'minWindowLength', config.minWindowLength, 5, isPositiveInteger, 'a positive integer'),
    gracePeriod: numberField(KIND, 'gracePeriod', config.gracePeriod, 10, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
  };
}

/** Scalars kept in a state, in this order. */
const SCALARS = ['width', 'total', 'variance', 'count', 'detections', 'status', 'statistic', 'direction'] as const;

/**
 * ADWIN (Bifet & Gavaldà, "Learning from time-changing data with adaptive windowing", SDM 2007): keeps
 * the longest recent window whose two parts, at every cut, have means closer than the Hoeffding-style bound
 *
 *   ε = sqrt(2·m·σ²_W·δ') + (2/3)·δ'·m,   m = 1/(n0 − L + 1) + 1/(n1 − L + 1),   δ' = ln(2·ln(W)/δ)
 *
 * (the variance-aware bound of the paper's ADWIN2, L = minWindowLength). When a cut fails the test the
 * oldest bucket is dropped and the test repeats, so the window shrinks to the new concept. The window is
 * an exponential histogram: rows of buckets of 2^r values, at most `maxBuckets` per row, so W values
 * take O(M·log W) memory. Same defaults as River and MOA (δ 0.002, clock 32, M 5, L 5, grace 10).
 *
 * One deliberate difference from River's `adwin_c.pyx`: River's cut scan skips the newest bucket of
 * every row, so it never tests those cuts; this scan tests every cut, as MOA's ADWIN and the paper do.
 *
 * `statistic` is |μ0 − μ1| / ε of the cut that fired, or the largest such ratio of the last scan;
 * `threshold` is 1.
 */
export class Adwin extends DetectorBase implements DriftDetector {
  readonly kind = KIND;
  readonly threshold = 1;
  readonly config: ResolvedAdwinConfig;
  private readonly slots: number;
  private totals: Float64Array;
  private variances: Float64Array;
  private counts: Int32Array;
  private rows = 0;
  private windowWidth = 0;
  private windowTotal = 0;
  /** Sum of squared deviations from the window mean (n·σ²). */
  private windowVariance = 0;

  constructor(config: AdwinConfig = {}) {
    super();
    this.config = resolveAdwinConfig(config);
    this.slots = this.config.maxBuckets + 1;
    // 8 rows hold 5·(2^8 − 1) ≈ 1275 values; rows double on demand, O(log W) times in a lifetime.
    this.totals = new Float64Array(8 * this.slots);
    this.variances = new Float64Array(8 * this.slots);
    this.counts = new Int32Array(8);
  }

  /** Values in the current window. */
  get width(): number {
    return this.windowWidth;
  }
  /** Mean of the current window (0 when empty): the error estimate a Hoeffding adaptive tree compares. */
  get estimate(): number {
    return this.windowWidth === 0 ? 0 : this.windowTotal / this.windowWidth;
  }
  /** Variance of the values in the current window. */
  get variance(): number {
    return this.windowWidth === 0 ? 0 : this.windowVariance / this.windowWidth;
  }

  update(value: number): DriftStatus {
    checkFinite(KIND, value);
    this.insert(value);
    this.updates += 1;
    const { clock, gracePeriod } = this.config;
    const drift = this.updates % clock === 0 && this.windowWidth > gracePeriod && this.shrinkWhileCut();
    if (drift) this.drifts += 1;
    this.lastStatus = drift ? 'drift' : 'stable';
    return this.lastStatus;
  }

  reset(): void {
    this.counts.fill(0);
    this.rows = 0;
    this.windowWidth = 0;
    this.windowTotal = 0;
    this.windowVariance = 0;
    this.resetOutcome();
  }

  state(): ModelState {
    const used = this.rows * this.slots;
    const scalars = new Float64Array(SCALARS.length);
    scalars.set([
      this.windowWidth,
      this.windowTotal,
      this.windowVariance,
      this.updates,
      this.drifts,
      statusCode(this.lastStatus),
      this.lastStatistic,
      this.lastDirection,
    ]);
    return {
      kind: KIND,
      version: 1,
      config: { ...this.config },
      arrays: {
        totals: this.totals.slice(0, used),
        variances: this.variances.slice(0, used),
        counts: this.counts.slice(0, this.rows),
        scalars,
      },
    };
  }

  static fromState(state: ModelState): Adwin {
    const adwin = new Adwin(state.config as AdwinConfig);
    const counts = stateArray(state, 'counts', Int32Array, 0);
    const used = counts.length * adwin.slots;
    const totals = stateArray(state, 'totals', Float64Array, used);
    const variances = stateArray(state, 'variances', Float64Array, used);
    const scalars = stateArray(state, 'scalars', Float64Array, SCALARS.length);
    while (adwin.counts.length < counts.length) adwin.grow();
    adwin.rows = counts.length;
    adwin.counts.set(counts);
    adwin.totals.set(totals.subarray(0, used));
    adwin.variances.set(variances.subarray(0, used));
    [adwin.windowWidth, adwin.windowTotal, adwin.windowVariance, adwin.updates, adwin.drifts] = scalars;
    adwin.lastStatus = statusFromCode(KIND, scalars[5] ?? 0);
    adwin.lastStatistic = scalars[6] ?? 0;
    adwin.lastDirection = directionFromCode(KIND, scalars[7] ?? 0);
    return adwin;
  }

  private insert(value: number): void {
    if (this.rows === 0) this.rows = 1;
    this.append(0, value, 0);
    const width = this.windowWidth;
    if (width > 0) {
      const deviation = value - this.windowTotal / width;
      this.windowVariance += (width * deviation * deviation) / (width + 1);
    }
    this.windowWidth = width + 1;
    this.windowTotal += value;
    this.compress();
  }

  private append(row: number, total: number, variance: number): void {
    const slot = row * this.slots + this.counts[row]!;
    this.totals[slot] = total;
    this.variances[slot] = variance;
    this.counts[row]! += 1;
  }

  /** Merges the two oldest buckets of every full row into one bucket of the next row. */
  private compress(): void {
    const { maxBuckets } = this.config;
    for (let row = 0; row < this.rows && this.counts[row]! > maxBuckets; row++) {
      if (row + 1 === this.rows) {
        if (this.rows === this.counts.length) this.grow();
        this.rows += 1;
      }
      const base = row * this.slots;
      const size = 2 ** row;
      const t0 = this.totals[base]!;
      const t1 = this.totals[base + 1]!;
      const gap = t0 / size - t1 / size;
      // Chan et al.'s pairwise variance merge, exact for two equal-sized buckets.
      const merged = this.variances[base]! + this.variances[base + 1]! + (size * gap * gap) / 2;
      this.append(row + 1, t0 + t1, merged);
      this.dropOldest(row, 2);
    }
  }

  private dropOldest(row: number, n: number): void {
    const base = row * this.slots;
    const remaining = this.counts[row]! - n;
    // A plain loop: rows hold at most M + 1 buckets, too few for copyWithin's call to pay off.
    for (let k = 0; k < remaining; k++) {
      this.totals[base + k] = this.totals[base + k + n]!;
      this.variances[base + k] = this.variances[base + k + n]!;
    }
    this.counts[row] = remaining;
  }

  private grow(): void {
    const rows = this.counts.length * 2;
    const totals = new Float64Array(rows * this.slots);
    const variances = new Float64Array(rows * this.slots);
    const counts = new Int32Array(rows);
    totals.set(this.totals);
    variances.set(this.variances);
    counts.set(this.counts);
    this.totals = totals;
    this.variances = variances;
    this.counts = counts;
  }

  /** Drops the oldest bucket while some cut fails the test; true when at least one did. */
  private shrinkWhileCut(): boolean {
    let drift = false;
    this.lastStatistic = 0;
    while (this.windowWidth > 0 && this.scanCuts(drift)) {
      drift = true;
      this.removeOldestBucket();
    }
    return drift;
  }

  /**
   * Tests every cut, oldest first; true at the first cut whose means differ by more than ε. The first
   * failing cut of an update sets `direction` (later ones, after buckets were dropped, only confirm it).
   */
  private scanCuts(confirming: boolean): boolean {
    const { minWindowLength, delta } = this.config;
    const width = this.windowWidth;
    const deltaPrime = Math.log((2 * Math.log(width)) / delta);
    const windowVariance = Math.max(0, this.windowVariance / width);
    let n0 = 0;
    let u0 = 0;
    for (let row = this.rows - 1; row >= 0; row--) {
      const size = 2 ** row;
      const base = row * this.slots;
      const last = this.counts[row]!;
      for (let k = 0; k < last; k++) {
        n0 += size;
        u0 += this.totals[base + k]!;
        const n1 = width - n0;
        if (n1 <= 0) return false;
        if (n0 < minWindowLength || n1 < minWindowLength) continue;
        const m = 1 / (n0 - minWindowLength + 1) + 1 / (n1 - minWindowLength + 1);
        const epsilon = Math.sqrt(2 * m * windowVariance * deltaPrime) + (2 / 3) * deltaPrime * m;
        const rise = (this.windowTotal - u0) / n1 - u0 / n0;
        const ratio = Math.abs(rise) / epsilon;
        if (ratio > this.lastStatistic) this.lastStatistic = ratio;
        if (ratio > 1) {
          if (!confirming) this.lastDirection = rise > 0 ? 1 : -1;
          return true;
        }
      }
    }
    return false;
  }

  private removeOldestBucket(): void {
    const row = this.rows - 1;
    const base = row * this.slots;
    const size = 2 ** row;
    const total = this.totals[base]!;
    const variance = this.variances[base]!;
    this.windowWidth -= size;
    this.windowTotal -= total;
    const width = this.windowWidth;
    if (width > 0) {
      const gap = total / size - this.windowTotal / width;
      this.windowVariance -= variance + (size * width * gap * gap) / (size + width);
    } else {
      this.windowVariance = 0;
    }
    this.dropOldest(row, 1);
    while (this.rows > 0 && this.counts[this.rows - 1] === 0) this.rows -= 1;
  }
}
