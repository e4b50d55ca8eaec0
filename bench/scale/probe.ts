/**
 * Loaded into each bench worker with `node --require` (bench/scale/workers.ts), never by streamlearn itself:
 * every 250 ms it prints the process's cumulative event-loop busy and idle time and its CPU, so that the
 * bench can tell a worker that waits (for fetches, a round, the broker) from one that computes, without
 * trusting wall-clock ratios on a loaded machine.
 */
import { performance } from 'node:perf_hooks';

const EVERY_MS = 250;

const timer = setInterval(() => {
  const { active, idle } = performance.eventLoopUtilization();
  const { user, system } = process.cpuUsage();
  process.stderr.write(`[probe] at=${Date.now()} busyMs=${active.toFixed(1)} idleMs=${idle.toFixed(1)} cpuMs=${((user + system) / 1000).toFixed(1)}\n`);
}, EVERY_MS);
timer.unref();
