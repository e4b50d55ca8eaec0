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
