/** The runtime's drift watch, without a broker: what it feeds its detector, what it reports, what it restores. */
import { ConfigError } from '../../../src/errors';
import { formatDrift, parseDriftRecord, type DriftRecord } from '../../../src/topology/drift-record';
import { DriftWatch, readDriftExtra, resolveDriftWatch, watchFromCheckpoint } from '../../../src/topology/drift-watch';
import { defineTopology, topicsFor } from '../../../src/topology/topology';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { createRandom } from '../../../src/random';

const offsets = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));

/** Predictions right with probability 1 − errorRate (labels 0/1). */
function batch(rng: ReturnType<typeof createRandom>, n: number, errorRate: number) {
  const ys = Float64Array.from({ length: n }, () => rng.nextInt(2));
  const predictions = ys.map((y) => (rng.next() < errorRate ? 1 - y : y));
  return { ys, predictions };
}

describe('DriftWatch', () => {
  it('reports a rise of the prequential error with the offset of the event that tripped the detector', () => {
    const watch = new DriftWatch(resolveDriftWatch('t', { detector: { kind: 'ADWIN' } }));
    const rng = createRandom(1);
    for (let start = 0; start < 4000; start += 200) {
      const { ys, predictions } = batch(rng, 200, start < 2000 ? 0.1 : 0.5);
      watch.observe('events', 0, offsets(start, 200), predictions, ys);
    }
    const up = watch.takeDetections().filter((d) => d.direction > 0);
    expect(up.length).toBeGreaterThan(0);
    expect(Number(up[0]!.at.offset)).toBeGreaterThanOrEqual(2000);
    expect(Number(up[0]!.at.offset)).toBeLessThan(2200);
    expect(up[0]).toMatchObject({ detector: 'ADWIN', at: { topic: 'events', partition: 0 } });
    expect(up[0]!.statistic).toBeGreaterThan(up[0]!.threshold);
    expect(watch.takeDetections()).toEqual([]);
    expect(watch.rollingError).toBeGreaterThan(0.4);
  });

  it('skips events a stage dropped (NaN prediction) and scores regressions by absolute or squared error', () => {
    const abs = new DriftWatch(resolveDriftWatch('t', { detector: { kind: 'PageHinkley' }, on: 'absolute-error', rollingHalfLife: 1e9 }));
    abs.observe('e', 0, ['0', '1', '2'], Float64Array.of(1, NaN, 5), Float64Array.of(2, 0, 1));
    expect(abs.rollingError).toBeCloseTo((1 + 4) / 2, 6);
    const squared = new DriftWatch(resolveDriftWatch('t', { detector: { kind: 'PageHinkley' }, on: 'squared-error', rollingHalfLife: 1e9 }));
    squared.observe('e', 0, ['0', '1'], Float64Array.of(1, 5), Float64Array.of(2, 1));
    expect(squared.rollingError).toBeCloseTo((1 + 16) / 2, 6);
  });

  it('resumes from the extra of its checkpoint exactly where it stood', () => {
    const config = resolveDriftWatch('t', { detector: { kind: 'ADWIN', clock: 4 } });
    const original = new DriftWatch(config);
    const rng = createRandom(2);
    const first = batch(rng, 1500, 0.1);
    original.observe('e', 0, offsets(0, 1500), first.predictions, first.ys);
    original.takeDetections();
    const manifest = { modelId: 'm', version: 3, extra: JSON.parse(JSON.stringify(original.extra())) };
    const resumed = new DriftWatch(config, readDriftExtra(manifest));
    expect(resumed.rollingError).toBe(original.rollingError);
    const second = batch(rng, 1500, 0.6);
    for (const watch of [original, resumed]) watch.observe('e', 0, offsets(1500, 1500), second.predictions, second.ys);
    const detected = original.takeDetections();
    expect(detected.length).toBeGreaterThan(0);
    expect(resumed.takeDetections()).toEqual(detected);
  });

  it('resumed from a checkpoint, takes that checkpoint as its first rollback target', () => {
    const config = resolveDriftWatch('t', { detector: { kind: 'ADWIN' }, action: 'rollback' });
    const before = new DriftWatch(config);
    before.observe('e', 0, ['0', '1', '2', '3'], Float64Array.of(0, 0, 0, 1), Float64Array.of(0, 0, 0, 0)); // rolling ≈ 0.25
    const state = { kind: 'x', version: 1, config: {}, arrays: { w: Float64Array.of(1) } };
    const manifest = { modelId: 'm', version: 7, examplesSeen: 4, extra: JSON.parse(JSON.stringify(before.extra())) };
    const watch = watchFromCheckpoint(config, { manifest, state } as never);
    expect(watch.rollingError).toBeCloseTo(before.rollingError, 12);
    expect(watch.rollbackTarget()).toBeUndefined(); // not better than itself
    watch.observe('e', 0, ['4', '5', '6', '7'], Float64Array.of(1, 1, 1, 1), Float64Array.of(0, 0, 0, 0));
    expect(watch.rollbackTarget()).toMatchObject({ version: 7, examplesSeen: 4, state });
  });

  it('picks as rollback target the latest checkpoint with a lower rolling error, among those it keeps', () => {
    const watch = new DriftWatch(resolveDriftWatch('t', { detector: { kind: 'ADWIN' }, action: 'rollback', keepCheckpoints: 2 }));
    const point = (version: number, rollingError: number) => ({
      version,
      rollingError,
      examplesSeen: version,
      state: { kind: 'x', version: 1, config: {}, arrays: {} },
      importance: null,
    });
    watch.observe('e', 0, ['0', '1', '2', '3'], Float64Array.of(1, 1, 1, 0), Float64Array.of(0, 0, 0, 0)); // rolling ≈ 0.75
    expect(watch.rollbackTarget()).toBeUndefined();
    watch.remember(point(1, 0.1));
    watch.remember(point(2, 0.2));
    watch.remember(point(3, 0.9));
    expect(watch.rollbackTarget()?.version).toBe(2); // version 1 fell out; 3 is worse than now
  });

  it.each(['alert', 'reset'] as const)('with action %s, keeps no checkpoint: a rollback target is a whole model state only rollback reads', (action) => {
    const watch = new DriftWatch(resolveDriftWatch('t', { detector: { kind: 'ADWIN' }, action }));
    watch.observe('e', 0, ['0', '1'], Float64Array.of(1, 1), Float64Array.of(0, 0)); // rolling error 1
    watch.remember({ version: 1, rollingError: 0.1, examplesSeen: 1, state: { kind: 'x', version: 1, config: {}, arrays: {} }, importance: null });
    expect(watch.rollbackTarget()).toBeUndefined();
  });
});

