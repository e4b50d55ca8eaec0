/**
 * `healthProblem` decides whether a state may be published (issue 11: no checkpoint with exploded weights
 * or a non-finite metric); `snapshotSlot` is the rollback point a divergence returns to.
 */
import '../../../src/builtins';
import { createRmse } from '../../../src/evaluation';
import type { Metric } from '../../../src/evaluation/metric';
import type { ModelState } from '../../../src/state';
import { newSlot } from '../../../src/topology/restore';
import { DEFAULT_MAX_ABS_WEIGHT, healthProblem, snapshotSlot } from '../../../src/topology/slot-health';
import { regressionTopology } from './harness';

const stateOf = (arrays: Record<string, number[]>): ModelState => ({
  kind: 'LinearRegression',
  version: 1,
  config: {},
  arrays: Object.fromEntries(Object.entries(arrays).map(([key, values]) => [key, Float64Array.from(values)])),
});

/** A metric whose value and state are given. */
const metricOf = (value: number, arrays: Record<string, number[]> = {}): Metric =>
  ({
    kind: 'Fixed',
    needs: 'value',
    update: () => undefined,
    get: () => value,
    count: () => 1,
    state: () => stateOf(arrays),
  }) as unknown as Metric;

describe('healthProblem', () => {
  it('passes weights up to the bound, either sign, and names the first array and index beyond it', () => {
    expect(healthProblem(stateOf({ w: [1e100, -1e100, 0] }), {})).toBeNull();
    expect(healthProblem(stateOf({ w: [3, -3] }), {}, 3)).toBeNull();
    expect(healthProblem(stateOf({ ok: [1], w: [0, 3.5, 9] }), {}, 3)).toBe('LinearRegression array "w"[1] is 3.5, beyond ±3');
    expect(healthProblem(stateOf({ w: [0, -4] }), {}, 3)).toBe('LinearRegression array "w"[1] is -4, beyond ±3');
    expect(healthProblem(stateOf({ w: [2e100] }), {})).toBe(`LinearRegression array "w"[0] is 2e+100, beyond ±${DEFAULT_MAX_ABS_WEIGHT}`);
    expect(healthProblem(stateOf({ w: [NaN] }), {})).toBe('LinearRegression array "w"[0] is NaN, beyond ±1e+100');
    expect(healthProblem(stateOf({ w: [0, 0, -Infinity] }), {})).toBe('LinearRegression array "w"[2] is -Infinity, beyond ±1e+100');
    expect(healthProblem(stateOf({}), {})).toBeNull();
  });

  it('takes a metric of ±Infinity or with a non-finite state as unhealthy, and an undefined (NaN) or huge finite one as healthy', () => {
    const weights = stateOf({ w: [1] });
    expect(healthProblem(weights, { a: metricOf(NaN), b: metricOf(1e300, { sums: [1e300, Number.MAX_VALUE] }) })).toBeNull();
    expect(healthProblem(weights, { ok: metricOf(1), loss: metricOf(Infinity) })).toBe('metric loss is Infinity');
    expect(healthProblem(weights, { loss: metricOf(-Infinity) })).toBe('metric loss is -Infinity');
    expect(healthProblem(weights, { ok: metricOf(1, { sums: [1] }), rmse: metricOf(2, { position: [1], sums: [3, Infinity] }) })).toBe(
      'metric rmse state "sums" is not finite',
    );
    expect(healthProblem(weights, { rmse: metricOf(2, { sums: [NaN] }) })).toBe('metric rmse state "sums" is not finite');
    // Weights are judged before metrics.
    expect(healthProblem(stateOf({ w: [Infinity] }), { loss: metricOf(Infinity) })).toMatch(/^LinearRegression array "w"\[0\]/);
  });

  it('judges a real metric by its state', () => {
    const rmse = createRmse();
    rmse.update(1, 2);
    expect(healthProblem(stateOf({ w: [1] }), { rmse })).toBeNull();
  });
});

describe('snapshotSlot', () => {
  it('copies the model, metric states, label bounds, examples and importances: later learning does not change it', () => {
    const topology = regressionTopology();
    const slot = newSlot(topology, 'm');
    slot.model.learnOne({ x0: 1, x1: 2 }, 3);
    slot.metrics.rmse.update(3, 1);
    slot.examplesSeen = 7;
    const snapshot = snapshotSlot(slot);
    const weights = Array.from(snapshot.state.arrays['model/weights']);
    expect(weights).toEqual(Array.from(slot.model.state().arrays['model/weights']));
    expect(snapshot.examplesSeen).toBe(7);
    expect(snapshot.importance).toBeNull();
    expect(snapshot.labels).toEqual(slot.labelGuard.state());
    expect(Object.keys(snapshot.metrics).sort()).toEqual(['mae', 'rmse', 'rollingRmse']);
    const before = JSON.stringify(snapshot.metrics);
    slot.model.learnOne({ x0: 5, x1: -2 }, 40);
    slot.metrics.rmse.update(40, 1);
    slot.examplesSeen = 8;
    expect(Array.from(snapshot.state.arrays['model/weights'])).toEqual(weights);
    expect(JSON.stringify(snapshot.metrics)).toBe(before);
    expect(snapshot.examplesSeen).toBe(7);
  });
});
