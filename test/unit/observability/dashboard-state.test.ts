import type { ImportanceRecord } from '../../../src/importance/publish';
import type { CheckpointPoint, DeadLetterPoint } from '../../../src/observability/dashboard/records';
import { createDashboardState, DEFAULT_LIMITS } from '../../../src/observability/dashboard/state';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function point(version: number, fields: Partial<CheckpointPoint> = {}): CheckpointPoint {
  return {
    modelId: 'm',
    version,
    examplesSeen: version * 1000,
    metrics: { accuracy: 0.5 + version / 100 },
    offsets: [{ topic: 'in', partition: 0, offset: String(version * 1000) }],
    createdAt: T0 + version * 1000,
    recordedAt: T0 + version * 1000 + 40,
    fromMetricsTopic: true,
    ...fields,
  };
}

const deadLetter = (at: number, code: string): DeadLetterPoint => ({
  recordedAt: at,
  code,
  message: 'm',
  source: 'in/0@1',
  key: null,
  headers: {},
  bytes: 3,
  preview: 'abc',
});

describe('dashboard state', () => {
  it('keeps one curve point per version, in version order, whichever topic told it first', () => {
    const state = createDashboardState();
    state.checkpoint('t', point(2));
    state.checkpoint('t', point(1));
    state.checkpoint('t', point(2, { fromMetricsTopic: false, kind: 'Pipeline', payloadBytes: 123 }));
    state.checkpoint('t', point(3));
    const model = state.view('t')!.models[0];
    expect(model.curve.map((p) => p.version)).toEqual([1, 2, 3]);
    expect(model.version).toBe(3);
    expect(model.curve[2].offsets).toEqual({ 'in/0': 3000 });
  });

  it('never lets an older version replace the latest', () => {
    const state = createDashboardState();
    state.checkpoint('t', point(5));
    state.checkpoint('t', point(4, { examplesSeen: 1 }));
    expect(state.view('t')!.models[0]).toMatchObject({ version: 5, examplesSeen: 5000 });
  });

  it('derives records/s from consecutive checkpoints and latency from the metrics record timestamp', () => {
    const state = createDashboardState();
    state.checkpoint('t', point(1));
    state.checkpoint('t', point(2, { offsets: [{ topic: 'in', partition: 0, offset: '3000' }], createdAt: T0 + 3000, recordedAt: T0 + 3250 }));
    const [rate] = state.view('t')!.models[0].throughput;
    // 2000 records in the 2 s between createdAt T0+1000 and T0+3000.
    expect(rate).toEqual({ at: T0 + 3000, recordsPerSecond: 1000, checkpointLatencyMs: 250 });
  });

  it('computes lag from high watermarks against the latest checkpoint offsets', () => {
    const state = createDashboardState();
    state.checkpoint('t', point(2));
    expect(state.inputPartitions()).toEqual([{ topic: 'in', partition: 0 }]);
    expect(state.view('t')!.models[0].offsets[0].lag).toBeNull();
    state.highWatermarks(new Map([['in/0', 2500n]]));
    expect(state.view('t')!.models[0].offsets[0].lag).toBe(500);
  });

  it('ranks importance in the latest snapshot order and says how each rank moved', () => {
    const state = createDashboardState();
    const snapshot = (version: number, order: string[]): ImportanceRecord => ({
      modelId: 'm',
      version,
      examplesSeen: 0,
      createdAt: '',
      method: 'ipfi',
      samples: 1,
      smoothing: 0.1,
      features: order.map((name, i) => ({ name, mean: 10 - i, variance: 0, rank: i + 1 })).reverse(),
    });
    state.importance('t', snapshot(1, ['a', 'b', 'c']));
    state.importance('t', snapshot(2, ['c', 'a', 'd']));
    state.importance('t', snapshot(1, ['b', 'c', 'a'])); // late and older: ignored
    const importance = state.view('t')!.models[0].importance!;
    expect(importance.version).toBe(2);
    expect(importance.features.map((f) => [f.name, f.rank, f.previousRank])).toEqual([
      ['c', 1, 3],
      ['a', 2, 1],
      ['d', 3, null],
    ]);
  });

  it('counts dead letters per code in time buckets and keeps only the latest few', () => {
    const state = createDashboardState();
    for (let i = 0; i < 20; i++) state.deadLetter('t', deadLetter(T0 + i * 1000, i % 3 === 0 ? 'MALFORMED' : 'SCHEMA'));
    const view = state.view('t')!.deadLetters;
    expect(view.total).toBe(20);
    expect(view.byCode).toEqual({ MALFORMED: 7, SCHEMA: 13 });
    expect(view.buckets.map((b) => b.at)).toEqual([T0, T0 + 10_000]);
    expect(view.buckets[0].counts).toEqual({ MALFORMED: 4, SCHEMA: 6 });
    expect(view.latest.map((d) => d.recordedAt)).toEqual(
      Array.from({ length: DEFAULT_LIMITS.latestDeadLetters }, (_, i) => T0 + (20 - DEFAULT_LIMITS.latestDeadLetters + i) * 1000),
    );
  });

  it('stays bounded over a long run', () => {
    const limits = { ...DEFAULT_LIMITS, curvePoints: 50, throughputPoints: 40, deadLetterBuckets: 30, driftDetections: 5 };
    const state = createDashboardState(limits);
    for (let v = 1; v <= 5000; v++) {
      state.checkpoint('t', point(v));
      state.deadLetter('t', deadLetter(T0 + v * 10_000, `C${v % 4}`));
      state.drift('t', {
        recordedAt: v,
        modelId: 'm',
        modelVersion: v,
        detector: 'ADWIN',
        statistic: 0,
        direction: 'up',
        topic: 'in',
        partition: 0,
        offset: String(v),
        action: 'alert',
      });
    }
    const view = state.view('t')!;
    expect(view.models[0].curve).toHaveLength(50);
    expect(view.models[0].curve[49].version).toBe(5000);
    expect(view.models[0].throughput).toHaveLength(40);
    expect(view.deadLetters.buckets).toHaveLength(30);
    expect(view.deadLetters.latest).toHaveLength(DEFAULT_LIMITS.latestDeadLetters);
    expect(view.drift).toHaveLength(5);
    expect(JSON.stringify(view).length).toBeLessThan(60_000);
  });

  it('reports which topologies changed since it was last asked', () => {
    const state = createDashboardState();
    state.addTopology('a', { models: 'a.models' });
    state.checkpoint('b', point(1));
    expect(state.takeChanged().sort()).toEqual(['a', 'b']);
    expect(state.takeChanged()).toEqual([]);
    state.unreadable('a', 'a.metrics/0@3: not JSON');
    expect(state.takeChanged()).toEqual(['a']);
    expect(state.view('a')!.unreadable).toEqual({ count: 1, latest: 'a.metrics/0@3: not JSON' });
  });
});
