import type { TypedArray } from '../estimator';
import type { GradientBatch } from '../gradient-batch';
import { loadArray, loadScalars } from '../state-arrays';
import type { NormalizedConfig } from './config';
import type { PenalizedContext } from './optimizer';
import { PenalizedOptimizer } from './optimizer';

/**
 * Vowpal Wabbit's adaptive, normalized, invariant update (see {@link NormalizedConfig}); it follows
 * VW's `gd.cc`: the intercept is a feature of constant value 1.
 */
export class NormalizedOptimizer extends PenalizedOptimizer {
  /** Per weight: Σ g², for the adaptive rate. */
  private readonly sumSquares = this.perWeight();
  /** Per feature (intercept last, fixed at 1): the largest |x| seen. Float64 so that re-seeing a value never rescales. */
  private readonly featureScales = new Float64Array(this.weights.numFeatures + 1);
  /** Σ over updates of ‖x/s‖², and the number of updates: the global rate is √(updates / normSum). */
  private normSum = 0;
  private updates = 0;
  /** This step's multiplier of every coordinate's direction. */
  private gain = 0;

  constructor(
    context: PenalizedContext,
    private readonly config: Required<NormalizedConfig>,
  ) {
    super(context);
    this.featureScales[this.weights.numFeatures] = 1;
  }

  protected rate(batch: GradientBatch): number {
    // As VW: an example with zero gradient changes nothing, not even the normalisation.
    if (batch.loss !== null && batch.derivative === 0) return 0;
    const outputs = this.weights.numOutputs;
    const w = this.weights.values;
    const sums = this.sumSquares;
    const scales = this.featureScales;
    const grads = batch.grads;
    let normSquared = 0;
    let sensitivity = 0;
    for (let s = 0; s < batch.count; s++) {
      const x = batch.values[s];
      if (x === 0) continue;
      const j = batch.dense ? s : batch.features[s];
      const size = Math.abs(x);
      let scale = scales[j];
      if (size > scale) {
        // Rescale the weights as if the new scale had been known from the start.
        if (scale > 0) for (let k = 0; k < outputs; k++) w[j * outputs + k] *= scale / size;
        scales[j] = size;
        scale = size;
      }
      const x2 = x * x;
      normSquared += x2 / (scale * scale);
      for (let k = 0; k < outputs; k++) {
        const c = j * outputs + k;
        const g = grads[s * outputs + k];
        const sum = sums[c] + g * g;
        sums[c] = sum;
        if (sum > 0) sensitivity += x2 / (Math.sqrt(sum) * scale);
      }
    }
    if (this.fitIntercept) {
      normSquared += 1;
      for (let k = 0; k < outputs; k++) {
        const c = this.weights.biasOffset + k;
        const g = batch.biasGrads[k];
        const sum = sums[c] + g * g;
        sums[c] = sum;
        if (sum > 0) sensitivity += 1 / Math.sqrt(sum);
      }
    }
    this.normSum += normSquared;
    this.updates += 1;
    const multiplier = Math.sqrt(this.updates / this.normSum);
    this.gain = multiplier;
    if (this.config.invariant && batch.loss !== null) {
      const flowTime = this.stepSize * multiplier * sensitivity;
      this.gain *= batch.loss.invariantDerivative(batch.prediction, batch.label, flowTime) / batch.derivative;
    }
    return this.stepSize;
  }

  protected override direction(c: number, feature: number, g: number): number {
    const sum = this.sumSquares[c];
    return sum > 0 ? (this.gain * g) / (Math.sqrt(sum) * this.featureScales[feature]) : 0;
  }

  protected override exportArrays(arrays: Record<string, TypedArray>): void {
    arrays['normalized.sumSquares'] = this.sumSquares.slice();
    arrays['normalized.featureScales'] = this.featureScales.slice();
    arrays['normalized.scalars'] = Float64Array.of(this.normSum, this.updates);
  }

  protected override importArrays(arrays: Record<string, TypedArray>): void {
    loadArray(arrays, 'normalized.sumSquares', this.sumSquares);
    loadArray(arrays, 'normalized.featureScales', this.featureScales);
    [this.normSum, this.updates] = loadScalars(arrays, 'normalized.scalars', 2);
  }
}
