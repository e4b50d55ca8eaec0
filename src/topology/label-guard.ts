import { LabelOutOfRangeError } from '../errors';
import { integerField } from '../features/config';
import { p2AddFrom, p2AddRun, p2Median } from '../features/p2-median';
import { numberField, optionalNumberField } from '../learners/config-checks';
import type { JsonObject } from '../state';

/**
 * Bounds on the labels (targets) a topology learns, so that one absurd value (y = 1e308) cannot wreck the
 * model: see docs/dead-letters.md.
 */
export interface LabelGuardConfig {
  /** Labels below `min` or above `max` are dead-lettered with LABEL_OUT_OF_RANGE. */
  min?: number;
  max?: number;
  /**
   * Regression targets farther than `k × max(MAD, |median|, minScale)` from the running median are
   * dead-lettered, once `warmup` targets were accepted; median and MAD (median absolute deviation) are P²
   * estimates over the accepted targets. `false` turns this off. Defaults: k 1000, warmup 100, minScale 1:
   * targets within ±1000 of the median always pass, whatever the scale the stream starts at.
   */
  outliers?: { k?: number; warmup?: number; minScale?: number } | false;
}

export interface LabelGuard {
  /** The reason `y` must not be learned, or null; `where` names the record (called only for an error). */
  check(y: number, where: () => string): LabelOutOfRangeError | null;
  /** Records an accepted target (only accepted ones move the bound). */
  accept(y: number): void;
  /**
   * `check` then `accept` for `ys[0..n)` in order, when every one passes; otherwise nothing is accepted and
   * the result is false (the caller then goes label by label, for the error). No closure or error per label.
   */
  acceptAll(ys: ArrayLike<number>, n: number): boolean;
  state(): JsonObject;
}

const OWNER = 'guards.labels';

/**
 * The guard for a topology's labels; `regression` enables the outlier bound (classes are checked as indexes).
 * `resume` is what a checkpoint saved (`state()`); anything without its three fields starts a fresh guard.
 */
