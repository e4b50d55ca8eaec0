import { CheckpointError } from '../errors';
import { loadArray } from '../learners/state-arrays';
import type { Random } from '../random';
import { createRandom } from '../random';
import type { TypedArray } from '../state';
import type { TreeSpec } from './config';
import { addMoment, classMeritRange, hoeffdingBound } from './criteria';
import { LeafModels } from './leaf-models';
import { LEAF, NodeStore, NOMINAL_SPLIT, NUMERIC_SPLIT } from './node-store';
import { Observers } from './observers';
import { exportRandom, restoreRandom } from './random-state';

/** Examples buffered to fix the histogram ranges, at most. */
const MAX_WARMUP = 1000;

/** A classification leaf whose majority class holds more than this share of its weight is not split (River's max_share_to_split). */
const MAX_SHARE_TO_SPLIT = 0.99;

/**
 * One Hoeffding tree (Domingos & Hulten 2000; regression after Ikonomovska et al. 2011), on flat node
 * columns. Learning sorts an example to its leaf, updates the leaf's statistics and observers, and every
 * `gracePeriod` of weight tries a binary split, taken when the Hoeffding bound separates the best split
 * from the second best (or from not splitting), or falls below the tie threshold.
 * Rows come in checked and dense; labels are checked by the caller.
 */
export class HoeffdingCore {
  readonly nodes: NodeStore;
  root: number;
  readonly observers: Observers;
  readonly models: LeafModels;
  /** Random subspaces draw from it; its position is checkpointed, so a restored tree draws the same. */
  private rng: Random;
  private readonly k: number;
  private readonly statWidth: number;
  private readonly maxActive: number;
  private readonly warmup: Float64Array;
  private readonly warmupTargets: Float64Array;
  private readonly warmSize: number;
  /** Examples buffered so far; −1 once the ranges are fixed (or when no histogram needs them). */
  private warmCount: number;
  private readonly perm: Int32Array;

  constructor(
    readonly spec: TreeSpec,
    seed: number,
  ) {
    const d = spec.numFeatures;
    this.k = spec.numClasses;
    this.statWidth = this.k > 0 ? this.k : 3;
    const binLow = new Float64Array(d);
    const binWidth = new Float64Array(d).fill(1);
    this.observers = new Observers(spec, binLow, binWidth);
    const modelWidth = this.k === 0 && spec.leafPrediction !== 'mean' ? d + 1 : 0;
    this.nodes = new NodeStore(this.statWidth, modelWidth, spec.subspaceSize, spec.subspaceSize * this.observers.blockSize);
    this.models = new LeafModels(spec, this.observers, this.nodes);
    this.maxActive = Math.max(1, Math.floor(spec.memoryLimitBytes / (8 * this.nodes.slotWidth + 4 * spec.subspaceSize)));
    this.rng = createRandom(seed);
    const needsRanges = this.k === 0 || spec.observer === 'histogram';
    const warm = needsRanges ? Math.min(MAX_WARMUP, Math.ceil(spec.gracePeriod)) : 0;
    this.warmSize = warm;
    this.warmup = new Float64Array(warm * d);
    this.warmupTargets = new Float64Array(warm * 2);
    this.warmCount = warm > 0 ? 0 : -1;
    this.perm = new Int32Array(d);
    this.root = this.nodes.newNode(-1, 0);
    this.activate(this.root);
  }

  /** The leaf `row` falls into, starting at `from` (the root by default). */
  leafOf(row: Float64Array, from = this.root): number {
    const { kind, feature, threshold, left, right } = this.nodes;
    let node = from;
    for (;;) {
      const type = kind[node];
      if (type === LEAF) return node;
      const x = row[feature[node]];
      const goLeft = type === NUMERIC_SPLIT ? x <= threshold[node] : x === threshold[node];
      node = goLeft ? left[node] : right[node];
    }
  }

  /** Learns `row` with target `y` (a class index, or a value) and weight `w`; returns the leaf it reached. */
  learn(row: Float64Array, y: number, w: number, from = this.root): number {
    const leaf = this.leafOf(row, from);
    this.learnFrom(leaf, row, y, w);
    return leaf;
  }

  /**
   * Learns `row` at `leaf`, which must be `leafOf(row)` (callers that predicted first already know it);
   * `predicted`: the last model call was `models.predictProba(leaf, row)`, whose work can be reused.
   */
  learnFrom(leaf: number, row: Float64Array, y: number, w: number, predicted = false): void {
    if (this.k === 0) this.models.observeMoments(row, y, w);
    this.learnAtLeaf(leaf, row, y, w, predicted);
  }

