import type { TypedArray } from '../estimator';
import type { GradientBatch } from '../gradient-batch';
import type { LinearWeights, WeightDtype, WeightArray } from '../linear-weights';
import { createWeightArray } from '../linear-weights';
import { loadArray } from '../state-arrays';
import type { FtrlConfig } from './config';
import type { FeatureVector } from '../estimator';
import { isSparse } from '../estimator';
import type { ExampleOptimizer } from './optimizer';

/**
 * FTRL-Proximal, McMahan et al. 2013, Algorithm 1. The weights are kept materialised: with fixed λ1, λ2
 * a weight depends only on its own (z, n), which change only when the weight's feature is present, so
 * predictions read plain weights and a sparse step costs O(nnz). Intercepts are not penalised.
 */
export class FtrlOptimizer implements ExampleOptimizer {
  private readonly z: WeightArray;
  private readonly n: WeightArray;

  constructor(
    private readonly weights: LinearWeights,
    private readonly fitIntercept: boolean,
    private readonly config: Required<FtrlConfig>,
    private readonly alpha: number,
    private readonly l1: number,
    private readonly l2: number,
    dtype: WeightDtype,
  ) {
    this.z = createWeightArray(dtype, weights.values.length);
    this.n = createWeightArray(dtype, weights.values.length);
  }

  step(batch: GradientBatch): boolean {
    const outputs = this.weights.numOutputs;
    const grads = batch.grads;
    let finite = true;
    for (let s = 0; s < batch.count; s++) {
      const j = batch.dense ? s : batch.features[s];
      for (let k = 0; k < outputs; k++) finite = this.update(j * outputs + k, grads[s * outputs + k], this.l1, this.l2) && finite;
    }
    if (this.fitIntercept) {
      for (let k = 0; k < outputs; k++) finite = this.update(this.weights.biasOffset + k, batch.biasGrads[k], 0, 0) && finite;
    }
    return finite;
  }

  /**
   * `step` for one example of a single-output model, along `dz[0] · x` read from `x` itself rather than a
   * GradientBatch copy: the same updates in the same order, bit for bit (`example-steps.test.ts`).
   */
  stepExample(x: FeatureVector, dz: Float64Array): boolean {
    if (isSparse(x)) return this.stepRange(x.values, x.indices, 0, x.values.length, dz);
    return this.stepRange(x, null, 0, x.length, dz);
  }

  /** `stepExample` on the entries `[from, to)` of `values` (at features `indices`, or dense when null). */
  stepRange(values: ArrayLike<number>, indices: ArrayLike<number> | null, from: number, to: number, dz: Float64Array): boolean {
    const derivative = dz[0];
    const { l1, l2 } = this;
    let finite = true;
    if (indices !== null) for (let s = from; s < to; s++) finite = this.update(indices[s], derivative * values[s], l1, l2) && finite;
    else for (let j = 0; j < to - from; j++) finite = this.update(j, derivative * values[from + j], l1, l2) && finite;
    if (this.fitIntercept) finite = this.update(this.weights.biasOffset, derivative, 0, 0) && finite;
    return finite;
  }

  /** Returns false when the weight may not have come out finite. */
  private update(c: number, g: number, l1: number, l2: number): boolean {
    const w = this.weights.values;
    const alpha = this.alpha;
    const n = this.n[c];
    const nextN = n + g * g;
    const sigma = (Math.sqrt(nextN) - Math.sqrt(n)) / alpha;
    const z = this.z[c] + g - sigma * w[c];
    this.z[c] = z;
    this.n[c] = nextN;
    const value = Math.abs(z) <= l1 ? 0 : -(z - Math.sign(z) * l1) / ((this.config.beta + Math.sqrt(nextN)) / alpha + l2);
    w[c] = value;
    return Math.abs(value) <= this.weights.largestFinite;
  }

  exportState(arrays: Record<string, TypedArray>): void {
    arrays['ftrl.z'] = this.z.slice();
    arrays['ftrl.n'] = this.n.slice();
  }

  importState(arrays: Record<string, TypedArray>): void {
    loadArray(arrays, 'ftrl.z', this.z);
    loadArray(arrays, 'ftrl.n', this.n);
  }
}
