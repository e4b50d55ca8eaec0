/**
 * The machinery of a NeuralNet: building, the guarded training loop, predictions and state.
 *
 * - Inputs are dense vectors of `product(inputShape)` features, reshaped to `inputShape`; sparse vectors
 *   are densified. A net starting with an embedding takes token ids (integers) as its features.
 * - `learnMany` splits the micro-batch (plus any replayed examples, shuffled in) into steps of
 *   `batchSize`, and makes `epochsPerBatch` passes. `learnOne` takes exactly one step, on the example
 *   and its replayed companions, whatever `batchSize` and `epochsPerBatch` are.
 * - Examples are checked when their step comes: a bad one throws (DecodeError, NonFiniteError naming
 *   it) and its step is not taken; the steps before it are kept, as the estimator contract says.
 * - Every step is guarded: when it leaves the loss or any weight NaN or infinite, it is undone (weights,
 *   optimizer slots and step count), the rest of the micro-batch is skipped, `nonFiniteBatches` counts
 *   it, and the returned report carries a `NonFiniteError` (code NONFINITE) for the runtime to
 *   dead-letter the batch.
 * - `state()` stores the config, every weight (`layer0/kernel`, ...), the optimizer's slots
 *   (`optimizer/layer0/kernel/m`, ...) and its step count, from which the randomness of the next call
 *   derives: a restored net learns exactly as the original would, except that its replay buffer
 *   (not stored) starts empty.
 */

import { DecodeError, NonFiniteError } from '../errors';
import type { Estimator, FeatureVector, JsonObject, LearnerState, TypedArray } from '../learners/estimator';
import { loadArray, loadScalars } from '../learners/state-arrays';
import type { Random } from '../random';
import { createRandom } from '../random';
import type { NormalizedConfig } from './config';
import { classCountOf } from './config';
import type { InputLayout } from './examples';
import { checkLabel, toFeatures } from './examples';
import { gradientKernels } from './layers';
import type { BuiltModel } from './model';
import { buildModel } from './model';
import { encodeTargets, lossObjective, metricObjective } from './objectives';
import { SlotOptimizer } from './optimizers';
import type { Example, ReplayBuffer } from './replay';
import { createReplayBuffer } from './replay';
import type { BackendName } from './tensorflow';
import { onBackend, tf, trainingBackend } from './tensorflow';
import type { StepParts, StepResult } from './train-step';
import { trainStep } from './train-step';

export const NEURAL_NET_KIND = 'NeuralNet';
export const STATE_VERSION = 1;
const STEPS_KEY = 'optimizer/steps';

/** What one `learnOne`/`learnMany` call did. */
export interface TrainReport {
  /** Gradient steps taken (and kept). */
  steps: number;
  /** Mean loss over the last pass, weighted by examples per step; NaN when no step was kept. */
  loss: number;
  /** The configured metrics, averaged like `loss`, over the training-mode forward passes. */
  metrics: Record<string, number>;
  /** Set when a step went non-finite: that step was undone and the rest of the micro-batch skipped. */
  error: NonFiniteError | null;
}

export interface NeuralRegressor extends Estimator {
  /** The tfjs backend this net computes on (cpu when the default lacks one of its gradients). */
  readonly backend: BackendName;
  /** Micro-batches (or learnOne calls) cut short by the finite guard so far. */
  readonly nonFiniteBatches: number;
  learnOne(x: FeatureVector, y: number): TrainReport;
  learnMany(xs: readonly FeatureVector[], ys: ArrayLike<number>, batchLabel?: string): TrainReport;
  /** Releases the net's tensors; the net is unusable afterwards. */
  dispose(): void;
}

/** An example of the micro-batch at hand; `checked` once its first step has come. */
interface Pending {
  x: FeatureVector;
  y: number;
  where: string;
  checked?: Example;
}

/** Example-weighted sums over the steps of the current pass. */
interface StepSums {
  examples: number;
  loss: number;
  metrics: Float64Array;
}

/** The batch, as error messages name it. */
function batchName(batchLabel: string | undefined): string {
  return batchLabel === undefined ? 'the batch' : `batch '${batchLabel}'`;
}

