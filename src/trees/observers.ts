import type { TreeSpec } from './config';
import { addMoment, classMerit, mergeMoments, normalCdf, subtractMoments, varianceReduction } from './criteria';
import { GaussianCache, gaussianLogLikelihood } from './gaussian-cache';

/**
 * The attribute observers of an active leaf: per feature, a fixed-size block of a Float64Array, so a
 * leaf's statistics are one contiguous slice and nothing is allocated per example.
 * - Gaussian (classification, numeric): per class [weight, mean, M2, min, max] (MOA's and River's default).
 * - Histogram (numeric): `numBins` equal-width bins over the range seen in the tree's first `gracePeriod`
 *   examples, the outer bins open-ended; per bin class weights, or (n, mean, M2) of the target.
 * - Nominal: per category class weights, or target moments.
 * Thresholds send `x <= threshold` left; nominal splits send `x === category` left.
 */
export class Observers {
  readonly blockSize: number;
  /** Where the best split of the last `bestSplit` call goes: merit and threshold. */
  merit = Number.NEGATIVE_INFINITY;
  threshold = 0;
  private readonly k: number;
  private readonly regression: boolean;
  private readonly stride: number;
  private readonly left: Float64Array;
  private readonly right: Float64Array;
  /** What the block being searched observed in all: class weights or target moments. */
  private readonly total: Float64Array;
  /** Variances and log-normalisers of the Gaussians, per (slot, feature position, class); see `GaussianCache`. */
  readonly gaussians = new GaussianCache();
  /** Per feature, 1 when its observer is Gaussian: a lookup on the per-prediction path instead of three tests. */
  private readonly gaussianFeature: Uint8Array;

  constructor(
    private readonly spec: TreeSpec,
    /** Histogram ranges: per feature, low edge and bin width. */
    readonly binLow: Float64Array,
    readonly binWidth: Float64Array,
  ) {
    this.k = spec.numClasses;
    this.regression = spec.numClasses === 0;
    this.stride = this.regression ? 3 : this.k;
    const numeric = this.regression || spec.observer === 'histogram' ? spec.numBins * this.stride : this.k * 5;
    let maxCardinality = 0;
    for (const c of spec.cardinality) maxCardinality = Math.max(maxCardinality, c);
    this.blockSize = Math.max(numeric, maxCardinality * this.stride);
    this.left = new Float64Array(Math.max(this.stride, 3));
    this.right = new Float64Array(Math.max(this.stride, 3));
    this.total = new Float64Array(Math.max(this.stride, 3));
    this.gaussianFeature = Uint8Array.from(spec.cardinality, (c) => (!this.regression && spec.observer === 'gaussian' && c === 0 ? 1 : 0));
  }

  /** Whether `feature` has a Gaussian observer (classification, numeric, `observer: 'gaussian'`). */
  gaussian(feature: number): boolean {
    return this.gaussianFeature[feature] === 1;
  }

  bin(feature: number, x: number): number {
    const b = Math.floor((x - this.binLow[feature]) / this.binWidth[feature]);
    return b < 0 ? 0 : b >= this.spec.numBins ? this.spec.numBins - 1 : b;
  }

  /**
   * Adds weight `w` of `x` with class (or target) `y` to feature `feature`'s block at `o`; `position`
   * numbers the (slot, feature position) pair, so a Gaussian refreshes its cache entry `position·k + y`.
   */
  observe(block: Float64Array, o: number, feature: number, x: number, y: number, w: number, position: number): void {
    if (this.gaussian(feature)) {
      const b = o + y * GAUSSIAN_WIDTH;
      if (block[b] === 0 || x < block[b + 3]) block[b + 3] = x;
      if (block[b] === 0 || x > block[b + 4]) block[b + 4] = x;
      addMoment(block, b, x, w);
      const entry = position * this.k + y;
      this.gaussians.reserve(entry + 1);
      this.gaussians.refresh(block, b, entry);
      return;
    }
    const cell = this.spec.cardinality[feature] > 0 ? x : this.bin(feature, x);
    if (this.regression) addMoment(block, o + cell * 3, y, w);
    else block[o + cell * this.k + y] += w;
  }

  /** Finds the best binary split of `feature` given the leaf's statistics `pre` at `po`; sets `merit`, `threshold`. */
  bestSplit(block: Float64Array, o: number, feature: number, pre: Float64Array, po: number): void {
    this.merit = Number.NEGATIVE_INFINITY;
    const cardinality = this.spec.cardinality[feature];
    this.totalOf(block, o, feature);
    if (this.gaussian(feature)) this.bestGaussian(block, o, pre, po);
    else if (cardinality > 0) this.bestNominal(block, o, cardinality, pre, po);
    else this.bestHistogram(block, o, feature, pre, po);
  }

  /** Sums the block's cells (or the classes' Gaussians) into `total`. */
  private totalOf(block: Float64Array, o: number, feature: number): void {
    const s = this.stride;
    const total = this.total;
    total.fill(0);
    if (this.gaussian(feature)) {
      for (let c = 0; c < this.k; c++) total[c] = block[o + c * 5];
      return;
    }
    const cells = this.spec.cardinality[feature] > 0 ? this.spec.cardinality[feature] : this.spec.numBins;
    for (let b = 0; b < cells; b++) {
      if (this.regression) mergeMoments(total, 0, block, o + b * 3);
      else for (let c = 0; c < s; c++) total[c] += block[o + b * s + c];
    }
  }

