/**
 * The conformance suite every learner passes: `runConformance(cases)` inside a test file. A new learner
 * plugs in by adding a case (see conformance.test.ts).
 */
import '../../../src/builtins';
import { CheckpointError, ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import type { BatchMode, Classifier, Estimator, FeatureVector, JsonObject, LearnerState } from '../../../src/learners';
import { fromState, isRowLearner, isSparse, rowViews } from '../../../src/learners';
import { FeatureBatch } from '../../../src/features/feature-batch';
import { errorOf } from '../../support/error-of';

export interface ConformanceCase {
  name: string;
  /** A fresh learner; `overrides` go into its config. */
  create(overrides?: { batchMode?: BatchMode; maxIter?: number }): Estimator;
  /** Seeded valid examples. */
  data(seed: number, n: number): { xs: FeatureVector[]; ys: number[] };
  /** A finite label outside the learner's domain; omitted for regression. */
  invalidLabel?: number;
  /** False when the learner's settings are per-example only, so that minibatch mode must be refused. */
  supportsMinibatch: boolean;
  /** The state array holding the learned weights; default `'weights'`. */
  weightArray?: string;
  /** Config fields that make a stored state invalid; default `{ stepSize: -1 }`. */
  invalidConfig?: JsonObject;
  /** The learner offers the fused `predictThenLearnOne` (and `predictProbaThenLearnOne` if a classifier). */
  fusedSteps?: boolean;
}

function isClassifier(learner: Estimator): learner is Classifier {
  return 'predictProbaOne' in learner;
}

/** A state as it comes back from a checkpoint: config through JSON, arrays copied. */
function throughCheckpoint(state: LearnerState): LearnerState {
  const arrays: LearnerState['arrays'] = {};
  for (const [key, value] of Object.entries(state.arrays)) arrays[key] = value.slice();
  return { ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })), arrays };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expectSameState(a: Estimator, b: Estimator): void {
  expectSameArrays(a.state(), b.state());
}

function expectSameArrays(left: LearnerState, right: LearnerState): void {
  expect(Object.keys(right.arrays).sort()).toEqual(Object.keys(left.arrays).sort());
  for (const key of Object.keys(left.arrays)) {
    expect({ key, values: Array.from(right.arrays[key]) }).toEqual({ key, values: Array.from(left.arrays[key]) });
  }
}

/** A copy of `x` with the value at `position` replaced. */
function corrupt(x: FeatureVector, position: number, value: number): { x: FeatureVector; feature: number } {
  if (isSparse(x)) {
    const values = Float64Array.from(x.values);
    values[position] = value;
    return { x: { indices: x.indices, values }, feature: x.indices[position] };
  }
  const copy = Float64Array.from(x);
  copy[position] = value;
  return { x: copy, feature: position };
}

function describeError(action: () => void): { type: string; message: string } {
  const err = errorOf(action);
  return { type: err.constructor.name, message: err.message };
}

/** The fused steps of a learner that must offer them. */
function fusedSteps(learner: Estimator) {
  const { predictThenLearnOne } = learner;
  if (predictThenLearnOne === undefined) throw new Error(`${learner.kind} offers no predictThenLearnOne`);
  const predictProbaThenLearnOne = isClassifier(learner) ? learner.predictProbaThenLearnOne : undefined;
  if (isClassifier(learner) && predictProbaThenLearnOne === undefined) throw new Error(`${learner.kind} offers no predictProbaThenLearnOne`);
  return {
    predictThenLearn: (x: FeatureVector, y: number) => predictThenLearnOne.call(learner, x, y),
    probaThenLearn: (x: FeatureVector, y: number, out?: Float64Array) => predictProbaThenLearnOne?.call(learner, x, y, out),
  };
}

