import type { FeatureVector } from './estimator';
import { isSparse } from './estimator';
import type { ScalarLoss } from './losses';

/**
 * The gradient of one optimizer step, in reusable buffers (no allocation per example). A slot is a
 * feature the step touches; `grads[slot * numOutputs + k]` is the loss gradient of output k's weight
 * on that feature. Filled from one example (sequential mode) or averaged over a micro-batch.
 */
export class GradientBatch {
  count = 0;
  /** Slot s is feature s (a dense step): `features` is not read. */
  dense = false;
  features: Int32Array;
  /** The example's feature values per slot; only meaningful for single-example steps. */
  values: Float64Array;
  grads: Float64Array;
  readonly biasGrads: Float64Array;
  /** Scalar-output learners describe the example, for steps that need the loss itself. */
  loss: ScalarLoss | null = null;
  prediction = 0;
  label = 0;
  derivative = 0;

  constructor(
    readonly numOutputs: number,
    capacity: number,
  ) {
    this.features = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.grads = new Float64Array(capacity * numOutputs);
    this.biasGrads = new Float64Array(numOutputs);
  }

  /** Makes room for `slots` slots, keeping nothing. */
  reserve(slots: number): void {
    if (slots <= this.features.length) return;
    const capacity = Math.max(slots, 2 * this.features.length);
    this.features = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.grads = new Float64Array(capacity * this.numOutputs);
  }

  /** The gradient of one example whose margins have derivatives `dz` (one per output). */
  fill(x: FeatureVector, dz: Float64Array, fitIntercept: boolean): void {
    if (isSparse(x)) this.fillRange(x.values, x.indices, 0, x.values.length, dz, fitIntercept);
    else this.fillRange(x, null, 0, x.length, dz, fitIntercept);
  }

  /** `fill` from the entries `[from, to)` of `values` (at features `indices`, or dense when null): a feature batch row in place. */
  fillRange(values: ArrayLike<number>, indices: ArrayLike<number> | null, from: number, to: number, dz: Float64Array, fitIntercept: boolean): void {
    const outputs = this.numOutputs;
    const count = to - from;
    this.reserve(count);
    this.dense = indices === null;
    const features = this.features;
    const copy = this.values;
    if (indices !== null) for (let s = 0; s < count; s++) features[s] = indices[from + s];
    for (let s = 0; s < count; s++) copy[s] = values[from + s];
    this.count = count;
    const grads = this.grads;
    if (outputs === 1) {
      const d0 = dz[0];
      for (let s = 0; s < count; s++) grads[s] = d0 * values[from + s];
    } else {
      for (let s = 0; s < count; s++) {
        const x = values[from + s];
        const base = s * outputs;
        for (let k = 0; k < outputs; k++) grads[base + k] = dz[k] * x;
      }
    }
    for (let k = 0; k < outputs; k++) this.biasGrads[k] = fitIntercept ? dz[k] : 0;
  }

  /** Clips each gradient component to ±`limit`. */
  clipValues(limit: number): void {
    const n = this.count * this.numOutputs;
    const grads = this.grads;
    for (let i = 0; i < n; i++) grads[i] = Math.min(limit, Math.max(-limit, grads[i]));
    const bias = this.biasGrads;
    for (let k = 0; k < bias.length; k++) bias[k] = Math.min(limit, Math.max(-limit, bias[k]));
  }

  /** Rescales the whole gradient (weights and intercepts) to Euclidean norm ≤ `limit`. */
  clipNorm(limit: number): void {
    const n = this.count * this.numOutputs;
    const grads = this.grads;
    const bias = this.biasGrads;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += grads[i] * grads[i];
    for (let k = 0; k < bias.length; k++) squares += bias[k] * bias[k];
    if (squares <= limit * limit) return;
    const factor = limit / Math.sqrt(squares);
    for (let i = 0; i < n; i++) grads[i] *= factor;
    for (let k = 0; k < bias.length; k++) bias[k] *= factor;
  }

  /** ‖x‖² of the example, counting the intercept's constant 1 when it is fitted. */
  squaredNorm(fitIntercept: boolean): number {
    let sum = fitIntercept ? 1 : 0;
    const values = this.values;
    for (let s = 0; s < this.count; s++) sum += values[s] * values[s];
    return sum;
  }
}
