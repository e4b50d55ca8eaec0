/**
 * Seeded trees and forests are reproducible bit for bit: the same stream and seed give the same state on
 * every run, and a model restored from a checkpoint (through the Arrow payload, as Kafka carries it)
 * predicts exactly what the original predicts and then learns identically — including after drifts, with
 * background trees and alternate subtrees in the checkpoint.
 */
import { arraysFromArrow, arraysToArrow } from '../../../src/checkpoints/arrow-arrays';
import type { LabelledRow } from '../../../src/datasets/tree-streams';
import { seaStream, take } from '../../../src/datasets/tree-streams';
import type { Estimator, LearnerState } from '../../../src/learners';
import { fromState } from '../../../src/learners';
import { createARFClassifier, createARFRegressor, createHoeffdingAdaptiveTreeClassifier, createHoeffdingAdaptiveTreeRegressor } from '../../../src/trees';
import { healthProblem } from '../../../src/topology/slot-health';
import { agrawalRows, friedmanRows } from './streams';
import '../../../src/builtins';

function throughArrow(state: LearnerState): LearnerState {
  const config = JSON.parse(JSON.stringify(state.config));
  return { kind: state.kind, version: state.version, config, arrays: arraysFromArrow(arraysToArrow(state.arrays)) };
}

function expectSameState(a: LearnerState, b: LearnerState): void {
  expect(Object.keys(b.arrays).sort()).toEqual(Object.keys(a.arrays).sort());
  for (const key of Object.keys(a.arrays)) {
    const same = a.arrays[key].length === b.arrays[key].length && a.arrays[key].every((v, i) => Object.is(v, b.arrays[key][i]));
    expect({ key, same }).toEqual({ key, same: true });
  }
}

function learn(model: Estimator, rows: readonly LabelledRow[]): Float64Array {
  const predictions = new Float64Array(rows.length);
  rows.forEach(({ x, y }, i) => {
    predictions[i] = model.predictOne(x);
    model.learnOne(x, y);
  });
  return predictions;
}

/** Learns `before`, checkpoints, restores, then learns `after` on both: same predictions, same state. */
function expectRestoreIdentical(create: () => Estimator, before: readonly LabelledRow[], after: readonly LabelledRow[]): LearnerState {
  const original = create();
  learn(original, before);
  const checkpoint = original.state();
  const restored = fromState(throughArrow(checkpoint));
  expectSameState(checkpoint, restored.state());
  expect(Array.from(learn(restored, after))).toEqual(Array.from(learn(original, after)));
  expectSameState(original.state(), restored.state());
  return checkpoint;
}

describe('seeded forests', () => {
  const rows = take(seaStream({ seed: 4, variants: [0, 2, 1, 3], driftEvery: 4000 }), 16_000);

  it('the same stream and seed give the same forest, bit for bit; another seed another forest', () => {
    const make = (seed: number) => createARFClassifier({ numFeatures: 3, numClasses: 2, numModels: 5, seed });
    const [a, b, c] = [make(7), make(7), make(8)];
    for (const model of [a, b, c]) learn(model, rows.slice(0, 6000));
    expectSameState(a.state(), b.state());
    expect(Array.from(c.state().arrays['tree0/nodes.stats'])).not.toEqual(Array.from(a.state().arrays['tree0/nodes.stats']));
  });

  it('a restored ARF classifier predicts and learns identically, with background trees in the checkpoint', () => {
    const create = () => createARFClassifier({ numFeatures: 3, numClasses: 2, numModels: 5, seed: 7 });
    // Find a point after a drift where some tree grows a background tree, so the checkpoint holds one.
    const probe = create();
    let at = -1;
    for (let i = 0; i < rows.length && at < 0; i++) {
      probe.learnOne(rows[i].x, rows[i].y);
      if (i % 100 === 99 && probe.state().arrays['forest.background'].some((flag) => flag === 1)) at = i + 1;
    }
    expect(at).toBeGreaterThan(0);
    const checkpoint = expectRestoreIdentical(create, rows.slice(0, at), rows.slice(at));
    expect(Object.keys(checkpoint.arrays).some((name) => name.startsWith('background'))).toBe(true);
  });

  it('a restored ARF regressor predicts and learns identically', () => {
    const data = friedmanRows(5, 6000);
    expectRestoreIdentical(() => createARFRegressor({ numFeatures: 10, numModels: 4, seed: 3 }), data.slice(0, 3000), data.slice(3000));
  });
});

describe('checkpoint health', () => {
  it('every array of a trained tree, adaptive tree and forest is finite, so the runtime can publish it', () => {
    // A generator position used to carry NaN ("no spare Gaussian"): every tree topology failed its health check.
    const rows = agrawalRows({ seed: 3, functionBefore: 0, functionAfter: 2, driftAt: 3000 }, 6000);
    const models = [
      createARFClassifier({ numFeatures: 9, numClasses: 2, seed: 1 }),
      createHoeffdingAdaptiveTreeClassifier({ numFeatures: 9, numClasses: 2 }),
      createHoeffdingAdaptiveTreeRegressor({ numFeatures: 9 }),
    ];
    for (const model of models) {
      rows.forEach(({ x, y }) => model.learnOne(x, y));
      expect(healthProblem(model.state(), {})).toBeNull();
    }
  });
});

describe('the adaptive tree', () => {
  it('restored mid-drift, with its node detectors and alternate subtrees, predicts and learns identically', () => {
    const rows = agrawalRows({ seed: 5, functionBefore: 0, functionAfter: 2, driftAt: 10_000 }, 24_000);
    const create = () => createHoeffdingAdaptiveTreeClassifier({ numFeatures: 9, numClasses: 2 });
    const probe = create();
    let at = -1;
    for (let i = 0; i < rows.length && at < 0; i++) {
      probe.learnOne(rows[i].x, rows[i].y);
      if (i > 10_000 && i % 100 === 99 && probe.state().arrays['nodes.alternate'].some((alt) => alt >= 0)) at = i + 1;
    }
    expect(at).toBeGreaterThan(0);
    expectRestoreIdentical(create, rows.slice(0, at), rows.slice(at));
  });

  it('as a regressor, restored with an alternate growing after a feature swap, predicts and learns identically', () => {
    const rows = friedmanRows(4, 16_000, 8000);
    const create = () => createHoeffdingAdaptiveTreeRegressor({ numFeatures: 10 });
    const probe = create();
    let at = -1;
    for (let i = 0; i < rows.length && at < 0; i++) {
      probe.learnOne(rows[i].x, rows[i].y);
      if (i > 8000 && i % 50 === 49 && probe.state().arrays['nodes.alternate'].some((alt) => alt >= 0)) at = i + 1;
    }
    expect(at).toBeGreaterThan(0);
    expectRestoreIdentical(create, rows.slice(0, at), rows.slice(at));
  });
});
