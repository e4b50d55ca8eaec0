import type { Outcome } from '../../../bench/scale/setups';
import { setupsFor } from '../../../bench/scale/setups';
import { projectedRate, threadsTable } from '../../../bench/scale/tables';
import { progressWindow, remainingAt, valueAt, type LagReport } from '../../../bench/scale/window';

const report = (at: number, lags: Record<number, number>): LagReport => ({ at, lag: new Map(Object.entries(lags).map(([p, v]) => [Number(p), v])) });

describe('scale bench window', () => {
  it('interpolates a series between samples and holds its ends', () => {
    const series = [
      { at: 10, value: 100 },
      { at: 20, value: 50 },
    ];
    expect(valueAt(series, 0)).toBe(100);
    expect(valueAt(series, 15)).toBe(75);
    expect(valueAt(series, 30)).toBe(50);
    expect(valueAt([], 5)).toBeUndefined();
  });

  it('counts a partition whole until it is first reported on', () => {
    const ends = new Map([
      [0, 1000],
      [1, 1000],
    ]);
    const series = new Map([[0, [{ at: 10, value: 400 }]]]);
    expect(remainingAt(ends, series, 5)).toBe(2000);
    expect(remainingAt(ends, series, 10)).toBe(1400);
  });

  it('times the group from 10% to 90% of the stream once every worker runs, between reports linearly', () => {
    // Two workers, each 1,000 records on its partition at 100 records per time unit, reporting every 2 units.
    const ends = new Map([
      [0, 1000],
      [1, 1000],
    ]);
    const reports: LagReport[] = [];
    for (let at = 0; at <= 10; at += 2) reports.push(report(at, { 0: 1000 - 100 * at }), report(at + 1, { 1: Math.max(0, 1000 - 100 * (at + 1)) }));
    const window = progressWindow(ends, reports, [0, 1])!;
    expect(window.start).toBeCloseTo(1, 6);
    expect(window.end).toBeCloseTo(9, 6);
    expect(window.records).toBeCloseTo(1600, 6);
    expect(window.records / (window.end - window.start)).toBeCloseTo(200, 6);
  });

  it('starts no earlier than the last worker to report, and gives no window for a stream that never reaches the tail', () => {
    const ends = new Map([[0, 1000]]);
    const reports = [report(0, { 0: 800 }), report(5, { 0: 500 }), report(10, { 0: 0 })];
    const late = progressWindow(ends, reports, [0, 5])!;
    expect(late.start).toBe(5);
    expect(late.records).toBeCloseTo(400, 6);
    expect(progressWindow(ends, reports.slice(0, 2), [0])).toBeUndefined();
  });
});

describe('scale bench projection on idle cores', () => {
  const outcome = (workers: number, cpu: { main: number; worker: number; broker: number; brokerIdle: number; bench: number }): Outcome => ({
    setup: { name: `${workers}`, workers, cadence: '10k', args: [] },
    records: 100_000,
    seconds: 10,
    cpuSeconds: cpu.worker,
    mainCpuSeconds: cpu.main,
    threadCpuSeconds: { main: cpu.main, 'v8-worker': cpu.worker - cpu.main },
    gc: { 'scavenge count': 25, 'scavenge s': 0.2 },
    busy: 1,
    brokerCores: cpu.broker,
    brokerIdleCores: cpu.brokerIdle,
    benchCores: cpu.bench,
    machineCores: 2,
    mixCpuSeconds: 0,
    mixParts: {},
    relearned: 0,
    totalCpuSeconds: cpu.worker,
    mix: { records: 0, bytes: 0 },
    model: { records: 0, bytes: 0 },
    learned: 100_000,
    points: [],
  });

  it('is bound by one worker’s main thread when the cores have room', () => {
    // 10 µs of main thread per record: one loop flat out does 100k/s; the machine could do 2 / 12 µs = 167k/s.
    expect(projectedRate(outcome(1, { main: 1, worker: 1.2, broker: 0, brokerIdle: 0, bench: 0 }), 2) / 100_000).toBeCloseTo(1, 9);
  });

  it('is bound by the cores when workers, broker and bench together need more, the broker’s idle share taken off the cores', () => {
    // Two loops could do 200k/s; per record 12 µs of workers + 3 µs of broker above its idle 0.1 core + 1 µs of bench.
    const o = outcome(2, { main: 1, worker: 1.2, broker: 0.13, brokerIdle: 0.1, bench: 0.01 });
    expect(projectedRate(o, 2) / (1.9 / 16e-6)).toBeCloseTo(1, 9);
  });

  it('says how many cores one saturated worker takes, from its threads’ CPU', () => {
    const [row] = threadsTable([outcome(1, { main: 1, worker: 1.25, broker: 0, brokerIdle: 0, bench: 0 })]).rows;
    const expected = {
      'main µs/record': 10,
      'v8-worker µs/record': 2.5,
      'off main thread %': 20,
      'cores per saturated worker': 1.25,
      'scavenges per 10k records': 2.5,
    };
    for (const [column, value] of Object.entries(expected)) expect(row[column]).toBeCloseTo(value, 9);
  });
});

describe('scale bench setups', () => {
  it('runs every setup once per NODE_OPTIONS and fetch-size variant, each variant on its own topics', () => {
    const setups = setupsFor([1, 2], ['1s'], ['', '--v8-pool-size=1'], [1024, 64]);
    expect(setups.map((s) => [s.name, s.variant, s.nodeOptions, s.fetchBytes])).toEqual([
      ['1 worker, mix every 1 s [fetch 1024 KiB]', 0, undefined, 1024 * 1024],
      ['2 workers, mix every 1 s [fetch 1024 KiB]', 0, undefined, 1024 * 1024],
      ['1 worker, mix every 1 s [fetch 64 KiB]', 1, undefined, 64 * 1024],
      ['2 workers, mix every 1 s [fetch 64 KiB]', 1, undefined, 64 * 1024],
      ['1 worker, mix every 1 s [--v8-pool-size=1, fetch 1024 KiB]', 2, '--v8-pool-size=1', 1024 * 1024],
      ['2 workers, mix every 1 s [--v8-pool-size=1, fetch 1024 KiB]', 2, '--v8-pool-size=1', 1024 * 1024],
      ['1 worker, mix every 1 s [--v8-pool-size=1, fetch 64 KiB]', 3, '--v8-pool-size=1', 64 * 1024],
      ['2 workers, mix every 1 s [--v8-pool-size=1, fetch 64 KiB]', 3, '--v8-pool-size=1', 64 * 1024],
    ]);
    expect(setupsFor([1], ['none', '1s']).map((s) => s.name)).toEqual(['1 process, no mixing (checkpoints every 10k / 5 s)', '1 worker, mix every 1 s']);
  });
});