  get nodeCount(): number {
    return this.nodes.count;
  }

  /** Learns one example with weight 1. */
  learnRow(row: Float64Array, y: number): void {
    this.learn(row, y, 1);
  }

  /** Class probabilities of `row` into `out`. */
  probaRow(row: Float64Array, out: Float64Array): void {
    this.models.predictProba(this.leafOf(row), row, out);
  }

  /** The predicted target of `row` (regression). */
  valueRow(row: Float64Array): number {
    return this.models.predictValue(this.leafOf(row), row);
  }

  /** Predicts class probabilities of `row` into `out`, then learns it: the test-then-train step. */
  probaThenLearn(row: Float64Array, y: number, out: Float64Array): void {
    const leaf = this.leafOf(row);
    this.models.predictProba(leaf, row, out);
    this.learnFrom(leaf, row, y, 1, true);
  }

  protected learnAtLeaf(leaf: number, row: Float64Array, y: number, w: number, predicted: boolean): void {
    const nodes = this.nodes;
    this.models.learnAt(leaf, row, y, w, predicted);
    const so = leaf * this.statWidth;
    if (this.k > 0) nodes.stats[so + y] += w;
    else addMoment(nodes.stats, so, y, w);
    if (this.warmCount >= 0) {
      this.buffer(row, y, w);
      return;
    }
    const slot = nodes.slot[leaf];
    if (slot < 0) return;
    this.observeAt(slot, row, y, w);
    const weight = this.leafWeight(leaf);
    // A pure leaf's attempt is a no-op but still counts, as in River and MOA: the schedule of attempts
    // (every grace period of weight since the leaf was made) does not shift when the leaf stops being pure.
    if (weight - nodes.lastEval[leaf] < this.spec.gracePeriod) return;
    nodes.lastEval[leaf] = weight;
    if (this.isPure(leaf)) return;
    if (this.dominated(leaf, weight)) nodes.observers.fill(0, slot * nodes.slotWidth, (slot + 1) * nodes.slotWidth);
    else this.attemptSplit(leaf, weight);
  }

  /**
   * True when one class holds more than `MAX_SHARE_TO_SPLIT` of a leaf's weight. River does not try to
   * split such a leaf: the null split wins, the leaf is deactivated and at once reactivated with empty
   * observers. So a near-pure leaf's naive Bayes sees only its last grace period or so, which lets a tree
   * follow an abrupt drift inside its big leaves (Agrawal 0 → 2, with the attempt schedule below: the
   * adaptive tree went from 0.878 to 0.972, the Hoeffding tree from 0.957 to 0.965). The leaf keeps its
   * class weights and its subspace.
   */
  private dominated(leaf: number, weight: number): boolean {
    if (this.k === 0) return false;
    const stats = this.nodes.stats;
    let top = 0;
    for (let c = 0; c < this.k; c++) top = Math.max(top, stats[leaf * this.k + c]);
    return top / weight > MAX_SHARE_TO_SPLIT;
  }

  leafWeight(node: number): number {
    const stats = this.nodes.stats;
    const so = node * this.statWidth;
    if (this.k === 0) return stats[so];
    let total = 0;
    for (let c = 0; c < this.k; c++) total += stats[so + c];
    return total;
  }

  private isPure(leaf: number): boolean {
    if (this.k === 0) return false;
    const stats = this.nodes.stats;
    let nonZero = 0;
    for (let c = 0; c < this.k; c++) if (stats[leaf * this.k + c] > 0) nonZero++;
    return nonZero < 2;
  }

  private observeAt(slot: number, row: Float64Array, y: number, w: number): void {
    const { subspaceSize } = this.spec;
    const blockSize = this.observers.blockSize;
    const features = this.nodes.slotFeatures;
    const block = this.nodes.observers;
    const base = slot * this.nodes.slotWidth;
    for (let i = 0; i < subspaceSize; i++) {
      const f = features[slot * subspaceSize + i];
      this.observers.observe(block, base + i * blockSize, f, row[f], y, w, slot * subspaceSize + i);
    }
  }

