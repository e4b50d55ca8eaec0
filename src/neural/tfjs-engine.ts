/** The TensorFlow.js engine: a tfjs Sequential model, the slot optimizer, and steps guarded by snapshots. */

import type { TypedArray } from '../learners/estimator';
import { loadArray } from '../learners/state-arrays';
import type { NormalizedConfig } from './config';
import type { NetEngine } from './engine';
import { gradientKernels } from './layers';
import type { BuiltModel } from './model';
import { buildModel } from './model';
import { encodeTargets, lossObjective, metricObjective } from './objectives';
import type { NamedVariable } from './optimizers';
import { SlotOptimizer } from './optimizers';
import type { Example } from './replay';
import type { BackendName } from './tensorflow';
import { onBackend, tf, trainingBackend } from './tensorflow';
import type { StepParts, StepResult } from './train-step';
import { trainStep } from './train-step';

export class TfjsEngine implements NetEngine {
  readonly name: BackendName;
  private readonly built: BuiltModel;
  private readonly optimizer: SlotOptimizer;
  private readonly parts: StepParts;
  /** What a non-finite step rolls back: every weight and optimizer slot. */
  private readonly guarded: tf.Variable[];
  private readonly outputUnits: number;

  /** `nextSeed` seeds the initializers and dropout masks. */
  constructor(
    private readonly config: NormalizedConfig,
    nextSeed: () => number,
  ) {
    this.name = trainingBackend(gradientKernels(config.layers));
    this.built = onBackend(this.name, () => buildModel(config, nextSeed));
    this.outputUnits = this.built.outputUnits;
    this.optimizer = onBackend(this.name, () => new SlotOptimizer(config.optimizer, this.built.trainable));
    this.parts = {
      model: this.built.model,
      optimizer: this.optimizer,
      trainable: this.built.trainable.map((w) => w.variable),
      weights: this.built.weights.map((w) => w.variable),
      loss: lossObjective(config.loss),
      metrics: config.metrics.map((metric) => metricObjective(metric, config.loss)),
      globalClipNorm: config.optimizer.globalClipNorm,
    };
    this.guarded = [...this.parts.weights, ...this.optimizer.slots.map((slot) => slot.variable)];
  }

  get steps(): number {
    return this.optimizer.steps;
  }

  set steps(value: number) {
    this.optimizer.steps = value;
  }

  step(examples: readonly Example[]): StepResult | null {
    return onBackend(this.name, () => {
      const steps = this.optimizer.steps;
      // Tensors are immutable and `assign` swaps a variable's data, so clones are snapshots.
      const snapshot = this.guarded.map((v) => tf.clone(v));
      try {
        const result = tf.tidy(() => trainStep(this.parts, ...this.tensors(examples)));
        if (result.finite) return result;
        this.guarded.forEach((v, i) => v.assign(snapshot[i]));
        this.optimizer.steps = steps;
        return null;
      } finally {
        tf.dispose(snapshot);
      }
    });
  }

  outputs(rows: readonly Float32Array[]): Float32Array {
    return onBackend(this.name, () =>
      tf.tidy(() => {
        const input = tf.tensor(concatRows(rows), [rows.length, ...this.config.inputShape]);
        return (this.built.model.apply(input, { training: false }) as tf.Tensor).dataSync() as Float32Array;
      }),
    );
  }

  read(): Record<string, Float32Array> {
    const arrays: Record<string, Float32Array> = {};
    onBackend(this.name, () => {
      for (const { name, variable } of this.named()) arrays[name] = Float32Array.from(variable.dataSync());
    });
    return arrays;
  }

  write(arrays: Record<string, TypedArray>): void {
    onBackend(this.name, () => {
      for (const { name, variable } of this.named()) {
        const values = new Float32Array(variable.size);
        loadArray(arrays, name, values);
        tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
      }
    });
  }

  dispose(): void {
    onBackend(this.name, () => {
      this.built.model.dispose();
      this.optimizer.dispose();
    });
  }

  private named(): NamedVariable[] {
    const slots = this.optimizer.slots.map(({ name, variable }) => ({ name: `optimizer/${name}`, variable }));
    return [...this.built.weights, ...slots];
  }

  private tensors(batch: readonly Example[]): [tf.Tensor, tf.Tensor] {
    const x = tf.tensor(concatRows(batch.map((e) => e.x)), [batch.length, ...this.config.inputShape]);
    const targets = encodeTargets(
      this.config.loss,
      batch.map((e) => e.y),
      this.outputUnits,
    );
    return [x, tf.tensor2d(targets, [batch.length, this.outputUnits])];
  }
}

function concatRows(rows: readonly Float32Array[]): Float32Array {
  const width = rows.length === 0 ? 0 : rows[0].length;
  const flat = new Float32Array(rows.length * width);
  rows.forEach((row, i) => flat.set(row, i * width));
  return flat;
}