/** A net and its training; as such a regressor, which `NeuralClassifierNet` extends. */
export class NeuralNetCore implements NeuralRegressor {
  readonly kind = NEURAL_NET_KIND;
  readonly backend: BackendName;
  protected readonly outputUnits: number;
  private readonly built: BuiltModel;
  private readonly optimizer: SlotOptimizer;
  private readonly parts: StepParts;
  private readonly layout: InputLayout;
  private random: Random;
  private readonly replay: ReplayBuffer | null;
  /** What a non-finite step rolls back: every weight and optimizer slot. */
  private readonly guarded: tf.Variable[];
  private cutShort = 0;

  /** Null for a regressor. */
  protected readonly classCount: number | null;

  constructor(private readonly config: NormalizedConfig) {
    this.classCount = classCountOf(config);
    this.backend = trainingBackend(gradientKernels(config.layers));
    this.random = createRandom(config.seed);
    const nextSeed = (): number => this.random.nextInt(2 ** 31);
    this.built = onBackend(this.backend, () => buildModel(config, nextSeed));
    this.outputUnits = this.built.outputUnits;
    this.optimizer = onBackend(this.backend, () => new SlotOptimizer(config.optimizer, this.built.trainable));
    this.parts = {
      model: this.built.model,
      optimizer: this.optimizer,
      trainable: this.built.trainable.map((w) => w.variable),
      weights: this.built.weights.map((w) => w.variable),
      loss: lossObjective(config.loss),
      metrics: config.metrics.map((metric) => metricObjective(metric, config.loss)),
      globalClipNorm: config.optimizer.globalClipNorm,
    };
    const first = config.layers[0];
    this.layout = {
      width: config.inputShape.reduce((a, b) => a * b, 1),
      vocabulary: first.type === 'embedding' ? first.inputDim : null,
    };
    this.guarded = [...this.parts.weights, ...this.optimizer.slots.map((slot) => slot.variable)];
    this.replay = config.replay === null ? null : createReplayBuffer(config.replay);
  }

  get nonFiniteBatches(): number {
    return this.cutShort;
  }

  learnOne(x: FeatureVector, y: number): TrainReport {
    return this.train([{ x, y, where: 'the example' }], 1, Number.POSITIVE_INFINITY, 'the example');
  }

  learnMany(xs: readonly FeatureVector[], ys: ArrayLike<number>, batchLabel?: string): TrainReport {
    const batch = batchName(batchLabel);
    if (xs.length !== ys.length) {
      throw new DecodeError('SCHEMA', `NeuralNet: ${xs.length} feature vectors but ${ys.length} labels in ${batch}`);
    }
    const pending = xs.map((x, i) => ({ x, y: ys[i], where: `example ${i} of ${batch}` }));
    return this.train(pending, this.config.epochsPerBatch, this.config.batchSize, batch);
  }

  predictOne(x: FeatureVector): number {
    return this.outputs([x])[0];
  }

  predictMany(xs: readonly FeatureVector[], out?: Float64Array): Float64Array {
    const target = checkedOut(out, xs.length);
    target.set(this.outputs(xs));
    return target;
  }

  state(): LearnerState {
    const arrays: Record<string, TypedArray> = {};
    onBackend(this.backend, () => {
      for (const { name, variable } of [...this.built.weights, ...this.optimizerSlots()]) {
        arrays[name] = Float32Array.from(variable.dataSync());
      }
    });
    arrays[STEPS_KEY] = Float64Array.of(this.optimizer.steps);
    const config = structuredClone(this.config) as unknown as JsonObject;
    return { kind: this.kind, version: STATE_VERSION, config, arrays };
  }

  /** Overwrites weights and optimizer state with those of `arrays` (from `state()`). */
  load(arrays: Record<string, TypedArray>): void {
    onBackend(this.backend, () => {
      for (const { name, variable } of [...this.built.weights, ...this.optimizerSlots()]) {
        const values = new Float32Array(variable.size);
        loadArray(arrays, name, values);
        tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
      }
    });
    this.optimizer.steps = loadScalars(arrays, STEPS_KEY, 1)[0];
  }

  dispose(): void {
    onBackend(this.backend, () => {
      this.built.model.dispose();
      this.optimizer.dispose();
    });
  }

  /** The raw outputs, row-major `xs.length × outputUnits`. */
  protected outputs(xs: readonly FeatureVector[]): Float32Array {
    if (xs.length === 0) return new Float32Array(0);
    const rows = xs.map((x, i) => toFeatures(x, this.layout, `input ${i} of the prediction`));
    return onBackend(this.backend, () =>
      tf.tidy(() => {
        const input = tf.tensor(concatRows(rows), [rows.length, ...this.config.inputShape]);
        return (this.built.model.apply(input, { training: false }) as tf.Tensor).dataSync() as Float32Array;
      }),
    );
  }