  /** The merit of sending `left` one way and the rest of `total` the other. */
  private score(pre: Float64Array, po: number): number {
    if (this.regression) {
      subtractMoments(this.total, this.left, this.right);
      return varianceReduction(pre, po, this.left, this.right);
    }
    for (let c = 0; c < this.k; c++) this.right[c] = Math.max(0, this.total[c] - this.left[c]);
    return classMerit(this.spec.criterion as 'infoGain' | 'gini', pre, po, this.left, this.right, this.k);
  }

  private consider(merit: number, threshold: number): void {
    if (merit > this.merit) {
      this.merit = merit;
      this.threshold = threshold;
    }
  }

  private bestGaussian(block: Float64Array, o: number, pre: Float64Array, po: number): void {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < this.k; c++) {
      const b = o + c * 5;
      if (block[b] > 0) {
        low = Math.min(low, block[b + 3]);
        high = Math.max(high, block[b + 4]);
      }
    }
    if (!(high > low)) return;
    const points = this.spec.numSplitPoints;
    for (let i = 1; i <= points; i++) {
      const t = low + ((high - low) * i) / (points + 1);
      for (let c = 0; c < this.k; c++) this.left[c] = gaussianWeightBelow(block, o + c * 5, t);
      this.consider(this.score(pre, po), t);
    }
  }

  private bestHistogram(block: Float64Array, o: number, feature: number, pre: Float64Array, po: number): void {
    const left = this.left;
    left.fill(0);
    const s = this.stride;
    for (let b = 0; b < this.spec.numBins - 1; b++) {
      if (this.regression) mergeMoments(left, 0, block, o + b * 3);
      else for (let c = 0; c < s; c++) left[c] += block[o + b * s + c];
      this.consider(this.score(pre, po), this.binLow[feature] + this.binWidth[feature] * (b + 1));
    }
  }

  private bestNominal(block: Float64Array, o: number, cardinality: number, pre: Float64Array, po: number): void {
    const s = this.stride;
    for (let v = 0; v < cardinality; v++) {
      for (let c = 0; c < s; c++) this.left[c] = block[o + v * s + c];
      this.consider(this.score(pre, po), v);
    }
  }

  /**
   * Writes into `left` and `right` the statistics of the examples `threshold` sends each way, as the
   * observer saw them: class weights, or target moments.
   */
  splitStats(block: Float64Array, o: number, feature: number, threshold: number, left: Float64Array, right: Float64Array): void {
    this.totalOf(block, o, feature);
    this.leftStats(block, o, feature, threshold, left);
    if (this.regression) subtractMoments(this.total, left, right);
    else for (let c = 0; c < this.k; c++) right[c] = Math.max(0, this.total[c] - left[c]);
  }

  private leftStats(block: Float64Array, o: number, feature: number, threshold: number, out: Float64Array): void {
    const s = this.stride;
    out.fill(0, 0, s);
    if (this.gaussian(feature)) {
      for (let c = 0; c < this.k; c++) out[c] = gaussianWeightBelow(block, o + c * 5, threshold);
      return;
    }
    const cardinality = this.spec.cardinality[feature];
    const first = cardinality > 0 ? threshold : 0;
    const last = cardinality > 0 ? threshold : this.edgeBin(feature, threshold);
    for (let b = first; b <= last; b++) {
      if (this.regression) mergeMoments(out, 0, block, o + b * 3);
      else for (let c = 0; c < s; c++) out[c] += block[o + b * s + c];
    }
  }

  /** The last bin whose upper edge is `threshold` (thresholds are bin edges). */
  private edgeBin(feature: number, threshold: number): number {
    return Math.round((threshold - this.binLow[feature]) / this.binWidth[feature]) - 1;
  }

  /** `logLikelihood` of a Gaussian feature's block at `o`, through the cache; `position` as in `observe`. */
  gaussianLogLikelihood(block: Float64Array, o: number, x: number, c: number, position: number): number {
    return this.gaussians.logDensity(block, o + c * GAUSSIAN_WIDTH, x, position * this.k + c);
  }

  /** log P(x | class c) for naive Bayes, Laplace-smoothed for counts; `classWeight` is the leaf's weight of c. */
  logLikelihood(block: Float64Array, o: number, feature: number, x: number, c: number, classWeight: number): number {
    if (this.gaussian(feature)) return gaussianLogLikelihood(block, o + c * GAUSSIAN_WIDTH, x);
    const cardinality = this.spec.cardinality[feature];
    const cells = cardinality > 0 ? cardinality : this.spec.numBins;
    const cell = cardinality > 0 ? x : this.bin(feature, x);
    return Math.log((block[o + cell * this.k + c] + 1) / (classWeight + cells));
  }
}

/** Numbers per class in a Gaussian observer's block: weight, mean, M2, min, max (module-local: compiled, an export is a property read). */
const GAUSSIAN_WIDTH = 5;

/** The weight of a class's Gaussian (block at `b`) that falls at or below `t`, clipped to its observed range. */
function gaussianWeightBelow(block: Float64Array, b: number, t: number): number {
  const w = block[b];
  if (w <= 0 || t < block[b + 3]) return 0;
  if (t >= block[b + 4]) return w;
  const sd = w > 1 ? Math.sqrt(block[b + 2] / (w - 1)) : 0;
  if (!(sd > 0)) return t >= block[b + 1] ? w : 0;
  return w * normalCdf((t - block[b + 1]) / sd);
}
