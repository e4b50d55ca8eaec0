import { Adwin } from '../drift/adwin';
import { isOpenFraction, isPositiveInteger, numberField } from '../learners/config-checks';
import type { Classifier, FeatureVector, JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import { loadArray } from '../learners/state-arrays';
import type { TreeSpec } from './config';
import { exportDetector, importDetector } from './detectors';
import { HoeffdingCore } from './hoeffding-core';
import type { HoeffdingTreeClassifierConfig } from './hoeffding-tree-classifier';
import { classifierJson, resolveClassifierSpec } from './hoeffding-tree-classifier';
import { argmax } from './leaf-models';
import { FREE, LEAF, NUMERIC_SPLIT } from './node-store';
import { TreeClassifierEstimator, treeCheckpointConfig } from './tree-estimator';

/** A Hoeffding adaptive tree (HAT, Bifet & Gavaldà 2009) classifier. */
export interface HoeffdingAdaptiveTreeClassifierConfig extends HoeffdingTreeClassifierConfig {
  /** δ of the ADWIN at every node; default 0.002 (ADWIN's default, as in River and MOA). */
  driftDelta?: number;
  /** Both a node and its alternate must have seen this many errors before they are compared; default 300. */
  driftWindowThreshold?: number;
  /** Significance of the test that swaps in or drops an alternate subtree; default 0.05. */
  switchSignificance?: number;
}

export interface HoeffdingAdaptiveTreeClassifier extends Classifier<FeatureVector> {
  featureImportances(): Float64Array;
  readonly nodeCount: number;
  /** Alternate subtrees swapped in for the subtree they grew beside, so far. */
  readonly switches: number;
}

interface AdaptiveSpec {
  driftDelta: number;
  windowThreshold: number;
  significance: number;
}

const KIND = 'HoeffdingAdaptiveTreeClassifier';

/**
 * Every node watches, with its own ADWIN, whether the predictions made through it are wrong, and keeps the
 * mean of those errors since its last change. When a split node's error rises significantly it restarts
 * that mean and grows a fresh alternate leaf beside itself, trained on the same examples. The alternate
 * replaces the node's subtree as soon as it splits (it is then a better-founded subtree for the new
 * concept), or earlier when, both means covering `windowThreshold` examples, its error is lower by more than
 * a Hoeffding-style bound; it is dropped when higher by more. A fall in error restarts the mean too, and a
 * leaf that splits becomes a split node with a fresh detector and mean. Predictions combine the leaf
 * reached with the alternates met on the way, each weighted by 1 / error² ("option tree" voting).
 * This is River's HoeffdingAdaptiveTreeClassifier (0.26) and MOA's HoeffdingAdaptiveTree: both pass the
 * alternate its owner's parent, so the alternate's first split takes its owner's place.
 */
export class AdaptiveCore extends HoeffdingCore {
  detectors: Array<Adwin | null> = [];
  /** Per node: errors counted and their mean since the node's last change. */
  errors = new Float64Array(16);
  switches = 0;
  private readonly proba: Float64Array;

  constructor(
    spec: TreeSpec,
    private readonly adaptive: AdaptiveSpec,
  ) {
    super(spec, spec.seed);
    this.proba = new Float64Array(spec.numClasses);
    this.nodes.onFree = (id) => {
      this.detectors[id] = null;
      this.errors[2 * id] = 0;
      this.errors[2 * id + 1] = 0;
    };
  }

  /** Learns `row` in the subtree at `from` (the root, or an alternate's root). */
  learnAdaptive(row: Float64Array, y: number, from = this.root): void {
    const nodes = this.nodes;
    const leaf = this.leafOf(row, from);
    this.models.predictProba(leaf, row, this.proba);
    const error = argmax(this.proba, 0, this.spec.numClasses) === y ? 0 : 1;
    let node = from;
    while (nodes.kind[node] !== LEAF) {
      const x = row[nodes.feature[node]];
      const goLeft = nodes.kind[node] === NUMERIC_SPLIT ? x <= nodes.threshold[node] : x === nodes.threshold[node];
      const next = goLeft ? nodes.left[node] : nodes.right[node];
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
    this.learnFrom(leaf, row, y, 1, true);
  }

  /**
   * A split node starts with a fresh detector and error mean (River and MOA build a new node); an
   * alternate leaf that splits replaces the node it grew beside.
   */
  override split(leaf: number, feature: number, threshold: number, gain: number): void {
    super.split(leaf, feature, threshold, gain);
    this.detectors[leaf] = null;
    this.errors[2 * leaf] = 0;
    this.errors[2 * leaf + 1] = 0;
    const owner = this.nodes.parent[leaf];
    if (owner >= 0 && this.nodes.alternate[owner] === leaf) this.promote(owner, leaf);
  }

  /** Class probabilities of `row`: the leaf reached and the alternates on its path, each weighted by 1 / (its error mean)². */
  predictOption(row: Float64Array, out: Float64Array): void {
    const nodes = this.nodes;
    const k = this.spec.numClasses;
    out.fill(0, 0, k);
    let node = this.root;
    while (nodes.kind[node] !== LEAF) {
      if (nodes.alternate[node] >= 0) this.addVote(this.leafOf(row, nodes.alternate[node]), row, out);
      const x = row[nodes.feature[node]];
      const goLeft = nodes.kind[node] === NUMERIC_SPLIT ? x <= nodes.threshold[node] : x === nodes.threshold[node];
      node = goLeft ? nodes.left[node] : nodes.right[node];
    }
    this.addVote(node, row, out);
    let total = 0;
    for (let c = 0; c < k; c++) total += out[c];
    for (let c = 0; c < k; c++) out[c] = total > 0 ? out[c] / total : 1 / k;
  }

  /**
   * Adds a leaf's probabilities scaled by 1 / error², as River and MOA do; a leaf with no error yet counts
   * with weight 1 (their normalisation skips a zero factor), one that has seen nothing not at all.
   */
  private addVote(leaf: number, row: Float64Array, out: Float64Array): void {
    if (this.leafWeight(leaf) <= 0) return;
    const k = this.spec.numClasses;
    this.models.predictProba(leaf, row, this.proba);
    const error = 2 * leaf + 1 < this.errors.length ? this.errors[2 * leaf + 1] : 0;
    const scale = error > 0 ? 1 / (error * error) : 1;
    for (let c = 0; c < k; c++) out[c] += this.proba[c] * scale;
  }

  private detector(node: number): Adwin {
    let detector = this.detectors[node];
    if (detector === undefined || detector === null) {
      detector = new Adwin({ delta: this.adaptive.driftDelta });
      this.detectors[node] = detector;
    }
    return detector;
  }

  /** Feeds `error` to the node's ADWIN and error mean; true when the error rose significantly. A fall restarts the mean. */
  private track(node: number, error: number): boolean {
    if (2 * node + 2 > this.errors.length) {
      const grown = new Float64Array(Math.max(2 * node + 2, this.errors.length * 2));
      grown.set(this.errors);
      this.errors = grown;
    }
    const e = this.errors;
    const before = e[2 * node + 1];
    const drift = this.detector(node).update(error) === 'drift';
    e[2 * node] += 1;
    e[2 * node + 1] += (error - before) / e[2 * node];
    if (!drift) return false;
    const fell = before > e[2 * node + 1];
    e[2 * node] = 0;
    e[2 * node + 1] = 0;
    return !fell;
  }

  /** Tracks a split node's error; returns the alternate it promoted in its place, or −1. */
  private monitor(node: number, error: number): number {
    const nodes = this.nodes;
    const alternate = nodes.alternate[node];
    if (this.track(node, error)) {
      // A new rise restarts the alternate (River's rule): one grown since an earlier rise has learned a stale concept too.
      if (alternate >= 0) nodes.freeSubtree(alternate);
      const fresh = nodes.newNode(node, nodes.depth[node]);
      nodes.alternate[node] = fresh;
      this.activate(fresh);
      return -1;
    }
    if (alternate < 0) return -1;
    const e = this.errors;
    const n = e[2 * node];
    const altN = 2 * alternate + 1 < e.length ? e[2 * alternate] : 0;
    const { windowThreshold, significance } = this.adaptive;
    if (n <= windowThreshold || altN <= windowThreshold) return -1;
    const own = e[2 * node + 1];
    const alt = e[2 * alternate + 1];
    const bound = Math.sqrt(2 * own * (1 - own) * Math.log(2 / significance) * (1 / altN + 1 / n));
    if (bound < own - alt) return this.promote(node, alternate);
    if (bound < alt - own) {
      nodes.alternate[node] = -1;
      nodes.freeSubtree(alternate);
    }
    return -1;
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
    const errors = new Float64Array(2 * count);
    errors.set(this.errors.subarray(0, Math.min(2 * count, this.errors.length)));
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
    this.errors = new Float64Array(Math.max(16, 2 * count));
    loadArray(arrays, `${prefix}nodes.error`, this.errors.subarray(0, 2 * count));
    this.switches = arrays[`${prefix}tree.switches`]?.[0] ?? 0;
  }
}

function resolve(config: HoeffdingAdaptiveTreeClassifierConfig): { spec: TreeSpec; adaptive: AdaptiveSpec } {
  const c = config ?? ({} as HoeffdingAdaptiveTreeClassifierConfig);
  return {
    spec: resolveClassifierSpec(KIND, c),
    adaptive: {
      driftDelta: numberField(KIND, 'driftDelta', c.driftDelta, 0.002, isOpenFraction, 'in (0, 1)'),
      windowThreshold: numberField(KIND, 'driftWindowThreshold', c.driftWindowThreshold, 300, isPositiveInteger, 'a positive integer'),
      significance: numberField(KIND, 'switchSignificance', c.switchSignificance, 0.05, isOpenFraction, 'in (0, 1)'),
    },
  };
}

class HoeffdingAdaptiveTreeLearner extends TreeClassifierEstimator implements HoeffdingAdaptiveTreeClassifier {
  readonly kind = KIND;
  private readonly tree: AdaptiveCore;

  constructor(
    private readonly resolved: { spec: TreeSpec; adaptive: AdaptiveSpec },
    arrays?: Record<string, TypedArray>,
  ) {
    super(resolved.spec);
    this.tree = new AdaptiveCore(resolved.spec, resolved.adaptive);
    if (arrays !== undefined) this.tree.importFrom(arrays, '');
  }

  get nodeCount(): number {
    return this.tree.nodes.count;
  }

  get switches(): number {
    return this.tree.switches;
  }

  protected learnRow(row: Float64Array, y: number): void {
    this.tree.learnAdaptive(row, y);
  }

  protected probaRow(row: Float64Array, out: Float64Array): void {
    this.tree.predictOption(row, out);
  }

  featureImportances(): Float64Array {
    return this.tree.featureImportances();
  }

  protected configJson(): JsonObject {
    const { driftDelta, windowThreshold, significance } = this.resolved.adaptive;
    return { ...classifierJson(this.spec), driftDelta, driftWindowThreshold: windowThreshold, switchSignificance: significance };
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    this.tree.exportTo(arrays, '');
  }
}

export function createHoeffdingAdaptiveTreeClassifier(config: HoeffdingAdaptiveTreeClassifierConfig): HoeffdingAdaptiveTreeClassifier {
  return new HoeffdingAdaptiveTreeLearner(resolve(config));
}

export const hoeffdingAdaptiveTreeFromState: LearnerFactory = (state) => new HoeffdingAdaptiveTreeLearner(treeCheckpointConfig(state, resolve), state.arrays);
