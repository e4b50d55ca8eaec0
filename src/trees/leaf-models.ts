import { loadArray } from '../learners/state-arrays';
import type { TypedArray } from '../state';
import type { TreeSpec } from './config';
import { addMoment } from './criteria';
import type { NodeStore } from './node-store';
import type { Observers } from './observers';

/**
 * What a leaf predicts and how a split seeds its children.
 * Classification: majority class, naive Bayes over the leaf's observers, or adaptive naive Bayes (whichever
 * of the two has been right more often at this leaf, ties to naive Bayes as in River).
 * Regression: the leaf's mean, a linear model on standardised features trained by SGD (FIMT-DD's
 * perceptron leaves, seeded from the parent's), or adaptive (whichever has the lower absolute error so far).
 */
export class LeafModels {
  private readonly k: number;
  private readonly d: number;
  /** Standardisation for model leaves: (n, mean, M2) per feature, then of the target. */
  readonly moments: Float64Array;
  private readonly scratch: Float64Array;
  private readonly scratch2: Float64Array;
  private readonly scores: Float64Array;
  /**
   * The leaf whose naive Bayes posteriors for the row at hand `predictProba` left in `bayes`, or −1: a
   * test-then-train step then tracks adaptive naive Bayes without computing them twice (a third of the
   * time of a step on Agrawal).
   */
  private bayesLeaf = -1;
  private readonly bayes: Float64Array;

  constructor(
    private readonly spec: TreeSpec,
    private readonly observers: Observers,
    private readonly nodes: NodeStore,
  ) {
    this.k = spec.numClasses;
    this.d = spec.numFeatures;
    this.moments = new Float64Array(this.k === 0 ? (this.d + 1) * 3 : 0);
    this.scratch = new Float64Array(Math.max(this.k, 3));
    this.scratch2 = new Float64Array(Math.max(this.k, 3));
    this.scores = new Float64Array(Math.max(this.k, 1));
    this.bayes = new Float64Array(Math.max(this.k, 1));
  }

  observeMoments(row: Float64Array, y: number, w: number): void {
    if (this.nodes.modelWidth === 0) return;
    for (let j = 0; j < this.d; j++) addMoment(this.moments, j * 3, row[j], w);
    addMoment(this.moments, this.d * 3, y, w);
  }

  /**
   * Tracks, before the leaf's statistics take in the example, which predictor would have been right.
   * `predicted`: `predictProba(leaf, row)` was the last call, on this very row.
   */
  learnAt(leaf: number, row: Float64Array, y: number, w: number, predicted: boolean): void {
    const extra = this.nodes.extra;
    if (this.k > 0) {
      const cached = predicted && this.bayesLeaf === leaf;
      this.bayesLeaf = -1;
      if (this.spec.leafPrediction !== 'adaptiveNaiveBayes') return;
      if (argmax(this.nodes.stats, leaf * this.k, this.k) === y) extra[leaf * 2] += w;
      const bayes = cached ? this.bayes : this.scores;
      if (!cached) this.naiveBayes(leaf, row, bayes);
      if (argmax(bayes, 0, this.k) === y) extra[leaf * 2 + 1] += w;
      return;
    }
    if (this.nodes.modelWidth === 0) return;
    const mean = this.nodes.stats[leaf * 3 + 1];
    const fitted = this.modelValue(leaf, row);
    extra[leaf * 2] += w * Math.abs(y - mean);
    extra[leaf * 2 + 1] += w * Math.abs(y - fitted);
    this.sgdStep(leaf, row, y, w);
  }

  /** Class probabilities of `leaf` for `row` into `out`. */
  predictProba(leaf: number, row: Float64Array, out: Float64Array): void {
    const k = this.k;
    const mode = this.spec.leafPrediction;
    const extra = this.nodes.extra;
    const useBayes = this.nodes.slot[leaf] >= 0 && (mode === 'naiveBayes' || (mode === 'adaptiveNaiveBayes' && extra[leaf * 2] <= extra[leaf * 2 + 1]));
    this.bayesLeaf = -1;
    if (useBayes) {
      this.naiveBayes(leaf, row, out);
      // A loop, not `set(out.subarray(0, k))`: a subarray is an allocation per prediction.
      for (let c = 0; c < k; c++) this.bayes[c] = out[c];
      this.bayesLeaf = leaf;
      return;
    }
    let total = 0;
    for (let c = 0; c < k; c++) total += this.nodes.stats[leaf * k + c];
    for (let c = 0; c < k; c++) out[c] = total > 0 ? this.nodes.stats[leaf * k + c] / total : 1 / k;
  }

  predictValue(leaf: number, row: Float64Array): number {
    const mean = this.nodes.stats[leaf * 3 + 1];
    const mode = this.spec.leafPrediction;
    if (mode === 'mean') return mean;
    if (mode === 'adaptive' && this.nodes.extra[leaf * 2] <= this.nodes.extra[leaf * 2 + 1]) return mean;
    return this.modelValue(leaf, row);
  }