  private optimizerSlots(): { name: string; variable: tf.Variable }[] {
    return this.optimizer.slots.map(({ name, variable }) => ({ name: `optimizer/${name}`, variable }));
  }

  private train(pending: Pending[], passes: number, stepSize: number, batch: string): TrainReport {
    // The call's randomness depends on the seed and the steps taken only; a checkpoint stores both, so a
    // restored net shuffles and drops out as the original would have.
    this.random = createRandom((this.config.seed ^ Math.imul(this.optimizer.steps + 1, 0x9e3779b1)) >>> 0);
    const replayed = this.replay?.draw(pending.length, this.random) ?? [];
    const report = onBackend(this.backend, () => this.passes(pending, replayed, passes, stepSize, batch));
    // A micro-batch cut short is dead-lettered by the runtime, so it is not replayed either.
    if (report.error === null) for (const example of pending) this.replay?.add(this.checked(example), this.random);
    return report;
  }

  /** Checks an example when its first step comes, so that a bad one fails its step and those before are kept. */
  private checked(example: Pending): Example {
    example.checked ??= {
      x: toFeatures(example.x, this.layout, example.where),
      y: checkLabel(example.y, this.classCount, example.where),
    };
    return example.checked;
  }

  private passes(pending: Pending[], replayed: Example[], passes: number, stepSize: number, batch: string): TrainReport {
    const exampleAt = (i: number): Example => (i < pending.length ? this.checked(pending[i]) : replayed[i - pending.length]);
    const total = pending.length + replayed.length;
    const sums = { examples: 0, loss: 0, metrics: new Float64Array(this.config.metrics.length) };
    let steps = 0;
    for (let pass = 0; pass < passes; pass++) {
      const order = this.config.shuffle ? this.shuffled(total) : Array.from({ length: total }, (_, i) => i);
      sums.examples = 0;
      sums.loss = 0;
      sums.metrics.fill(0);
      for (let start = 0; start < total; start += stepSize) {
        const examples = order.slice(start, start + stepSize).map(exampleAt);
        const result = this.guardedStep(examples);
        if (result === null) {
          this.cutShort++;
          const error = new NonFiniteError(
            `NeuralNet: step ${steps + 1} (pass ${pass + 1}) on ${batch} made the loss or weights non-finite; ` +
              'the step was undone and the rest of the micro-batch skipped',
          );
          return this.report(steps, sums, error);
        }
        steps++;
        sums.examples += examples.length;
        sums.loss += result.loss * examples.length;
        result.metrics.forEach((m, k) => (sums.metrics[k] += m * examples.length));
      }
    }
    return this.report(steps, sums, null);
  }

  /** One step, undone (weights, optimizer slots and step count) when it leaves the loss or a weight non-finite. */
  private guardedStep(examples: Example[]): StepResult | null {
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
  }

  private report(steps: number, sums: StepSums, error: NonFiniteError | null): TrainReport {
    const metrics = Object.fromEntries(this.config.metrics.map((name, k) => [name, sums.metrics[k] / sums.examples]));
    return { steps, loss: sums.loss / sums.examples, metrics, error };
  }

  private tensors(batch: readonly Example[]): [tf.Tensor, tf.Tensor] {
    const x = tf.tensor(concatRows(batch.map((e) => e.x)), [batch.length, ...this.config.inputShape]);
    const targets = encodeTargets(this.config.loss, batch.map((e) => e.y), this.outputUnits);
    return [x, tf.tensor2d(targets, [batch.length, this.outputUnits])];
  }

  /** A seeded permutation of 0..n-1 (Fisher–Yates), as Keras shuffles each epoch. */
  private shuffled(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

function concatRows(rows: readonly Float32Array[]): Float32Array {
  const width = rows.length === 0 ? 0 : rows[0].length;
  const flat = new Float32Array(rows.length * width);
  rows.forEach((row, i) => flat.set(row, i * width));
  return flat;
}

/** `out`, checked to have room for `length` values, or a new array. */
export function checkedOut(out: Float64Array | undefined, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length < length) {
    throw new DecodeError('SCHEMA', `NeuralNet: output array has ${out.length} entries, needs ${length}`);
  }
  return out;
}

