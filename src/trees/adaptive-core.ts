import { Adwin } from '../drift/adwin';
import { loadArray } from '../learners/state-arrays';
import type { TypedArray } from '../state';
import type { TreeSpec } from './config';
import { addMoment, normalCdf } from './criteria';
import { exportDetector, importDetector } from './detectors';
import { HoeffdingCore } from './hoeffding-core';
import { argmax } from './leaf-models';
import { FREE, LEAF, NUMERIC_SPLIT } from './node-store';

/** The adaptive tree's own parameters. */
export interface AdaptiveSpec {
  driftDelta: number;
  windowThreshold: number;
  significance: number;
}

/**
 * The Hoeffding adaptive tree (Bifet & Gavaldà 2009) as River 0.26 and MOA implement it, for classes and
 * for targets. Every node watches, with its own ADWIN, the errors of the predictions made through it (0/1,
 * or |y − ŷ| for regression), and keeps their mean (and variance, for regression) since its last change.
 * When a split node's error rises significantly it restarts that mean and grows an alternate leaf beside
 * itself, trained on the same examples (a classifier restarts an existing alternate; a regressor keeps it).
 * The alternate takes the node's place as soon as it splits (both peers pass it its owner's parent), or
 * earlier when, both means covering `windowThreshold` examples, it errs significantly less: a
 * Hoeffding-style bound on the error rates (classification) or a two-sided z-test on the mean absolute
 * errors (regression, p ≤ `significance`); it is dropped when it errs significantly more. A fall in error
 * restarts a node's mean, and a leaf that splits becomes a split node with a fresh detector and mean.
 * Predictions combine the leaf reached with the alternates met on the way: weighted by 1 / error²
 * (classification; River's and MOA's "option tree" vote), or averaged (regression).
 */
export class AdaptiveCore extends HoeffdingCore {
  detectors: Array<Adwin | null> = [];
  /** Per node, `stride` numbers: errors counted since the node's last change, their mean, and (regression) their M2. */
  errors: Float64Array;
  switches = 0;
  private readonly stride: number;
  private readonly classes: number;
  private readonly proba: Float64Array;

  constructor(
    spec: TreeSpec,
    private readonly adaptive: AdaptiveSpec,
  ) {
    super(spec, spec.seed);
    this.classes = spec.numClasses;
    this.stride = this.classes > 0 ? 2 : 3;
    this.errors = new Float64Array(8 * this.stride);
    this.proba = new Float64Array(Math.max(1, this.classes));
    this.nodes.onFree = (id) => {
      this.detectors[id] = null;
      this.clearErrors(id);
    };
  }

  /** Learns one example: the test-then-train step of every node on its path, alternates included. */
  override learnRow(row: Float64Array, y: number): void {
    if (this.classes === 0) this.models.observeMoments(row, y, 1);
    this.learnAdaptive(row, y, this.root);
  }

  /** Predicts, then learns: the adaptive tree's prediction combines leaves, so the base class's single-leaf shortcut does not apply. */
  override probaThenLearn(row: Float64Array, y: number, out: Float64Array): void {
    this.probaRow(row, out);
    this.learnRow(row, y);
  }

  /** The error the leaf's prediction makes on `y`; leaves a classifier's probabilities in `proba`. */
  private errorAt(leaf: number, row: Float64Array, y: number): number {
    if (this.classes === 0) return Math.abs(y - this.models.predictValue(leaf, row));
    this.models.predictProba(leaf, row, this.proba);
    return argmax(this.proba, 0, this.classes) === y ? 0 : 1;
  }

  /** Learns `row` in the subtree at `from` (the root, or an alternate's root). */
  private learnAdaptive(row: Float64Array, y: number, from: number): void {
    const nodes = this.nodes;
    const leaf = this.leafOf(row, from);
    const error = this.errorAt(leaf, row, y);
    let node = from;
    while (nodes.kind[node] !== LEAF) {
      const next = this.child(node, row);
      const promoted = this.monitor(node, error);
      if (promoted >= 0) {
        this.learnAdaptive(row, y, promoted);
        return;
      }
      if (nodes.alternate[node] >= 0) {
        this.learnAdaptive(row, y, nodes.alternate[node]);
        // The alternate split and took this node's place: the rest of the path is gone.
        if (nodes.kind[node] === FREE) return;
      }
      node = next;
    }
    this.track(leaf, error);
    // The path's detectors made no model call, so the leaf's prediction above can be reused.
    this.learnAtLeaf(leaf, row, y, 1, true);
  }

