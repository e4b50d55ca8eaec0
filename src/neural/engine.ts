/**
 * What computes a NeuralNet: TensorFlow.js, or the dense path (./dense) that plain MLPs take. The net
 * itself (./net-core) owns the training loop: batching, shuffling, replay, reports; an engine owns the
 * weights and optimizer state, and takes guarded steps.
 */

import type { TypedArray } from '../learners/estimator';
import type { Example } from './replay';
import type { BackendName } from './tensorflow';
import type { StepResult } from './train-step';

/** A TensorFlow.js backend, or `dense-simd`: the WebAssembly SIMD kernels of ./dense. */
export type EngineName = BackendName | 'dense-simd';

/**
 * `auto` (the default): plain dense MLPs take the dense path, unless `$STREAMLEARN_TF_BACKEND` names a
 * backend; everything else runs on TensorFlow.js. `tfjs`: always TensorFlow.js.
 */
export type EngineChoice = 'auto' | 'tfjs';

export interface NetEngine {
  readonly name: EngineName;
  /** Optimizer steps taken, which Adam's bias correction and the net's randomness depend on. */
  steps: number;
  /**
   * One gradient step on `examples`. When it leaves the loss or any weight NaN or infinite it is undone
   * (weights, optimizer slots, step count) and null is returned.
   */
  step(examples: readonly Example[]): StepResult | null;
  /** The outputs for `rows` (each one example's features), row-major `rows.length × output units`. */
  outputs(rows: readonly Float32Array[]): Float32Array;
  /** Copies of every weight and optimizer slot under its state name: `layer0/kernel`, `optimizer/layer0/kernel/m`. */
  read(): Record<string, Float32Array>;
  /** Overwrites every weight and slot from `arrays` (as `read()` names them); a CheckpointError names a misfit. */
  write(arrays: Record<string, TypedArray>): void;
  dispose(): void;
}
