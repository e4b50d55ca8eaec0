import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';

/** Kernel clock ticks per second (`getconf CLK_TCK`), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** A worker's progress line (printed about once a second), stamped when the bench read it. */
export interface ProgressSample {
  at: number;
  records: number;
  /** Lag per input partition the worker reported on. */
  lag: Map<number, number>;
}

/** What the probe (bench/scale/probe.ts) printed: cumulative event-loop busy and idle time and CPU, in ms, at the worker's clock. */
export interface ProbeSample {
  at: number;
  busyMs: number;
  idleMs: number;
  cpuMs: number;
  /** The main thread's CPU alone. */
  mainMs: number;
  /** CPU ms of the process's threads by kind (main, v8-worker, libuv+later, …; bench/scale/probe.ts). */
  threads: Record<string, number>;
  /** Garbage collections on the main thread so far by kind (scavenge, mark-compact, …): count and pause ms. */
  gc: Record<string, { count: number; ms: number }>;
}

export interface Worker {
  child: ChildProcess;
  log(): string;
  /** CPU seconds (user + system) the process has used so far; its last value after it exited. */
  cpuSeconds(): number;
  progress: ProgressSample[];
  probes: ProbeSample[];
}

/** CPU seconds (user + system) of a process from /proc, or undefined once it is gone. */
export function readCpu(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields 14 and 15 (utime, stime) after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const PROGRESS = /(\d+) rec \([^)]*\) dlq=\d+ lag\[([^\]]*)\]/;
const PROBE = /^\[probe\] at=(\d+) busyMs=([\d.]+) idleMs=([\d.]+) cpuMs=([\d.]+) mainMs=([\d.]+|NaN) threads=(\S*) gc=(\S*)$/;

/** `scavenge:12:30.5,mark-compact:1:4.0` → { scavenge: { count: 12, ms: 30.5 }, … }. */
function parseGcs(text: string): Record<string, { count: number; ms: number }> {
  return Object.fromEntries(
    text
      .split(',')
      .filter(Boolean)
      .map((entry) => {
        const [kind, count, ms] = entry.split(':');
        return [kind, { count: Number(count), ms: Number(ms) }];
      }),
  );
}

/** `main:120,v8-worker:30` → { main: 120, 'v8-worker': 30 }. */
function parseThreads(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split(',')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.lastIndexOf(':')), Number(entry.slice(entry.lastIndexOf(':') + 1))]),
  );
}

/** Reads one stderr line into the worker's series; returns whether it was the probe's (kept out of the log). */
function sampleLine(line: string, at: number, worker: Pick<Worker, 'progress' | 'probes'>): boolean {
  const probe = PROBE.exec(line);
  if (probe) {
    const [at, busyMs, idleMs, cpuMs, mainMs] = probe.slice(1, 6).map(Number);
    worker.probes.push({ at, busyMs, idleMs, cpuMs, mainMs, threads: parseThreads(probe[6]), gc: parseGcs(probe[7]) });
    return true;
  }
  const progress = PROGRESS.exec(line);
  if (progress) {
    const lag = new Map(
      progress[2]
        .split(' ')
        .filter(Boolean)
        .map((entry) => entry.split(':').map(Number) as [number, number]),
    );
    worker.progress.push({ at, records: Number(progress[1]), lag });
  }
  return false;
}

/**
 * A `streamlearn run` worker process, as a user starts one, with the bench's probe loaded (`--require`).
 * Its progress lines and the probe's are kept as time series; its CPU is sampled from /proc while it runs.
 */
export function startWorker(args: string[], env: NodeJS.ProcessEnv = {}): Worker {
  const probe = join(__dirname, 'probe.js');
  const child = spawn(process.execPath, ['--require', probe, join(projectRoot(), 'bin', 'streamlearn.js'), 'run', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  let partial = '';
  let lastCpu = 0;
  const worker: Worker = { child, log: () => log, cpuSeconds: () => (lastCpu = readCpu(child.pid) ?? lastCpu), progress: [], probes: [] };
  child.stderr!.on('data', (chunk: Buffer) => {
    const at = Date.now();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (!sampleLine(line, at, worker)) log += `${line}\n`;
  });
  const sample = setInterval(() => (lastCpu = readCpu(child.pid) ?? lastCpu), 200);
  child.once('exit', () => clearInterval(sample));
  return worker;
}

/** SIGTERM, then the exit; SIGKILL after `graceMs`. */
export async function stopWorker(worker: Worker, graceMs = 30_000): Promise<void> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  worker.cpuSeconds();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The CPU milliseconds a worker reported spending on mixing, from its last line about it. */
export function mixingCpuSeconds(log: string): number {
  const lines = [...log.matchAll(/mixing used (\d+) ms of CPU/g)];
  return lines.length === 0 ? 0 : Number(lines[lines.length - 1][1]) / 1000;
}

/** Where a worker's mixing CPU went (ms per part) and how many records it learned again, from its last line about it. */
export function mixingBreakdown(log: string): { parts: Record<string, number>; relearned: number } {
  const lines = [...log.matchAll(/(\d+) records re-learned; mixing used \d+ ms of CPU \(([^)]*)\)/g)];
  const last = lines[lines.length - 1];
  if (!last) return { parts: {}, relearned: 0 };
  const parts = Object.fromEntries(last[2].split(', ').map((part) => [part.replace(/ \d+$/, ''), Number(/(\d+)$/.exec(part)?.[1] ?? 0)]));
  return { parts, relearned: Number(last[1]) };
}