  private child(node: number, row: Float64Array): number {
    const nodes = this.nodes;
    const x = row[nodes.feature[node]];
    const goLeft = nodes.kind[node] === NUMERIC_SPLIT ? x <= nodes.threshold[node] : x === nodes.threshold[node];
    return goLeft ? nodes.left[node] : nodes.right[node];
  }

  /**
   * A split node starts with a fresh detector and error mean (River and MOA build a new node); an
   * alternate leaf that splits replaces the node it grew beside.
   */
  override split(leaf: number, feature: number, threshold: number, gain: number): void {
    super.split(leaf, feature, threshold, gain);
    this.detectors[leaf] = null;
    this.clearErrors(leaf);
    const owner = this.nodes.parent[leaf];
    if (owner >= 0 && this.nodes.alternate[owner] === leaf) this.promote(owner, leaf);
  }

  /** Class probabilities of `row`: the leaf reached and the alternates on its path, each weighted by 1 / (its error mean)². */
  override probaRow(row: Float64Array, out: Float64Array): void {
    const k = this.classes;
    out.fill(0, 0, k);
    this.eachLeaf(row, (leaf) => this.addVote(leaf, row, out));
    let total = 0;
    for (let c = 0; c < k; c++) total += out[c];
    for (let c = 0; c < k; c++) out[c] = total > 0 ? out[c] / total : 1 / k;
  }

  /** The mean prediction of the leaf reached and of the alternates on its path that have seen any weight. */
  override valueRow(row: Float64Array): number {
    let sum = 0;
    let count = 0;
    this.eachLeaf(row, (leaf, main) => {
      if (!main && this.leafWeight(leaf) <= 0) return;
      sum += this.models.predictValue(leaf, row);
      count++;
    });
    return sum / count;
  }

  /** Calls `visit` with the leaf `row` reaches under each alternate on its path, then with its own leaf (`main`). */
  private eachLeaf(row: Float64Array, visit: (leaf: number, main: boolean) => void): void {
    const nodes = this.nodes;
    let node = this.root;
    while (nodes.kind[node] !== LEAF) {
      if (nodes.alternate[node] >= 0) visit(this.leafOf(row, nodes.alternate[node]), false);
      node = this.child(node, row);
    }
    visit(node, true);
  }

  /**
   * Adds a leaf's probabilities scaled by 1 / error², as River and MOA do; a leaf with no error yet counts
   * with weight 1 (their normalisation skips a zero factor), one that has seen nothing not at all.
   */
  private addVote(leaf: number, row: Float64Array, out: Float64Array): void {
    if (this.leafWeight(leaf) <= 0) return;
    this.models.predictProba(leaf, row, this.proba);
    const error = this.errorMean(leaf);
    const scale = error > 0 ? 1 / (error * error) : 1;
    for (let c = 0; c < this.classes; c++) out[c] += this.proba[c] * scale;
  }

  private detector(node: number): Adwin {
    let detector = this.detectors[node];
    if (detector === undefined || detector === null) {
      detector = new Adwin({ delta: this.adaptive.driftDelta });
      this.detectors[node] = detector;
    }
    return detector;
  }

  private ensureErrors(node: number): void {
    const need = (node + 1) * this.stride;
    if (need <= this.errors.length) return;
    const grown = new Float64Array(Math.max(need, this.errors.length * 2));
    grown.set(this.errors);
    this.errors = grown;
  }

  private clearErrors(node: number): void {
    if ((node + 1) * this.stride <= this.errors.length) this.errors.fill(0, node * this.stride, (node + 1) * this.stride);
  }

  private errorCount(node: number): number {
    return (node + 1) * this.stride <= this.errors.length ? this.errors[node * this.stride] : 0;
  }

  private errorMean(node: number): number {
    return (node + 1) * this.stride <= this.errors.length ? this.errors[node * this.stride + 1] : 0;
  }

  /** Feeds `error` to the node's ADWIN and error statistics; true when the error rose significantly. A fall restarts the statistics. */
  private track(node: number, error: number): boolean {
    this.ensureErrors(node);
    const o = node * this.stride;
    const before = this.errors[o + 1];
    const drift = this.detector(node).update(error) === 'drift';
    if (this.stride === 3) addMoment(this.errors, o, error, 1);
    else {
      this.errors[o] += 1;
      this.errors[o + 1] += (error - before) / this.errors[o];
    }
    if (!drift) return false;
    if (before <= this.errors[o + 1]) return true;
    this.clearErrors(node);
    return false;
  }

