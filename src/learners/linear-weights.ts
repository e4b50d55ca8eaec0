import type { FeatureVector } from './estimator';
import { isSparse } from './estimator';

export type WeightDtype = 'float64' | 'float32';
export type WeightArray = Float64Array | Float32Array;

/** The largest magnitude each dtype stores as a finite number. */
const LARGEST_FINITE: Record<WeightDtype, number> = { float64: Number.MAX_VALUE, float32: 3.4028234663852886e38 };

export function createWeightArray(dtype: WeightDtype, length: number): WeightArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/**
 * The weights of a linear model with `numOutputs` outputs (1, or one per class), feature-major so that
 * a sparse example reads adjacent memory: feature j's weight for output k is `scale * values[j*K + k]`.
 * The intercepts follow at `values[d*K + k]`, unscaled. `scale` lets an L2 decay of every weight cost
 * O(1) (Bottou's and scikit-learn's `wscale` trick).
 */
export class LinearWeights {
  readonly values: WeightArray;
  scale = 1;
  readonly biasOffset: number;
  /** A weight computed (in float64) beyond ±this is not stored as a finite number. */
  readonly largestFinite: number;

  constructor(
    readonly numFeatures: number,
    readonly numOutputs: number,
    dtype: WeightDtype,
  ) {
    this.biasOffset = numFeatures * numOutputs;
    this.largestFinite = LARGEST_FINITE[dtype];
    this.values = createWeightArray(dtype, (numFeatures + 1) * numOutputs);
  }

  /**
   * Writes the margins `w_k·x + b_k` into `out`. Returns false when `x` does not fit (wrong length, an
   * index out of range). Non-finite values show up as non-finite margins, so nothing else is checked.
   */
  margins(x: FeatureVector, out: Float64Array): boolean {
    if (isSparse(x)) return this.rangeMargins(x.values, x.indices, 0, x.indices.length === x.values.length ? x.values.length : -1, out);
    return this.rangeMargins(x, null, 0, x.length, out);
  }

  /**
   * `margins` of the entries `[from, to)` of `values` (at features `indices`, or dense when null): a row
   * of a feature batch read in place. Returns false when it does not fit (`to` < `from` included).
   */
  rangeMargins(values: ArrayLike<number>, indices: ArrayLike<number> | null, from: number, to: number, out: Float64Array): boolean {
    const w = this.values;
    const outputs = this.numOutputs;
    const d = this.numFeatures;
    for (let k = 0; k < outputs; k++) out[k] = 0;
    if (to < from) return false;
    if (indices !== null) {
      if (outputs === 1) {
        let sum = 0;
        for (let s = from; s < to; s++) {
          const j = indices[s];
          if (j >= d) return false;
          sum += w[j] * values[s];
        }
        out[0] = sum;
      } else {
        for (let s = from; s < to; s++) {
          const j = indices[s];
          if (j >= d) return false;
          const xj = values[s];
          const base = j * outputs;
          for (let k = 0; k < outputs; k++) out[k] += w[base + k] * xj;
        }
      }
    } else if (to - from !== d) {
      return false;
    } else if (outputs === 1) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += w[j] * values[from + j];
      out[0] = sum;
    } else {
      for (let j = 0; j < d; j++) {
        const xj = values[from + j];
        const base = j * outputs;
        for (let k = 0; k < outputs; k++) out[k] += w[base + k] * xj;
      }
    }
    const scale = this.scale;
    const bias = this.biasOffset;
    for (let k = 0; k < outputs; k++) out[k] = scale * out[k] + w[bias + k];
    return true;
  }

  /** Multiplies the scale into the stored weights, before it underflows. O(d). */
  foldScale(): void {
    const w = this.values;
    const scale = this.scale;
    for (let c = 0; c < this.biasOffset; c++) w[c] *= scale;
    this.scale = 1;
  }

  /** Effective coefficients, class-major: `[k * d + j]`. */
  coefficients(): Float64Array {
    const d = this.numFeatures;
    const outputs = this.numOutputs;
    const out = new Float64Array(d * outputs);
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < outputs; k++) out[k * d + j] = this.scale * this.values[j * outputs + k];
    }
    return out;
  }

  intercepts(): Float64Array {
    return Float64Array.from(this.values.subarray(this.biasOffset));
  }
}