  private buffer(row: Float64Array, y: number, w: number): void {
    const d = this.spec.numFeatures;
    this.warmup.set(row, this.warmCount * d);
    this.warmupTargets[this.warmCount * 2] = y;
    this.warmupTargets[this.warmCount * 2 + 1] = w;
    this.warmCount++;
    if (this.warmCount < this.warmSize) return;
    this.fixRanges(this.warmCount);
  }

  /** Sets each histogram's range from the buffered rows, then feeds them to the root's observers. */
  private fixRanges(count: number): void {
    const d = this.spec.numFeatures;
    const bins = this.spec.numBins;
    for (let f = 0; f < d; f++) {
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < count; i++) {
        low = Math.min(low, this.warmup[i * d + f]);
        high = Math.max(high, this.warmup[i * d + f]);
      }
      this.observers.binLow[f] = low;
      this.observers.binWidth[f] = high > low ? (high - low) / bins : 1;
    }
    this.warmCount = -1;
    const slot = this.nodes.slot[this.root];
    for (let i = 0; i < count; i++) {
      const row = this.warmup.subarray(i * d, (i + 1) * d);
      this.observeAt(slot, row, this.warmupTargets[i * 2], this.warmupTargets[i * 2 + 1]);
    }
  }

  /** Gives a leaf observers over its features (a fresh random subspace in forests), if its depth allows. */
  activate(leaf: number): void {
    if (this.nodes.depth[leaf] >= this.spec.maxDepth) return;
    const slot = this.nodes.takeSlot(leaf);
    const { numFeatures: d, subspaceSize: k } = this.spec;
    const out = this.nodes.slotFeatures;
    if (k >= d) {
      for (let i = 0; i < d; i++) out[slot * k + i] = i;
      return;
    }
    const perm = this.perm;
    for (let i = 0; i < d; i++) perm[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.rng.next() * (d - i));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
      out[slot * k + i] = perm[i];
    }
  }

  /**
   * Classification follows MOA's and River's `attemptToSplit`: the "no split" candidate has merit −∞ (their
   * criterion scores a one-branch split −∞), so it never serves as the second best. A subspace with one
   * usable feature splits at once, and a leaf whose merits are all negative (its inherited class weights
   * purer than what its observers saw) still splits on the best by the bound or the tie rule. Taking the
   * no-split merit as 0 instead held such leaves back: in ARF's 3-feature subspaces it cost 0.4 point
   * against MOA on stationary Agrawal. A feature without a finite merit (every threshold leaves under 1% on
   * a side) is never split on.
   */
  private attemptSplit(leaf: number, weight: number): void {
    const nodes = this.nodes;
    const { subspaceSize: k } = this.spec;
    const classification = this.k > 0;
    const slot = nodes.slot[leaf];
    const base = slot * nodes.slotWidth;
    const blockSize = this.observers.blockSize;
    let best = classification ? Number.NEGATIVE_INFINITY : 0;
    let second = best;
    let bestFeature = -1;
    let bestThreshold = 0;
    for (let i = 0; i < k; i++) {
      const f = nodes.slotFeatures[slot * k + i];
      this.observers.bestSplit(nodes.observers, base + i * blockSize, f, nodes.stats, leaf * this.statWidth);
      const merit = this.observers.merit;
      if (merit > best) {
        second = best;
        best = merit;
        bestFeature = f;
        bestThreshold = this.observers.threshold;
      } else if (merit > second) second = merit;
    }
    if (bestFeature < 0) return;
    const range = classification ? classMeritRange(this.spec.criterion as 'infoGain' | 'gini', this.k) : 1;
    const epsilon = hoeffdingBound(range, this.spec.delta, weight);
    const separated = classification ? best - second > epsilon : second / best < 1 - epsilon;
    if (separated || epsilon < this.spec.tau) this.split(leaf, bestFeature, bestThreshold, Math.max(0, best) * weight);
  }

  /** Turns `leaf` into a split on `feature` at `threshold`, with two fresh leaves. */
  split(leaf: number, feature: number, threshold: number, gain: number): void {
    const nodes = this.nodes;
    const slot = nodes.slot[leaf];
    const depth = nodes.depth[leaf] + 1;
    const left = nodes.newNode(leaf, depth);
    const right = nodes.newNode(leaf, depth);
    // newNode may have grown the columns; read them afresh.
    this.models.childStats(leaf, slot, feature, threshold, left, right);
    nodes.kind[leaf] = this.spec.cardinality[feature] > 0 ? NOMINAL_SPLIT : NUMERIC_SPLIT;
    nodes.feature[leaf] = feature;
    nodes.threshold[leaf] = threshold;
    nodes.left[leaf] = left;
    nodes.right[leaf] = right;
    nodes.gain[leaf] = gain;
    nodes.lastEval[left] = this.leafWeight(left);
    nodes.lastEval[right] = this.leafWeight(right);
    if (slot >= 0) nodes.releaseSlot(leaf);
    this.activate(left);
    this.activate(right);
    if (nodes.activeCount > this.maxActive) this.enforceMemoryLimit();
  }

  /**
   * Keeps the `maxActive` most promising leaves active (promise: weight not in the majority class, or the
   * weight seen, for regression) and deactivates the rest, reactivating any that became more promising (MOA).
   */
  private enforceMemoryLimit(): void {
    const nodes = this.nodes;
    const leaves: number[] = [];
    for (let id = 0; id < nodes.count; id++) {
      if (nodes.kind[id] === LEAF && nodes.depth[id] < this.spec.maxDepth) leaves.push(id);
    }
    const promise = leaves.map((id) => this.promise(id));
    const order = leaves.map((_, i) => i).sort((a, b) => promise[b] - promise[a] || leaves[a] - leaves[b]);
    order.forEach((i, rank) => {
      const id = leaves[i];
      if (rank >= this.maxActive && nodes.slot[id] >= 0) nodes.releaseSlot(id);
    });
    order.slice(0, this.maxActive).forEach((i) => {
      if (nodes.slot[leaves[i]] < 0) this.activate(leaves[i]);
    });
  }

  private promise(id: number): number {
    const so = id * this.statWidth;
    if (this.k === 0) return this.nodes.stats[so];
    let total = 0;
    let top = 0;
    for (let c = 0; c < this.k; c++) {
      total += this.nodes.stats[so + c];
      top = Math.max(top, this.nodes.stats[so + c]);
    }
    return total - top;
  }

  /** Mean decrease in impurity per feature, normalised to sum 1 (all zero before the first split). */
  featureImportances(out = new Float64Array(this.spec.numFeatures)): Float64Array {
    out.fill(0);
    const nodes = this.nodes;
    let total = 0;
    for (let id = 0; id < nodes.count; id++) {
      if (nodes.kind[id] === NUMERIC_SPLIT || nodes.kind[id] === NOMINAL_SPLIT) {
        out[nodes.feature[id]] += nodes.gain[id];
        total += nodes.gain[id];
      }
    }
    if (total > 0) for (let f = 0; f < out.length; f++) out[f] /= total;
    return out;
  }

  exportTo(arrays: Record<string, TypedArray>, prefix: string): void {
    this.nodes.exportTo(arrays, prefix);
    arrays[`${prefix}tree.scalars`] = Float64Array.of(this.root, this.warmCount);
    arrays[`${prefix}tree.rng`] = exportRandom(this.rng);
    arrays[`${prefix}tree.binLow`] = this.observers.binLow.slice();
    arrays[`${prefix}tree.binWidth`] = this.observers.binWidth.slice();
    arrays[`${prefix}tree.warmup`] = this.warmup.slice();
    arrays[`${prefix}tree.warmupTargets`] = this.warmupTargets.slice();
    this.models.exportTo(arrays, prefix);
  }

  importFrom(arrays: Record<string, TypedArray>, prefix: string): void {
    this.nodes.importFrom(arrays, prefix);
    const scalars = new Float64Array(2);
    loadArray(arrays, `${prefix}tree.scalars`, scalars);
    this.root = scalars[0];
    this.warmCount = scalars[1];
    if (!(this.root >= 0 && this.root < this.nodes.count) || !(this.warmCount >= -1)) {
      throw new CheckpointError(`state array '${prefix}tree.scalars' holds an invalid root ${this.root} or warm-up count ${this.warmCount}`);
    }
    this.rng = restoreRandom(arrays, `${prefix}tree.rng`);
    loadArray(arrays, `${prefix}tree.binLow`, this.observers.binLow);
    loadArray(arrays, `${prefix}tree.binWidth`, this.observers.binWidth);
    loadArray(arrays, `${prefix}tree.warmup`, this.warmup);
    loadArray(arrays, `${prefix}tree.warmupTargets`, this.warmupTargets);
    this.models.importFrom(arrays, prefix);
  }
}