export function createLabelGuard(config: LabelGuardConfig = {}, regression: boolean, resume?: unknown): LabelGuard {
  const min = optionalNumberField(OWNER, 'min', config.min, Number.isFinite, 'a finite number') ?? -Infinity;
  const max = optionalNumberField(OWNER, 'max', config.max, Number.isFinite, 'a finite number') ?? Infinity;
  const outliers = config.outliers === false || !regression ? null : (config.outliers ?? {});
  const k = numberField(OWNER, 'outliers.k', outliers?.k, 1000, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
  const warmup = integerField(OWNER, 'outliers.warmup', outliers?.warmup, 100, 5, 1e9);
  const minScale = numberField(OWNER, 'outliers.minScale', outliers?.minScale, 1, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  // Markers of two P² medians: the targets' (0-4) and their absolute deviations from it (5-9).
  const heights = new Float64Array(10);
  const positions = new Float64Array(10);
  let count = 0;
  const saved = resume as Partial<Record<'heights' | 'positions' | 'count', unknown>> | null | undefined;
  if (Array.isArray(saved?.heights) && Array.isArray(saved?.positions) && typeof saved?.count === 'number') {
    heights.set(saved.heights as number[]);
    positions.set(saved.positions as number[]);
    count = saved.count;
  }

  const withinOutlierBound = (y: number) => {
    if (outliers === null || count < warmup) return true;
    const median = p2Median(heights, 0, count);
    return Math.abs(y - median) <= k * Math.max(p2Median(heights, 5, count), Math.abs(median), minScale);
  };
  // The deviation handed to the second median, in an array: see p2AddFrom.
  const deviation = new Float64Array(1);
  /** Accepts `ys[at]`. */
  const acceptAt = (ys: ArrayLike<number>, at: number) => {
    if (outliers === null) return;
    count++;
    const y = ys[at];
    deviation[0] = Math.abs(y - (count > 1 ? p2Median(heights, 0, count - 1) : y));
    p2AddFrom(heights, positions, 0, count, ys, at);
    p2AddFrom(heights, positions, 5, count, deviation, 0);
  };
  /**
   * `withinOutlierBound(ys[at])` then, if so, `acceptAt(ys, at)`, the median read once for both. Past the
   * warm-up of five, a median is a marker's height, read here: `p2Median` returned it from a call V8 did not
   * inline (the loop's inlining budget goes to `p2AddFrom`), a boxed double a row, 16 MB per 1M Arrow rows.
   */
  const acceptWithin = (ys: ArrayLike<number>, at: number): boolean => {
    if (outliers === null) return true;
    const seen = count;
    // The first five go through `acceptAt` (`p2Median`'s warm-up, below the warm-up of >= 5: no bound). Not a
    // `seen >= 5 ? heights[2] : p2Median(...)` here: when V8 did not inline `p2Median`, the merge of its
    // (tagged) result with the marker's height made every median a boxed double, 16 MB per 1M Arrow rows.
    if (seen < 5) {
      acceptAt(ys, at);
      return true;
    }
    const y = ys[at];
    const median = heights[2];
    // warmup >= 5, so the spread's median is a marker's height too.
    if (seen >= warmup && !(Math.abs(y - median) <= k * Math.max(heights[7], Math.abs(median), minScale))) return false;
    count = seen + 1;
    deviation[0] = Math.abs(y - median);
    p2AddFrom(heights, positions, 0, count, ys, at);
    p2AddFrom(heights, positions, 5, count, deviation, 0);
    return true;
  };
  const one = new Float64Array(1);
  // acceptAll's undo: the markers and count before the run.
  const before = { heights: new Float64Array(10), positions: new Float64Array(10), count: 0 };
  // acceptRun's per-label scratch, grown to the longest run: the medians before each label, the deviations.
  let medians = new Float64Array(0);
  let spreads = new Float64Array(0);
  let deviations = new Float64Array(0);
  /**
   * `acceptWithin` for `ys[from..to)` past the warm-up of five, each P² median a run of its own (`p2AddRun`,
   * markers in locals across the run): the targets' median first, recording its value before each label; the
   * deviations from it, then their median, recording its value before each label; then each label's bound from
   * the two recorded values. The state is that of label by label up to the first refusal, and acceptAll undoes
   * the run on a refusal, so the labels after it do not matter. Two P² calls a row were ~10% of the Arrow step.
   */
  const acceptRun = (ys: ArrayLike<number>, from: number, to: number): boolean => {
    const m = to - from;
    if (medians.length < m) {
      medians = new Float64Array(m);
      spreads = new Float64Array(m);
      deviations = new Float64Array(m);
    }
    const seen = count;
    p2AddRun(heights, positions, 0, seen, ys, from, to, medians);
    for (let j = 0; j < m; j++) deviations[j] = Math.abs(ys[from + j] - medians[j]);
    p2AddRun(heights, positions, 5, seen, deviations, 0, m, spreads);
    count = seen + m;
    for (let j = Math.max(0, warmup - seen); j < m; j++) {
      const median = medians[j];
      if (!(Math.abs(ys[from + j] - median) <= k * Math.max(spreads[j], Math.abs(median), minScale))) return false;
    }
    return true;
  };
  const inRange = (ys: ArrayLike<number>, from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (ys[i] < min || ys[i] > max) return false;
    return true;
  };

  return {
    check(y, where) {
      if (y < min || y > max) return new LabelOutOfRangeError(`${where()}: label ${y} is outside the configured range [${min}, ${max}]`);
      if (withinOutlierBound(y)) return null;
      const median = p2Median(heights, 0, count);
      const scale = Math.max(p2Median(heights, 5, count), Math.abs(median), minScale);
      return new LabelOutOfRangeError(`${where()}: label ${y} is beyond the outlier bound ${median} ± ${k} × ${scale} learned from ${count} labels`);
    },
    accept(y) {
      one[0] = y;
      acceptAt(one, 0);
    },
    acceptAll(ys, n) {
      if (!inRange(ys, 0, n)) return false;
      if (outliers === null) return true;
      before.heights.set(heights);
      before.positions.set(positions);
      before.count = count;
      // The warm-up of five label by label (the P² markers sorted, not yet moved), then one run.
      let i = 0;
      let accepted = true;
      for (; accepted && i < n && count < 5; i++) accepted = acceptWithin(ys, i);
      if (accepted && i < n) accepted = acceptRun(ys, i, n);
      if (accepted) return true;
      heights.set(before.heights);
      positions.set(before.positions);
      count = before.count;
      return false;
    },
    state: () => ({ count, heights: [...heights], positions: [...positions] }),
  };
}
