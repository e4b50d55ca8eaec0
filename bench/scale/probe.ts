/**
 * Loaded into each bench worker with `node --require` (bench/scale/workers.ts), never by streamlearn itself:
 * every 250 ms it prints the process's cumulative event-loop busy and idle time, its CPU and its main thread's, so that the
 * bench can tell a worker that waits (for fetches, a round, the broker) from one that computes, without
 * trusting wall-clock ratios on a loaded machine. It also prints the CPU of every thread, summed by thread name
 * (V8's GC helpers, libuv's pool, …): which of them take the CPU that is not on the main thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

const EVERY_MS = 250;

/** CPU ms of one thread (/proc task stat, 100 ticks a second). */
function threadMs(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms of the main thread alone: the one a worker's learning runs on, unlike GC and I/O threads. */
function mainThreadMs(): number {
  try {
    return threadMs(String(process.pid));
  } catch {
    return NaN;
  }
}

/** V8's platform worker threads (its concurrent/parallel GC and background compiles): 4 unless `--v8-pool-size` says otherwise. */
function v8PoolSize(): number {
  const flag = /--v8-pool-size[= ](\d+)/.exec([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
  return flag ? Number(flag[1]) : 4;
}

/**
 * What a thread is, by the order Node 20 starts them (every thread is named "node" there, so /proc's comm does not tell):
 * the main thread, the inspector's signal thread, V8's platform workers (garbage collection, compiles), V8's delayed-task
 * thread, then threads started later: libuv's pool (file system, DNS) and any other. Checked on Node 20 with a GC-heavy
 * script: the platform workers took the CPU the main thread did not.
 */
function threadKind(rank: number, pool: number): string {
  if (rank === 0) return 'main';
  if (rank === 1) return 'signal';
  if (rank <= 1 + pool) return 'v8-worker';
  if (rank === 2 + pool) return 'v8-delayed';
  return 'libuv+later';
}

/** Cumulative CPU ms of the threads still alive, summed by kind (`threadKind`). */
function threadsByKind(): string {
  const sums = new Map<string, number>();
  try {
    const tids = readdirSync('/proc/self/task')
      .map(Number)
      .sort((a, b) => a - b);
    const pool = v8PoolSize();
    tids.forEach((tid, rank) => {
      try {
        const kind = threadKind(rank, pool);
        sums.set(kind, (sums.get(kind) ?? 0) + threadMs(String(tid)));
      } catch {
        // The thread ended between the listing and the read.
      }
    });
  } catch {
    return '';
  }
  return [...sums].map(([kind, ms]) => `${kind}:${ms}`).join(',');
}

/** Garbage collections seen on the main thread by kind: count and pause ms (`PerformanceObserver`, entry type "gc"). */
const gcs = new Map<string, { count: number; ms: number }>();
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
    const sum = gcs.get(kind) ?? { count: 0, ms: 0 };
    gcs.set(kind, { count: sum.count + 1, ms: sum.ms + entry.duration });
  }
}).observe({ entryTypes: ['gc'] });

const timer = setInterval(() => {
  const { active, idle } = performance.eventLoopUtilization();
  const { user, system } = process.cpuUsage();
  process.stderr.write(
    `[probe] at=${Date.now()} busyMs=${active.toFixed(1)} idleMs=${idle.toFixed(1)} cpuMs=${((user + system) / 1000).toFixed(1)} mainMs=${mainThreadMs()} threads=${threadsByKind()} gc=${[...gcs].map(([kind, { count, ms }]) => `${kind}:${count}:${ms.toFixed(1)}`).join(',')}\n`,
  );
}, EVERY_MS);
timer.unref();
