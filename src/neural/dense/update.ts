/**
 * The optimizers of ../optimizers on the dense path: the same update rules (tfjs's) over one contiguous
 * range of parameters, each slot (Adam's m and v, RMSProp's mean square) a range of the same length
 * right after it, plus Keras' global-norm clipping of the gradients.
 */

import type { NormalizedOptimizerSpec } from '../optimizers';

/** Where the ranges lie in memory: parameters at `params`, slot s at `params + (s + 1) × size`. */
export interface ParameterRanges {
  params: number;
  gradients: number;
  size: number;
}

export interface DenseUpdate {
  /** Slot names, in the order of their ranges: the `m` of `optimizer/layer0/kernel/m`. */
  readonly slots: readonly string[];
  /** Applies step `step` (1-based) of the rule. */
  apply(memory: Float32Array, ranges: ParameterRanges, step: number): void;
}

export function createUpdate(spec: NormalizedOptimizerSpec): DenseUpdate {
  switch (spec.type) {
    case 'sgd': {
      const { learningRate } = spec;
      return {
        slots: [],
        apply(memory, { params, gradients, size }) {
          for (let i = 0; i < size; i++) memory[params + i] -= learningRate * memory[gradients + i];
        },
      };
    }
    case 'adam': {
      const { learningRate, beta1, beta2, epsilon } = spec;
      return {
        slots: ['m', 'v'],
        apply(memory, { params, gradients, size }, step) {
          const m = params + size;
          const v = params + 2 * size;
          const mCorrection = 1 - beta1 ** step;
          const vCorrection = 1 - beta2 ** step;
          for (let i = 0; i < size; i++) {
            const g = memory[gradients + i];
            memory[m + i] = memory[m + i] * beta1 + g * (1 - beta1);
            memory[v + i] = memory[v + i] * beta2 + g * g * (1 - beta2);
            const mHat = memory[m + i] / mCorrection;
            const vHat = memory[v + i] / vCorrection;
            memory[params + i] += (mHat / (Math.sqrt(vHat) + epsilon)) * -learningRate;
          }
        },
      };
    }
    case 'rmsprop': {
      const { learningRate, rho, epsilon } = spec;
      return {
        slots: ['rms'],
        apply(memory, { params, gradients, size }) {
          const rms = params + size;
          for (let i = 0; i < size; i++) {
            const g = memory[gradients + i];
            memory[rms + i] = memory[rms + i] * rho + g * g * (1 - rho);
            memory[params + i] -= (g * learningRate) / Math.sqrt(memory[rms + i] + epsilon);
          }
        },
      };
    }
  }
}

/** Scales the gradients by clipNorm / max(‖g‖, clipNorm), ‖g‖ the L2 norm of all of them, as ../train-step. */
export function clipByGlobalNorm(memory: Float32Array, { gradients, size }: ParameterRanges, clipNorm: number): void {
  let squares = 0;
  for (let i = 0; i < size; i++) squares += memory[gradients + i] * memory[gradients + i];
  const scale = clipNorm / Math.max(Math.sqrt(squares), clipNorm);
  if (scale === 1) return;
  for (let i = 0; i < size; i++) memory[gradients + i] *= scale;
}
