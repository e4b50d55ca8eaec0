import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** What one timed interval cost: wall clock, this process's CPU (all its threads), and the whole machine's load. */
export interface Span {
  seconds: number;
  cpuSeconds: number;
  /** Cores busy machine-wide (broker, other users' jobs and this process), from /proc/stat; null off Linux. */
  machineBusyCores: number | null;
}

/** A throughput measurement: `records` were handled within `span`. */
export interface Measurement {
  records: number;
  span: Span;
  /** Seconds from starting (connecting, joining the group) to the first record, outside `span`. */
  startupSeconds?: number;
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user).
    const total = fields.slice(0, 8).reduce((sum, ticks) => sum + ticks, 0);
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

/** Starts a measurement; the returned function ends it. */
export function startSpan(): () => Span {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const ticks = machineTicks();
  return () => {
    const seconds = Number(process.hrtime.bigint() - wall) / 1e9;
    const used = process.cpuUsage(cpu);
    const after = machineTicks();
    const busy = ticks && after && after.total > ticks.total ? ((after.busy - ticks.busy) / (after.total - ticks.total)) * availableParallelism() : null;
    return { seconds, cpuSeconds: (used.user + used.system) / 1e6, machineBusyCores: busy };
  };
}

export const perSecond = (m: Measurement): number => m.records / m.span.seconds;
export const perCpuSecond = (m: Measurement): number => m.records / m.span.cpuSeconds;

/** The best of repeated measurements: the highest rate, the one least disturbed by the machine's other work. */
export function fastest(measurements: Measurement[]): Measurement {
  if (measurements.length === 0) throw new Error('fastest: no measurement');
  return measurements.reduce((best, m) => (perSecond(m) > perSecond(best) ? m : best));
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** 1-, 5- and 15-minute load averages, rounded: the machine is shared, so every result records them. */
export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}