  /** Tracks a split node's error; returns the alternate it promoted in its place, or −1. */
  private monitor(node: number, error: number): number {
    const nodes = this.nodes;
    const alternate = nodes.alternate[node];
    if (this.track(node, error) && (this.classes > 0 || alternate < 0)) {
      // A classifier restarts an existing alternate on a new rise (River's rule): it has learned a stale concept too.
      if (alternate >= 0) nodes.freeSubtree(alternate);
      this.clearErrors(node);
      const fresh = nodes.newNode(node, nodes.depth[node]);
      nodes.alternate[node] = fresh;
      this.activate(fresh);
      return -1;
    }
    if (alternate < 0) return -1;
    const n = this.errorCount(node);
    const altN = this.errorCount(alternate);
    if (n <= this.adaptive.windowThreshold || altN <= this.adaptive.windowThreshold) return -1;
    const verdict = this.classes > 0 ? this.compareRates(node, alternate) : this.compareMeans(node, alternate);
    if (verdict > 0) return this.promote(node, alternate);
    if (verdict < 0) {
      nodes.alternate[node] = -1;
      nodes.freeSubtree(alternate);
    }
    return -1;
  }

  /** +1 when the alternate's error rate is significantly lower (a Hoeffding-style bound), −1 when higher, else 0. */
  private compareRates(node: number, alternate: number): number {
    const n = this.errorCount(node);
    const altN = this.errorCount(alternate);
    const own = this.errorMean(node);
    const alt = this.errorMean(alternate);
    const bound = Math.sqrt(2 * own * (1 - own) * Math.log(2 / this.adaptive.significance) * (1 / altN + 1 / n));
    return bound < own - alt ? 1 : bound < alt - own ? -1 : 0;
  }

  /** Two-sided z-test on the mean absolute errors (River's regressor): the better side wins when p ≤ significance. */
  private compareMeans(node: number, alternate: number): number {
    const e = this.errors;
    const n = e[node * 3];
    const altN = e[alternate * 3];
    const own = e[node * 3 + 1];
    const alt = e[alternate * 3 + 1];
    // Sample variances (ddof 1), as River's Var.
    const spread = Math.sqrt(e[alternate * 3 + 2] / (altN - 1) / altN + e[node * 3 + 2] / (n - 1) / n);
    if (!(spread > 0)) return 0;
    const p = 2 * normalCdf(-Math.abs((alt - own) / spread));
    if (p > this.adaptive.significance) return 0;
    return alt < own ? 1 : -1;
  }

  private promote(node: number, alternate: number): number {
    const nodes = this.nodes;
    const parent = nodes.parent[node];
    nodes.alternate[node] = -1;
    nodes.parent[alternate] = parent;
    if (parent < 0) this.root = alternate;
    else if (nodes.left[parent] === node) nodes.left[parent] = alternate;
    else if (nodes.right[parent] === node) nodes.right[parent] = alternate;
    else nodes.alternate[parent] = alternate;
    nodes.freeSubtree(node);
    this.switches++;
    return alternate;
  }

  override exportTo(arrays: Record<string, TypedArray>, prefix: string): void {
    super.exportTo(arrays, prefix);
    const count = this.nodes.count;
    const has = new Uint8Array(count);
    for (let id = 0; id < count; id++) {
      const detector = this.detectors[id];
      if (detector) {
        has[id] = 1;
        exportDetector(arrays, `${prefix}adwin${id}/`, detector);
      }
    }
    arrays[`${prefix}nodes.hasDetector`] = has;
    const errors = new Float64Array(this.stride * count);
    errors.set(this.errors.subarray(0, Math.min(errors.length, this.errors.length)));
    arrays[`${prefix}nodes.error`] = errors;
    arrays[`${prefix}tree.switches`] = Float64Array.of(this.switches);
  }

  override importFrom(arrays: Record<string, TypedArray>, prefix: string): void {
    super.importFrom(arrays, prefix);
    const count = this.nodes.count;
    const has = arrays[`${prefix}nodes.hasDetector`];
    this.detectors = [];
    for (let id = 0; id < count; id++) {
      this.detectors.push(has !== undefined && has[id] === 1 ? importDetector(arrays, `${prefix}adwin${id}/`, { delta: this.adaptive.driftDelta }) : null);
    }
    this.errors = new Float64Array(Math.max(8, count) * this.stride);
    loadArray(arrays, `${prefix}nodes.error`, this.errors.subarray(0, this.stride * count));
    this.switches = arrays[`${prefix}tree.switches`]?.[0] ?? 0;
  }
}
