import { CheckpointError } from '../errors';
import type { TypedArray } from '../state';
import { loadArray } from '../learners/state-arrays';

/** What a node is; the `nodes.kind` column of a checkpoint. */
export const FREE = -1;
export const LEAF = 0;
export const NUMERIC_SPLIT = 1;
export const NOMINAL_SPLIT = 2;

function grown<T extends TypedArray>(array: T, length: number): T {
  if (array.length >= length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  next.set(array);
  return next;
}

/**
 * A tree's nodes in flat columns (one typed array per field, indexed by node id) and the observer slots
 * of its active leaves (one block of `slotWidth` numbers each). Both grow by doubling and recycle ids through
 * free lists, so a tree allocates only when it grows. The columns are the checkpoint's node table as is.
 */
export class NodeStore {
  count = 0;
  kind = new Int32Array(8);
  feature = new Int32Array(8);
  threshold = new Float64Array(8);
  left = new Int32Array(8);
  right = new Int32Array(8);
  parent = new Int32Array(8);
  depth = new Int32Array(8);
  /** Root of the node's alternate subtree (Hoeffding adaptive tree), else −1. */
  alternate = new Int32Array(8);
  /** Called with each node id `freeSubtree` frees (the adaptive tree drops the node's detector). */
  onFree: ((id: number) => void) | null = null;
  /** The node's observer slot while it is an active leaf, else −1. */
  slot = new Int32Array(8);
  /** Leaf statistics: class weights, or (n, mean, M2) of the target; kept by inner nodes as they were at the split. */
  stats: Float64Array;
  /** Leaf weight at the last split attempt. */
  lastEval = new Float64Array(8);
  /** Merit × weight of the node's split: its mean-decrease-in-impurity share. */
  gain = new Float64Array(8);
  /** Two per node: weights the majority class and naive Bayes got right (classification), or absolute errors of the mean and the model (regression). */
  extra = new Float64Array(16);
  /** Linear model per node (regression model leaves): `modelWidth` weights, the last the bias. */
  model: Float64Array;
  private freeNodes = new Int32Array(8);
  private freeNodeCount = 0;

  slotCount = 0;
  /** Per slot, the features it observes (`subspace` of them). */
  slotFeatures: Int32Array;
  slotNode = new Int32Array(8);
  observers: Float64Array;
  private freeSlots = new Int32Array(8);
  private freeSlotCount = 0;

  constructor(
    readonly statWidth: number,
    readonly modelWidth: number,
    readonly subspace: number,
    readonly slotWidth: number,
  ) {
    this.stats = new Float64Array(8 * statWidth);
    this.model = new Float64Array(8 * modelWidth);
    this.slotFeatures = new Int32Array(8 * subspace);
    this.observers = new Float64Array(8 * slotWidth);
  }

  /** A fresh leaf with zero statistics. */
  newNode(parent: number, depth: number): number {
    const id = this.freeNodeCount > 0 ? this.freeNodes[--this.freeNodeCount] : this.count++;
    if (id >= this.kind.length) this.growNodes(id + 1);
    this.kind[id] = LEAF;
    this.feature[id] = -1;
    this.threshold[id] = 0;
    this.left[id] = -1;
    this.right[id] = -1;
    this.parent[id] = parent;
    this.depth[id] = depth;
    this.slot[id] = -1;
    this.alternate[id] = -1;
    this.lastEval[id] = 0;
    this.gain[id] = 0;
    this.stats.fill(0, id * this.statWidth, (id + 1) * this.statWidth);
    this.extra.fill(0, id * 2, id * 2 + 2);
    this.model.fill(0, id * this.modelWidth, (id + 1) * this.modelWidth);
    return id;
  }

  /** Frees a node and, recursively, its subtree and alternate subtrees. */
  freeSubtree(id: number): void {
    if (this.kind[id] !== LEAF && this.kind[id] !== FREE) {
      this.freeSubtree(this.left[id]);
      this.freeSubtree(this.right[id]);
    }
    if (this.alternate[id] >= 0) this.freeSubtree(this.alternate[id]);
    this.alternate[id] = -1;
    this.onFree?.(id);
    if (this.slot[id] >= 0) this.releaseSlot(id);
    this.kind[id] = FREE;
    this.freeNodes = grown(this.freeNodes, this.freeNodeCount + 1);
    this.freeNodes[this.freeNodeCount++] = id;
  }

  /** Gives leaf `id` a zeroed observer slot; returns it. */
  takeSlot(id: number): number {
    const s = this.freeSlotCount > 0 ? this.freeSlots[--this.freeSlotCount] : this.slotCount++;
    if (s >= this.slotNode.length) {
      const n = s + 1;
      this.slotNode = grown(this.slotNode, n);
      this.slotFeatures = grown(this.slotFeatures, this.slotNode.length * this.subspace);
      this.observers = grown(this.observers, this.slotNode.length * this.slotWidth);
    }
    this.slotNode[s] = id;
    this.observers.fill(0, s * this.slotWidth, (s + 1) * this.slotWidth);
    this.slot[id] = s;
    return s;
  }

  releaseSlot(id: number): void {
    const s = this.slot[id];
    this.slot[id] = -1;
    this.slotNode[s] = -1;
    this.freeSlots = grown(this.freeSlots, this.freeSlotCount + 1);
    this.freeSlots[this.freeSlotCount++] = s;
  }

  get activeCount(): number {
    return this.slotCount - this.freeSlotCount;
  }

  private growNodes(n: number): void {
    this.kind = grown(this.kind, n);
    const cap = this.kind.length;
    this.feature = grown(this.feature, cap);
    this.threshold = grown(this.threshold, cap);
    this.left = grown(this.left, cap);
    this.right = grown(this.right, cap);
    this.parent = grown(this.parent, cap);
    this.depth = grown(this.depth, cap);
    this.slot = grown(this.slot, cap);
    this.alternate = grown(this.alternate, cap);
    this.lastEval = grown(this.lastEval, cap);
    this.gain = grown(this.gain, cap);
    this.stats = grown(this.stats, cap * this.statWidth);
    this.extra = grown(this.extra, cap * 2);
    this.model = grown(this.model, cap * this.modelWidth);
  }

  /** The node table and slots as named arrays (copies), `prefix` before each name. */
  exportTo(arrays: Record<string, TypedArray>, prefix: string): void {
    const n = this.count;
    const s = this.slotCount;
    arrays[`${prefix}nodes.id`] = Int32Array.from({ length: n }, (_, i) => i);
    arrays[`${prefix}nodes.kind`] = this.kind.slice(0, n);
    arrays[`${prefix}nodes.feature`] = this.feature.slice(0, n);
    arrays[`${prefix}nodes.threshold`] = this.threshold.slice(0, n);
    arrays[`${prefix}nodes.left`] = this.left.slice(0, n);
    arrays[`${prefix}nodes.right`] = this.right.slice(0, n);
    arrays[`${prefix}nodes.parent`] = this.parent.slice(0, n);
    arrays[`${prefix}nodes.depth`] = this.depth.slice(0, n);
    arrays[`${prefix}nodes.slot`] = this.slot.slice(0, n);
    arrays[`${prefix}nodes.alternate`] = this.alternate.slice(0, n);
    arrays[`${prefix}nodes.stats`] = this.stats.slice(0, n * this.statWidth);
    arrays[`${prefix}nodes.lastEval`] = this.lastEval.slice(0, n);
    arrays[`${prefix}nodes.gain`] = this.gain.slice(0, n);
    arrays[`${prefix}nodes.extra`] = this.extra.slice(0, n * 2);
    arrays[`${prefix}nodes.model`] = this.model.slice(0, n * this.modelWidth);
    arrays[`${prefix}slots.features`] = this.slotFeatures.slice(0, s * this.subspace);
    arrays[`${prefix}slots.node`] = this.slotNode.slice(0, s);
    arrays[`${prefix}slots.observers`] = this.observers.slice(0, s * this.slotWidth);
    arrays[`${prefix}free.nodes`] = this.freeNodes.slice(0, this.freeNodeCount);
    arrays[`${prefix}free.slots`] = this.freeSlots.slice(0, this.freeSlotCount);
  }

  /** Restores what `exportTo` wrote; throws `CheckpointError` naming the first array that does not fit. */
  importFrom(arrays: Record<string, TypedArray>, prefix: string): void {
    const kind = arrays[`${prefix}nodes.kind`];
    const slotNode = arrays[`${prefix}slots.node`];
    if (kind === undefined || slotNode === undefined) throw new CheckpointError(`state has no node table '${prefix}nodes.kind'`);
    const n = kind.length;
    const s = slotNode.length;
    this.count = 0;
    this.growNodes(n);
    this.count = n;
    const columns: Array<[string, TypedArray, number]> = [
      ['nodes.kind', this.kind, n],
      ['nodes.feature', this.feature, n],
      ['nodes.threshold', this.threshold, n],
      ['nodes.left', this.left, n],
      ['nodes.right', this.right, n],
      ['nodes.parent', this.parent, n],
      ['nodes.depth', this.depth, n],
      ['nodes.slot', this.slot, n],
      ['nodes.alternate', this.alternate, n],
      ['nodes.stats', this.stats, n * this.statWidth],
      ['nodes.lastEval', this.lastEval, n],
      ['nodes.gain', this.gain, n],
      ['nodes.extra', this.extra, n * 2],
      ['nodes.model', this.model, n * this.modelWidth],
    ];
    this.slotCount = s;
    this.slotNode = grown(this.slotNode, s);
    this.slotFeatures = grown(this.slotFeatures, s * this.subspace);
    this.observers = grown(this.observers, s * this.slotWidth);
    columns.push(
      ['slots.node', this.slotNode, s],
      ['slots.features', this.slotFeatures, s * this.subspace],
      ['slots.observers', this.observers, s * this.slotWidth],
    );
    for (const [name, target, length] of columns) loadArray(arrays, prefix + name, target.subarray(0, length));
    this.freeNodeCount = this.loadFree(arrays, `${prefix}free.nodes`, 'nodes');
    this.freeSlotCount = this.loadFree(arrays, `${prefix}free.slots`, 'slots');
  }

  private loadFree(arrays: Record<string, TypedArray>, key: string, which: 'nodes' | 'slots'): number {
    const values = arrays[key];
    if (!(values instanceof Int32Array)) throw new CheckpointError(`state array '${key}' is missing or not an Int32Array`);
    if (which === 'nodes') this.freeNodes = grown(this.freeNodes, values.length);
    else this.freeSlots = grown(this.freeSlots, values.length);
    (which === 'nodes' ? this.freeNodes : this.freeSlots).set(values);
    return values.length;
  }
}