export function runConformance(cases: readonly ConformanceCase[]): void {
  describe.each(cases.map((c) => [c.name, c] as const))('%s conforms', (_name, spec) => {
    const weights = spec.weightArray ?? 'weights';
    const train = spec.data(1, 60);
    const holdout = spec.data(2, 25);

    test('predictions have the documented shapes', () => {
      const learner = spec.create();
      learner.learnMany(train.xs, train.ys);
      const many = learner.predictMany(holdout.xs);
      expect(many).toBeInstanceOf(Float64Array);
      expect(many).toHaveLength(holdout.xs.length);
      holdout.xs.forEach((x, i) => {
        expect(Number.isFinite(many[i])).toBe(true);
        expect(learner.predictOne(x)).toBe(many[i]);
      });
      const out = new Float64Array(holdout.xs.length);
      expect(learner.predictMany(holdout.xs, out)).toBe(out);
      if (!isClassifier(learner)) return;
      const k = learner.numClasses;
      const rows = learner.predictProbaMany(holdout.xs);
      expect(rows).toHaveLength(holdout.xs.length * k);
      holdout.xs.forEach((x, i) => {
        const proba = learner.predictProbaOne(x);
        expect(proba).toHaveLength(k);
        expect(Array.from(rows.subarray(i * k, (i + 1) * k))).toEqual(Array.from(proba));
        expect(proba.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        for (const p of proba) expect(p >= 0 && p <= 1).toBe(true);
        expect(Number.isInteger(many[i]) && many[i] >= 0 && many[i] < k).toBe(true);
        expect(proba[many[i]]).toBe(Math.max(...proba));
      });
    });

    test('state survives a checkpoint round trip: same predictions, same learning afterwards', () => {
      const learner = spec.create();
      learner.learnMany(train.xs, train.ys);
      const state = learner.state();
      const restored = fromState(throughCheckpoint(state));
      expect(restored.kind).toBe(learner.kind);
      expect(Array.from(restored.predictMany(holdout.xs))).toEqual(Array.from(learner.predictMany(holdout.xs)));
      const more = spec.data(3, 30);
      learner.learnMany(more.xs, more.ys);
      restored.learnMany(more.xs, more.ys);
      expectSameState(learner, restored);
      expect(Array.from(restored.predictMany(holdout.xs))).toEqual(Array.from(learner.predictMany(holdout.xs)));
      // The exported arrays were copies: learning did not change them.
      expect(Array.from(state.arrays[weights])).toEqual(Array.from(fromState(throughCheckpoint(state)).state().arrays[weights]));
      expect(Array.from(state.arrays[weights])).not.toEqual(Array.from(learner.state().arrays[weights]));
    });

    test('fromState rejects a state that does not fit', () => {
      const state = throughCheckpoint(spec.create().state());
      expect(() => fromState({ ...state, kind: 'NoSuchLearner' })).toThrow(CheckpointError);
      expect(() => fromState({ ...state, version: state.version + 1 })).toThrow(CheckpointError);
      const truncated = { ...state, arrays: { ...state.arrays, [weights]: state.arrays[weights].slice(1) } };
      expect(() => fromState(truncated)).toThrow(new RegExp(escapeRegExp(weights)));
      const missing = { ...state, arrays: { ...state.arrays } };
      delete missing.arrays[weights];
      expect(() => fromState(missing)).toThrow(CheckpointError);
      const invalidConfig = spec.invalidConfig ?? { stepSize: -1 };
      expect(() => fromState({ ...state, config: { ...state.config, ...invalidConfig } })).toThrow(CheckpointError);
    });

    test('sequential learnMany is bit-identical to learnOne loops, maxIter passes in order', () => {
      const batched = spec.create({ batchMode: 'sequential', maxIter: 2 });
      const looped = spec.create({ batchMode: 'sequential', maxIter: 2 });
      batched.learnMany(train.xs.slice(0, 30), train.ys.slice(0, 30));
      batched.learnMany(train.xs.slice(30), train.ys.slice(30));
      for (const [from, to] of [
        [0, 30],
        [30, 60],
      ]) {
        for (let pass = 0; pass < 2; pass++) for (let i = from; i < to; i++) looped.learnOne(train.xs[i], train.ys[i]);
      }
      expectSameState(batched, looped);
    });

    if (spec.supportsMinibatch) {
      test('minibatch: one averaged step per pass; a batch of one equals learnOne', () => {
        const single = spec.create({ batchMode: 'minibatch' });
        const reference = spec.create();
        single.learnMany([train.xs[0]], [train.ys[0]]);
        reference.learnOne(train.xs[0], train.ys[0]);
        expectSameState(single, reference);
        // Both copies see the same weights, so their average gradient is the example's own gradient.
        const doubled = spec.create({ batchMode: 'minibatch' });
        doubled.learnMany([train.xs[0], train.xs[0]], [train.ys[0], train.ys[0]]);
        expectSameState(doubled, reference);
      });

      test('minibatch: the order of examples within a micro-batch does not matter', () => {
        const forward = spec.create({ batchMode: 'minibatch', maxIter: 3 });
        const backward = spec.create({ batchMode: 'minibatch', maxIter: 3 });
        forward.learnMany(train.xs, train.ys);
        backward.learnMany([...train.xs].reverse(), [...train.ys].reverse());
        const a = forward.predictMany(holdout.xs);
        const b = backward.predictMany(holdout.xs);
        a.forEach((value, i) => expect(b[i]).toBeCloseTo(value, 10));
        // Sequential learning, by contrast, depends on the order.
        const sequentialForward = spec.create({ maxIter: 3 });
        const sequentialBackward = spec.create({ maxIter: 3 });
        sequentialForward.learnMany(train.xs, train.ys);
        sequentialBackward.learnMany([...train.xs].reverse(), [...train.ys].reverse());
        expect(sequentialBackward.state().arrays[weights]).not.toEqual(sequentialForward.state().arrays[weights]);
      });
    } else {
      test('minibatch mode is refused at construction', () => {
        expect(() => spec.create({ batchMode: 'minibatch' })).toThrow(ConfigError);
      });
    }

    test('reads feature-batch rows in place (RowLearner) as it reads their views, bit for bit', () => {
      const modes: Array<{ batchMode?: BatchMode; maxIter?: number }> = [
        {},
        { maxIter: 2 },
        ...(spec.supportsMinibatch ? [{ batchMode: 'minibatch' as const }] : []),
      ];
      for (const mode of modes) {
        const inPlace = spec.create(mode);
        if (!isRowLearner(inPlace)) return; // the runtime hands the others views of the same rows
        const viewed = spec.create(mode);
        const batch = new FeatureBatch();
        for (let start = 0; start < train.xs.length; start += 20) {
          batch.clear();
          const xs = train.xs.slice(start, start + 20);
          // Rows a stage dropped sit between the kept ones.
          xs.forEach((x, i) => {
            if (i % 7 === 3) batch.add(null);
            batch.add(x);
          });
          const rows = batch.rows();
          const views = rowViews(rows);
          expect(views.map((v) => Array.from(isSparse(v) ? v.values : v))).toEqual(xs.map((x) => Array.from(isSparse(x) ? x.values : x)));
          const ys = train.ys.slice(start, start + 20);
          const labels = new Float64Array(rows.count);
          const classes = isClassifier(viewed) ? viewed.numClasses : 0;
          const probabilities = classes > 0 ? new Float64Array(rows.count * classes) : undefined;
          inPlace.predictRows(rows, labels, probabilities);
          expect({ mode, labels: Array.from(labels) }).toEqual({ mode, labels: Array.from(viewed.predictMany(views)) });
          if (isClassifier(viewed)) expect({ mode, p: Array.from(probabilities!) }).toEqual({ mode, p: Array.from(viewed.predictProbaMany(views)) });
          inPlace.learnRows(rows, ys, 'b');
          viewed.learnMany(views, ys, 'b');
          expectSameState(inPlace, viewed);
        }
        // A bad row: the same error, naming the same example.
        batch.clear();
        batch.add(train.xs[0]);
        batch.add(corrupt(train.xs[1], 0, Number.NaN).x);
        const views = rowViews(batch.rows());
        expect(describeError(() => inPlace.learnRows(batch.rows(), train.ys.slice(0, 2), 'b'))).toEqual(
          describeError(() => viewed.learnMany(views, train.ys.slice(0, 2), 'b')),
        );
        expect(describeError(() => inPlace.predictRows(batch.rows(), new Float64Array(2)))).toEqual(describeError(() => viewed.predictMany(views)));
        expectSameState(inPlace, viewed);
      }
    });

    if (spec.fusedSteps) {
      test('predictThenLearnOne is predictOne then learnOne, bit for bit; predictProbaThenLearnOne likewise', () => {
        const fused = spec.create();
        const split = spec.create();
        const { predictThenLearn, probaThenLearn } = fusedSteps(fused);
        train.xs.forEach((x, i) => {
          const expected = split.predictOne(x);
          split.learnOne(x, train.ys[i]);
          expect({ i, prediction: predictThenLearn(x, train.ys[i]) }).toEqual({ i, prediction: expected });
        });
        expectSameState(fused, split);
        if (!isClassifier(split)) return;
        const out = new Float64Array(split.numClasses);
        holdout.xs.forEach((x, i) => {
          const expected = Array.from(split.predictProbaOne(x));
          split.learnOne(x, holdout.ys[i]);
          expect(probaThenLearn(x, holdout.ys[i], out)).toBe(out);
          expect({ i, probabilities: Array.from(out) }).toEqual({ i, probabilities: expected });
        });
        expect(Array.from(probaThenLearn(holdout.xs[0], holdout.ys[0]) ?? [])).toHaveLength(split.numClasses);
        split.learnOne(holdout.xs[0], holdout.ys[0]);
        expectSameState(fused, split);
      });

      test('the fused steps throw what predicting then learning throws, learning nothing', () => {
        const learner = spec.create();
        learner.learnMany(train.xs.slice(0, 10), train.ys.slice(0, 10));
        const before = learner.state();
        const { predictThenLearn, probaThenLearn } = fusedSteps(learner);
        const x = train.xs[0];
        const { x: badX } = corrupt(x, 0, Number.NaN);
        const predictError = describeError(() => learner.predictOne(badX));
        const labelError = describeError(() => learner.learnOne(x, Number.NaN));
        expect(predictError.type).toBe('NonFiniteError');
        expect(labelError.type).toBe('NonFiniteError');
        expect(describeError(() => predictThenLearn(badX, train.ys[0]))).toEqual(predictError);
        expect(describeError(() => predictThenLearn(x, Number.NaN))).toEqual(labelError);
        if (isClassifier(learner)) {
          expect(describeError(() => probaThenLearn(badX, train.ys[0]))).toEqual(predictError);
          expect(describeError(() => probaThenLearn(x, Number.NaN))).toEqual(labelError);
        }
        if (spec.invalidLabel !== undefined) {
          const invalid = spec.invalidLabel;
          expect(describeError(() => predictThenLearn(x, invalid))).toEqual(describeError(() => learner.learnOne(x, invalid)));
        }
        expectSameArrays(before, learner.state());
      });
    }

    test('non-finite and malformed input is rejected, naming where, and changes nothing', () => {
      const learner = spec.create();
      learner.learnMany(train.xs.slice(0, 10), train.ys.slice(0, 10));
      const before = learner.state();
      const x = train.xs[0];
      const position = isSparse(x) ? x.values.length - 1 : x.length - 1;
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const { x: badX, feature } = corrupt(x, position, bad);
        const err = errorOf(() => learner.learnOne(badX, train.ys[0]));
        expect(err).toBeInstanceOf(NonFiniteError);
        expect(err.message).toContain(`feature ${feature} is ${bad}`);
        expect(() => learner.predictOne(badX)).toThrow(NonFiniteError);
      }
      const { x: badX, feature } = corrupt(x, position, Number.NaN);
      const inBatch = errorOf(() => learner.learnMany([x, x, badX], train.ys.slice(0, 3), 'orders/3@1200'));
      expect(inBatch).toBeInstanceOf(NonFiniteError);
      expect(inBatch.message).toContain(`feature ${feature} is NaN in example 2 of batch 'orders/3@1200'`);
      const labelError = errorOf(() => learner.learnOne(x, Number.NaN));
      expect(labelError).toBeInstanceOf(NonFiniteError);
      expect(labelError.message).toContain('label is NaN');
      if (spec.invalidLabel !== undefined) {
        const invalid = errorOf(() => learner.learnOne(x, spec.invalidLabel as number));
        expect(invalid).toBeInstanceOf(DecodeError);
        expect((invalid as DecodeError).code).toBe('SCHEMA');
      }
      const misfit: FeatureVector = isSparse(x) ? { indices: Int32Array.of(2 ** 30), values: Float64Array.of(1) } : new Float64Array(x.length + 1);
      expect(() => learner.learnOne(misfit, train.ys[0])).toThrow(DecodeError);
      expect(() => learner.learnMany([x], [])).toThrow(DecodeError);
      // Sequential learnMany had learned examples 0 and 1 before example 2 failed.
      const afterBatch = spec.create();
      afterBatch.learnMany(train.xs.slice(0, 10), train.ys.slice(0, 10));
      afterBatch.learnMany([x, x], train.ys.slice(0, 2));
      expectSameState(learner, afterBatch);
      expect(before.arrays[weights]).not.toEqual(learner.state().arrays[weights]);
    });
  });
}