  /** Naive Bayes posteriors (normalised) into `out`; the prior when the leaf has seen nothing. */
  private naiveBayes(leaf: number, row: Float64Array, out: Float64Array): void {
    const k = this.k;
    const stats = this.nodes.stats;
    const slot = this.nodes.slot[leaf];
    let total = 0;
    for (let c = 0; c < k; c++) total += stats[leaf * k + c];
    if (slot >= 0) this.observers.gaussians.reserve((slot + 1) * this.spec.subspaceSize * k);
    let top = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const weight = stats[leaf * k + c];
      let score = weight > 0 ? Math.log(weight / total) : Number.NEGATIVE_INFINITY;
      if (weight > 0 && slot >= 0) score = this.addLogLikelihoods(score, slot, row, c, weight);
      out[c] = score;
      if (score > top) top = score;
    }
    if (top === Number.NEGATIVE_INFINITY) {
      out.fill(1 / k, 0, k);
      return;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      // exp(0) is exactly 1: the top class (one of two on binary streams) skips a `Math.exp`.
      out[c] = out[c] === top ? 1 : Math.exp(out[c] - top);
      sum += out[c];
    }
    for (let c = 0; c < k; c++) out[c] /= sum;
  }

  /**
   * `score` plus log P(x_f | c) of each feature slot `slot` observes, added one by one in their order (so
   * the same bits as before the cache); Gaussians through the cache, counts directly.
   */
  private addLogLikelihoods(score: number, slot: number, row: Float64Array, c: number, weight: number): number {
    const nodes = this.nodes;
    const block = nodes.observers;
    const features = nodes.slotFeatures;
    const sub = this.spec.subspaceSize;
    const blockSize = this.observers.blockSize;
    const base = slot * nodes.slotWidth;
    let sum = score;
    for (let i = 0; i < sub; i++) {
      const f = features[slot * sub + i];
      const o = base + i * blockSize;
      sum += this.observers.gaussian(f)
        ? this.observers.gaussianLogLikelihood(block, o, row[f], c, slot * sub + i)
        : this.observers.logLikelihood(block, o, f, row[f], c, weight);
    }
    return sum;
  }

  private standardised(row: Float64Array, j: number): number {
    const m = this.moments;
    const sd = m[j * 3] > 1 ? Math.sqrt(m[j * 3 + 2] / m[j * 3]) : 0;
    return sd > 0 ? (row[j] - m[j * 3 + 1]) / sd : 0;
  }

  /** The target's standard deviation for model leaves (1 until two examples are in). */
  private targetSd(): number {
    const o = this.d * 3;
    const m = this.moments;
    const sd = m[o] > 1 ? Math.sqrt(m[o + 2] / m[o]) : 0;
    return sd > 0 ? sd : 1;
  }

  /** The leaf model's output in standardised target units. */
  private margin(leaf: number, row: Float64Array): number {
    const o = leaf * this.nodes.modelWidth;
    const wts = this.nodes.model;
    let z = wts[o + this.d];
    for (let j = 0; j < this.d; j++) z += wts[o + j] * this.standardised(row, j);
    return z;
  }

  private modelValue(leaf: number, row: Float64Array): number {
    return this.moments[this.d * 3 + 1] + this.margin(leaf, row) * this.targetSd();
  }

  private sgdStep(leaf: number, row: Float64Array, y: number, w: number): void {
    const error = (y - this.moments[this.d * 3 + 1]) / this.targetSd() - this.margin(leaf, row);
    const step = this.spec.learningRate * w * error;
    const o = leaf * this.nodes.modelWidth;
    const wts = this.nodes.model;
    for (let j = 0; j < this.d; j++) wts[o + j] += step * this.standardised(row, j);
    wts[o + this.d] += step;
  }

  /** Seeds the children of a split: the statistics the split sends each way (as observed), and the parent's model. */
  childStats(leaf: number, slot: number, feature: number, threshold: number, left: number, right: number): void {
    const nodes = this.nodes;
    const sub = this.spec.subspaceSize;
    let i = 0;
    while (nodes.slotFeatures[slot * sub + i] !== feature) i++;
    const w = this.nodes.statWidth;
    const toLeft = this.scratch;
    const toRight = this.scratch2;
    this.observers.splitStats(nodes.observers, slot * nodes.slotWidth + i * this.observers.blockSize, feature, threshold, toLeft, toRight);
    nodes.stats.set(toLeft.subarray(0, w), left * w);
    nodes.stats.set(toRight.subarray(0, w), right * w);
    const width = nodes.modelWidth;
    if (width > 0) {
      nodes.model.copyWithin(left * width, leaf * width, (leaf + 1) * width);
      nodes.model.copyWithin(right * width, leaf * width, (leaf + 1) * width);
    }
  }

  exportTo(arrays: Record<string, TypedArray>, prefix: string): void {
    arrays[`${prefix}tree.moments`] = this.moments.slice();
  }

  importFrom(arrays: Record<string, TypedArray>, prefix: string): void {
    loadArray(arrays, `${prefix}tree.moments`, this.moments);
  }
}

export function argmax(values: Float64Array, offset: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (values[offset + c] > values[offset + best]) best = c;
  return best;
}
