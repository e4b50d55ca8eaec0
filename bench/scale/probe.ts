/**
 * Loaded into each bench worker with `node --require` (bench/scale/workers.ts), never by streamlearn itself:
 * every 250 ms it prints the process's cumulative event-loop busy and idle time, its CPU and its main thread's, so that the
 * bench can tell a worker that waits (for fetches, a round, the broker) from one that computes, without
 * trusting wall-clock ratios on a loaded machine.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const EVERY_MS = 250;

/** CPU ms of the main thread alone (/proc task stat, 100 ticks a second): the one a worker's learning runs on, unlike GC and I/O threads. */
function mainThreadMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const timer = setInterval(() => {
  const { active, idle } = performance.eventLoopUtilization();
  const { user, system } = process.cpuUsage();
  process.stderr.write(
    `[probe] at=${Date.now()} busyMs=${active.toFixed(1)} idleMs=${idle.toFixed(1)} cpuMs=${((user + system) / 1000).toFixed(1)} mainMs=${mainThreadMs()}\n`,
  );
}, EVERY_MS);
timer.unref();
