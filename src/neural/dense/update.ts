/**
 * The optimizers of ../optimizers on the dense path: the same update rules (tfjs's) over one contiguous
 * range of parameters, each slot (Adam's m and v, RMSProp's mean square) a range of the same length
 * right after it, plus Keras' global-norm clipping of the gradients. Adam, the common case, runs in the
 * SIMD kernel; SGD and RMSProp in plain loops.
 */

import type { NormalizedOptimizerSpec } from '../optimizers';
import type { SimdKernels } from './simd-kernels';

/** Where the ranges lie in memory, in floats: parameters at `params`, slot s at `params + (s + 1) × size`. */
export interface ParameterRanges {
  params: number;
  gradients: number;
  /** A multiple of 4. */
  size: number;
}

export interface DenseUpdate {
  /** Slot names, in the order of their ranges: the `m` of `optimizer/layer0/kernel/m`. */
  readonly slots: readonly string[];
  /** Applies step `step` (1-based) of the rule; false when a parameter came out NaN or infinite. */
  apply(kernels: SimdKernels, ranges: ParameterRanges, step: number): boolean;
}

function allFinite(memory: Float32Array, { params, size }: ParameterRanges): boolean {
  for (let i = params; i < params + size; i++) if (!Number.isFinite(memory[i])) return false;
  return true;
}

export function createUpdate(spec: NormalizedOptimizerSpec): DenseUpdate {
  switch (spec.type) {
    case 'sgd': {
      const { learningRate } = spec;
      return {
        slots: [],
        apply({ memory }, ranges) {
          const { params, gradients, size } = ranges;
          for (let i = 0; i < size; i++) memory[params + i] -= learningRate * memory[gradients + i];
          return allFinite(memory, ranges);
        },
      };
    }
    case 'adam': {
      const { learningRate, beta1, beta2, epsilon } = spec;
      return {
        slots: ['m', 'v'],
        apply({ adam }, { params, gradients, size }, step) {
          const finite = adam(4 * params, 4 * gradients, size, beta1, beta2, 1 - beta1 ** step, 1 - beta2 ** step, epsilon, learningRate);
          return finite === 1;
        },
      };
    }
    case 'rmsprop': {
      const { learningRate, rho, epsilon } = spec;
      return {
        slots: ['rms'],
        apply({ memory }, ranges) {
          const { params, gradients, size } = ranges;
          const rms = params + size;
          for (let i = 0; i < size; i++) {
            const g = memory[gradients + i];
            memory[rms + i] = memory[rms + i] * rho + g * g * (1 - rho);
            memory[params + i] -= (g * learningRate) / Math.sqrt(memory[rms + i] + epsilon);
          }
          return allFinite(memory, ranges);
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
