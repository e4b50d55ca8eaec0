/**
 * The machinery of a NeuralNet: the guarded training loop, predictions and state, over an engine
 * (./engine) that holds the weights: TensorFlow.js, or the dense SIMD kernels for plain MLPs.
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
import { loadScalars } from '../learners/state-arrays';
import type { Random } from '../random';
import { createRandom } from '../random';
import type { NormalizedConfig } from './config';
import { classCountOf } from './config';
import { createDenseEngine, denseEngineFits } from './dense/dense-engine';
import type { EngineChoice, EngineName, NetEngine } from './engine';
import type { InputLayout } from './examples';
import { checkLabel, toFeatures } from './examples';
import type { Example, ReplayBuffer } from './replay';
import { createReplayBuffer } from './replay';
import { BACKEND_ENV } from './tensorflow';
import { TfjsEngine } from './tfjs-engine';

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
  /**
   * What this net computes on: `dense-simd` for a plain dense MLP (see ./engine), else the tfjs backend
   * (cpu when the default lacks one of its gradients).
   */
  readonly backend: EngineName;
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

/** The engine for `config`: both start from the same seeded tfjs initialisation (see {@link EngineChoice}). */
function createEngine(config: NormalizedConfig, nextSeed: () => number, choice: EngineChoice): NetEngine {
  const tfjs = new TfjsEngine(config, nextSeed);
  const backendRequested = (process.env[BACKEND_ENV] ?? '') !== '';
  if (choice === 'tfjs' || backendRequested || !denseEngineFits(config)) return tfjs;
  try {
    return createDenseEngine(config, tfjs.read());
  } finally {
    tfjs.dispose();
  }
}

/** A net and its training; as such a regressor, which `NeuralClassifierNet` extends. */
export class NeuralNetCore implements NeuralRegressor {
  readonly kind = NEURAL_NET_KIND;
  readonly backend: EngineName;
  protected readonly outputUnits: number;
  private readonly engine: NetEngine;
  private readonly layout: InputLayout;
  private random: Random;
  private readonly replay: ReplayBuffer | null;
  private cutShort = 0;

  /** Null for a regressor. */
  protected readonly classCount: number | null;

  constructor(
    private readonly config: NormalizedConfig,
    engine: EngineChoice = 'auto',
  ) {
    this.classCount = classCountOf(config);
    this.random = createRandom(config.seed);
    const nextSeed = (): number => this.random.nextInt(2 ** 31);
    this.engine = createEngine(config, nextSeed, engine);
    this.backend = this.engine.name;
    const last = config.layers[config.layers.length - 1];
    // The config check made the output a dense layer.
    this.outputUnits = last.type === 'dense' ? last.units : 1;
    const first = config.layers[0];
    this.layout = {
      width: config.inputShape.reduce((a, b) => a * b, 1),
      vocabulary: first.type === 'embedding' ? first.inputDim : null,
    };
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
    const arrays: Record<string, TypedArray> = this.engine.read();
    arrays[STEPS_KEY] = Float64Array.of(this.engine.steps);
    const config = structuredClone(this.config) as unknown as JsonObject;
    return { kind: this.kind, version: STATE_VERSION, config, arrays };
  }

  /** Overwrites weights and optimizer state with those of `arrays` (from `state()`). */
  load(arrays: Record<string, TypedArray>): void {
    this.engine.write(arrays);
    this.engine.steps = loadScalars(arrays, STEPS_KEY, 1)[0];
  }

  dispose(): void {
    this.engine.dispose();
  }

  /** The raw outputs, row-major `xs.length × outputUnits`. */
  protected outputs(xs: readonly FeatureVector[]): Float32Array {
    if (xs.length === 0) return new Float32Array(0);
    return this.engine.outputs(xs.map((x, i) => toFeatures(x, this.layout, `input ${i} of the prediction`)));
  }

  private train(pending: Pending[], passes: number, stepSize: number, batch: string): TrainReport {
    // The call's randomness depends on the seed and the steps taken only; a checkpoint stores both, so a
    // restored net shuffles and drops out as the original would have.
    this.random = createRandom((this.config.seed ^ Math.imul(this.engine.steps + 1, 0x9e3779b1)) >>> 0);
    const replayed = this.replay?.draw(pending.length, this.random) ?? [];
    const report = this.passes(pending, replayed, passes, stepSize, batch);
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
        const result = this.engine.step(examples);
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

  private report(steps: number, sums: StepSums, error: NonFiniteError | null): TrainReport {
    const metrics = Object.fromEntries(this.config.metrics.map((name, k) => [name, sums.metrics[k] / sums.examples]));
    return { steps, loss: sums.loss / sums.examples, metrics, error };
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

/** `out`, checked to have room for `length` values, or a new array. */
export function checkedOut(out: Float64Array | undefined, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length < length) {
    throw new DecodeError('SCHEMA', `NeuralNet: output array has ${out.length} entries, needs ${length}`);
  }
  return out;
}
