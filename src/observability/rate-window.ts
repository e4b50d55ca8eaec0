/**
 * Events per second over a sliding window, for gauges such as records/s. Prometheus users would rather
 * take `rate()` of the counters; this gauge is for readers without PromQL (the dashboard, a glance at
 * `/metrics`). Memory is bounded: samples older than the window are dropped as new ones arrive.
 */
export interface RateWindow {
  add(count: number, now?: number): void;
  /** Per second over the window, or over the time since the first sample when that is shorter. */
  perSecond(now?: number): number;
}

export function createRateWindow(windowMs = 10_000, startedAt = Date.now()): RateWindow {
  const times: number[] = [];
  const counts: number[] = [];
  let total = 0;
  const prune = (now: number) => {
    let drop = 0;
    while (drop < times.length && times[drop] <= now - windowMs) total -= counts[drop++];
    if (drop > 0) {
      times.splice(0, drop);
      counts.splice(0, drop);
    }
  };
  return {
    add(count, now = Date.now()) {
      prune(now);
      times.push(now);
      counts.push(count);
      total += count;
    },
    perSecond(now = Date.now()) {
      prune(now);
      const span = Math.min(windowMs, now - startedAt);
      return span > 0 ? (total * 1000) / span : 0;
    },
  };
}
