import type { FeatureVector } from './estimator';
import { isSparse } from './estimator';
import type { GradientBatch } from './gradient-batch';

/**
 * Sums per-example gradients over a micro-batch (minibatch mode), then writes their average into a
 * {@link GradientBatch}. Sparse examples only touch their features, so resetting costs O(touched).
 */
export class MinibatchAccumulator {
  private readonly sums: Float64Array;
  private readonly biasSums: Float64Array;
  private readonly touched: Uint8Array;
  private touchedList: Int32Array;
  private touchedCount = 0;
  private allTouched = false;

  constructor(
    private readonly numFeatures: number,
    private readonly numOutputs: number,
  ) {
    this.sums = new Float64Array(numFeatures * numOutputs);
    this.biasSums = new Float64Array(numOutputs);
    this.touched = new Uint8Array(numFeatures);
    this.touchedList = new Int32Array(Math.min(numFeatures, 1024));
  }

  /** Adds the gradient of one example whose margins have derivatives `dz`. */
  add(x: FeatureVector, dz: Float64Array): void {
    const outputs = this.numOutputs;
    const sums = this.sums;
    for (let k = 0; k < outputs; k++) this.biasSums[k] += dz[k];
    if (!isSparse(x)) {
      this.allTouched = true;
      for (let j = 0; j < x.length; j++) {
        for (let k = 0; k < outputs; k++) sums[j * outputs + k] += dz[k] * x[j];
      }
      return;
    }
    const { indices, values } = x;
    for (let s = 0; s < values.length; s++) {
      const j = indices[s];
      if (this.touched[j] === 0) this.markTouched(j);
      for (let k = 0; k < outputs; k++) sums[j * outputs + k] += dz[k] * values[s];
    }
  }

  private markTouched(j: number): void {
    this.touched[j] = 1;
    if (this.touchedCount === this.touchedList.length) {
      const grown = new Int32Array(Math.min(this.numFeatures, 2 * this.touchedList.length));
      grown.set(this.touchedList);
      this.touchedList = grown;
    }
    this.touchedList[this.touchedCount++] = j;
  }

  /** Writes the average over `count` examples into `batch` and starts a new sum. */
  drainAverage(batch: GradientBatch, count: number, fitIntercept: boolean): void {
    const outputs = this.numOutputs;
    const slots = this.allTouched ? this.numFeatures : this.touchedCount;
    batch.reserve(slots);
    batch.dense = this.allTouched;
    batch.count = slots;
    batch.values.fill(0, 0, slots);
    for (let s = 0; s < slots; s++) {
      const j = this.allTouched ? s : this.touchedList[s];
      batch.features[s] = j;
      for (let k = 0; k < outputs; k++) {
        const c = j * outputs + k;
        batch.grads[s * outputs + k] = this.sums[c] / count;
        this.sums[c] = 0;
      }
      this.touched[j] = 0;
    }
    for (let k = 0; k < outputs; k++) {
      batch.biasGrads[k] = fitIntercept ? this.biasSums[k] / count : 0;
      this.biasSums[k] = 0;
    }
    this.touchedCount = 0;
    this.allTouched = false;
  }
}