describe('drift settings are checked when the topology is defined', () => {
  const base = {
    name: 'd',
    input: { topic: 'd.events', codec: createJsonCodec() },
    model: () => {
      throw new Error('unused');
    },
    label: 'y',
    metrics: () => ({}),
  };
  it.each([
    [{ detector: { kind: 'DDM' }, on: 'absolute-error' }, /topology d: drift: DDM watches 0\/1 errors, so 'on' must be 'error'/],
    [{ detector: { kind: 'ADWIN', delta: 0 } }, /topology d: drift.detector: ADWIN: delta must be in \(0, 1\), got 0/],
    [{ detector: { kind: 'ADWIN' }, action: 'panic' }, /topology d: drift: action must be one of alert, reset, rollback, got "panic"/],
  ])('%j is refused', (drift, message) => {
    expect(() => defineTopology({ ...base, outputs: topicsFor('d'), drift } as never)).toThrow(message);
    expect(() => defineTopology({ ...base, outputs: topicsFor('d'), drift } as never)).toThrow(ConfigError);
  });
  it('needs a drift topic, which topicsFor names <topology>.drift', () => {
    expect(topicsFor('d', 'p.').driftTopic).toBe('p.d.drift');
    const { driftTopic: _, ...withoutDrift } = topicsFor('d');
    expect(() => defineTopology({ ...base, outputs: withoutDrift, drift: { detector: { kind: 'ADWIN' } } } as never)).toThrow(/drift needs outputs.driftTopic/);
  });
});

describe('drift records', () => {
  const record: DriftRecord = {
    topology: 't',
    modelId: 't',
    detector: 'ADWIN',
    on: 'error',
    statistic: 1.25,
    threshold: 1,
    direction: 'up',
    topic: 't.events',
    partition: 0,
    offset: '3039',
    watched: 3040,
    rollingError: 0.0676,
    modelVersion: 4,
    action: 'reset',
    newVersion: 6,
    archivedAs: 't@drift-v5',
    detectedAt: '2026-12-06T16:00:00.000Z',
  };
  it('round-trip through JSON and print as one line naming offset, detector, statistic, version and action', () => {
    const parsed = parseDriftRecord(JSON.stringify(record), 'w');
    expect(parsed).toEqual(record);
    expect(formatDrift(parsed)).toBe(
      '2026-12-06T16:00:00.000Z t v4 ADWIN up at t.events/0@3039 statistic=1.250 threshold=1.000 watched=3040 rolling error=0.0676 → reset: fresh model as v6, old one kept as t@drift-v5',
    );
  });
  it('a malformed record is refused, naming where and which field', () => {
    expect(() => parseDriftRecord('{', 'd/0@7')).toThrow(/^d\/0@7: not JSON$/);
    expect(() => parseDriftRecord(JSON.stringify({ ...record, offset: 3039 }), 'd/0@8')).toThrow(/d\/0@8: field "offset" must be a string, got 3039/);
  });
});
