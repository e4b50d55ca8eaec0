/**
 * The timed window of a scale setup, taken from the workers' own progress rather than from the versions
 * they publish: at a 1 s mixing cadence a short stream gives only a couple of versions, and a rate timed
 * between two of them measures a few seconds of startup. Each worker prints the lag of its partitions
 * about once a second; the group's remaining records at any time is the sum over partitions of the lag
 * reported for it, interpolated between reports. A worker keeps printing the last lag of a partition it
 * gave up, so the caller passes each worker's reports for the partitions it owns at the end only.
 */

export interface LagReport {
  at: number;
  lag: Map<number, number>;
}

export interface Series {
  at: number;
  value: number;
}

export interface Window {
  start: number;
  end: number;
  /** Records consumed by the group between start and end. */
  records: number;
}

/** A series' value at `at`, linearly between its samples; before the first or after the last, that sample's value. */
export function valueAt(series: Series[], at: number): number | undefined {
  if (series.length === 0) return undefined;
  if (at <= series[0].at) return series[0].value;
  for (let i = 1; i < series.length; i++) {
    const [a, b] = [series[i - 1], series[i]];
    if (at <= b.at) return b.at === a.at ? b.value : a.value + ((b.value - a.value) * (at - a.at)) / (b.at - a.at);
  }
  return series[series.length - 1].value;
}

/** Per partition, its lag over time from every worker's reports (a partition moves between workers on a rebalance). */
function lagSeries(reports: LagReport[]): Map<number, Series[]> {
  const byPartition = new Map<number, Series[]>();
  for (const report of [...reports].sort((a, b) => a.at - b.at)) {
    for (const [partition, lag] of report.lag) {
      const series = byPartition.get(partition) ?? [];
      series.push({ at: report.at, value: lag });
      byPartition.set(partition, series);
    }
  }
  return byPartition;
}

/** Records left in the group at `at`: a partition not reported on yet counts whole (`ends`). */
export function remainingAt(ends: Map<number, number>, series: Map<number, Series[]>, at: number): number {
  let sum = 0;
  for (const [partition, end] of ends) {
    const s = series.get(partition);
    sum += s && at >= s[0].at ? valueAt(s, at)! : end;
  }
  return sum;
}

/** The first time at or after `from` when the remaining records fall to `level` (between report times, linearly). */
function crossing(ends: Map<number, number>, series: Map<number, Series[]>, times: number[], from: number, level: number): number | undefined {
  let previous = from;
  let before = remainingAt(ends, series, from);
  if (before <= level) return from;
  for (const at of times.filter((t) => t > from)) {
    const after = remainingAt(ends, series, at);
    if (after <= level) return previous + ((at - previous) * (before - level)) / (before - after);
    [previous, before] = [at, after];
  }
  return undefined;
}

/**
 * From the moment every worker has reported and the group is past `head` of the stream, to when it is
 * past `tail`: startup (joins, the first version) and the tail (partitions finishing one by one) are left
 * out alike for every setup. `joinedAt`: each worker's first report.
 */
export function progressWindow(ends: Map<number, number>, reports: LagReport[], joinedAt: number[], head = 0.1, tail = 0.9): Window | undefined {
  const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
  const series = lagSeries(reports);
  const times = [...new Set(reports.map((r) => r.at))].sort((a, b) => a - b);
  if (times.length === 0 || joinedAt.length === 0) return undefined;
  const allJoined = Math.max(...joinedAt);
  const start = crossing(ends, series, times, allJoined, (1 - head) * total);
  if (start === undefined) return undefined;
  const end = crossing(ends, series, times, start, (1 - tail) * total);
  if (end === undefined || end <= start) return undefined;
  return { start, end, records: remainingAt(ends, series, start) - remainingAt(ends, series, end) };
}
