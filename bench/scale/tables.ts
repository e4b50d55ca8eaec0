import { availableParallelism } from 'node:os';
import type { BenchTable } from '../report';
import { PARTITIONS, type Outcome } from './setups';

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The runs of each setup, in the order the setups ran. */
function bySetup(outcomes: Outcome[]): Outcome[][] {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) groups.set(o.setup.name, [...(groups.get(o.setup.name) ?? []), o]);
  return [...groups.values()];
}

const rate = (o: Outcome) => o.records / o.seconds;

/**
 * The rate this setup would reach on idle cores, from CPU alone (load-proof, unlike wall clock): the lower of
 * its workers' main threads each running flat out (records per main-thread CPU-second × workers) and the
 * machine's cores shared by the workers, the broker and the bench (records per CPU-second of all three × cores,
 * the broker's CPU before the workers started counted as a fixed cost).
 * It leaves out waiting: on a quiet machine "workers busy %" shows whether the workers waited.
 */
export function projectedRate(o: Outcome, cores: number): number {
  const loops = (o.records / o.mainCpuSeconds) * o.setup.workers;
  // The broker's idle share is taken off the cores, not charged per record: it would not grow with the rate.
  const perRecord = (o.cpuSeconds + (o.brokerCores - o.brokerIdleCores + o.benchCores) * o.seconds) / o.records;
  return Math.min(loops, (cores - o.brokerIdleCores) / perRecord);
}

/** Each run's ratio to the one-worker setup of the same cadence in the same run (paired: the load moves between runs). */
function vsOneWorker(o: Outcome, outcomes: Outcome[], measure: (o: Outcome) => number = rate): number {
  const base = outcomes.find((b) => b.round === o.round && b.setup.workers === 1 && b.setup.cadence === o.setup.cadence && b.setup.variant === o.setup.variant);
  return base ? measure(o) / measure(base) : NaN;
}

export function throughputTable(outcomes: Outcome[]): BenchTable {
  const cores = availableParallelism();
  const rows = bySetup(outcomes).map((runs) => {
    const { setup } = runs[0];
    const rates = runs.map(rate);
    const ratio = median(runs.map((o) => vsOneWorker(o, outcomes)));
    const last = runs[0].points[runs[0].points.length - 1];
    return {
      setup: setup.name,
      runs: runs.length,
      'records/s': median(rates),
      spread: runs.length > 1 ? (Math.max(...rates) - Math.min(...rates)) / median(rates) : null,
      'records/CPU-s': median(runs.map((o) => o.records / o.cpuSeconds)),
      'vs 1 worker': ratio,
      'vs ideal': ratio / Math.min(setup.workers, cores),
      'workers busy %': 100 * median(runs.map((o) => o.busy)),
      'projected records/s, idle cores': median(runs.map((o) => projectedRate(o, cores))),
      'projected vs 1 worker': median(runs.map((o) => vsOneWorker(o, outcomes, (x) => projectedRate(x, cores)))),
      'mixing CPU %': median(runs.map((o) => (100 * o.mixCpuSeconds) / o.totalCpuSeconds)),
      'window s': median(runs.map((o) => o.seconds)),
      versions: median(runs.map((o) => o.points.length)),
      'final RMSE': last?.rmse ?? null,
    };
  });
  return {
    title: `Throughput: regression-sgd on a ${PARTITIONS}-partition topic, N \`streamlearn run\` processes (median over runs)`,
    columns: [
      'setup',
      'runs',
      'records/s',
      'spread',
      'records/CPU-s',
      'vs 1 worker',
      'vs ideal',
      'workers busy %',
      'projected records/s, idle cores',
      'projected vs 1 worker',
      'mixing CPU %',
      'window s',
      'versions',
      'final RMSE',
    ],
    rows,
  };
}

/** Who used the cores in the window, and what each version cost the broker: to tell a waiting worker from a busy machine. */
export function whereCoresWent(outcomes: Outcome[]): BenchTable {
  const rows = bySetup(outcomes).map((runs) => {
    const per10k = (bytes: (o: Outcome) => number) => median(runs.map((o) => bytes(o) / (o.learned / 10_000)));
    const workerCores = median(runs.map((o) => o.cpuSeconds / o.seconds));
    const perRecord = (cpu: (o: Outcome) => number) => median(runs.map((o) => (1e6 * cpu(o)) / o.records));
    const [broker, bench, machine] = [median(runs.map((o) => o.brokerCores)), median(runs.map((o) => o.benchCores)), median(runs.map((o) => o.machineCores))];
    return {
      setup: runs[0].setup.name,
      'worker cores': workerCores,
      'main-thread µs/record': perRecord((o) => o.mainCpuSeconds),
      'worker µs/record': perRecord((o) => o.cpuSeconds),
      'broker µs/record, above idle': perRecord((o) => (o.brokerCores - o.brokerIdleCores) * o.seconds),
      'broker idle cores': median(runs.map((o) => o.brokerIdleCores)),
      'bench µs/record': perRecord((o) => o.benchCores * o.seconds),
      'broker cores': broker,
      'bench cores': bench,
      'machine cores': machine,
      'others cores': machine - workerCores - broker - bench,
      'mix KB per 10k records': per10k((o) => o.mix.bytes / 1024),
      'mix records per 10k': per10k((o) => o.mix.records),
      'model KB per 10k records': per10k((o) => o.model.bytes / 1024),
      'model records per 10k': per10k((o) => o.model.records),
    };
  });
  return {
    title: 'Where the cores went in the timed window (CPU-seconds per second), and what was written to the mix and model topics',
    columns: [
      'setup',
      'worker cores',
      'main-thread µs/record',
      'worker µs/record',
      'broker µs/record, above idle',
      'broker idle cores',
      'bench µs/record',
      'broker cores',
      'bench cores',
      'machine cores',
      'others cores',
      'mix KB per 10k records',
      'mix records per 10k',
      'model KB per 10k records',
      'model records per 10k',
    ],
    rows,
  };
}

/**
 * The workers' CPU by thread (bench/scale/probe.ts): µs per record of each kind of thread, and the share that is not on
 * the main thread. That share decides how many cores one saturated worker takes, so what 2 workers can reach on 2 cores.
 */
export function threadsTable(outcomes: Outcome[]): BenchTable {
  const groups = bySetup(outcomes);
  const kinds = [...new Set(outcomes.flatMap((o) => Object.keys(o.threadCpuSeconds)))];
  const total = (o: Outcome) => Object.values(o.threadCpuSeconds).reduce((a, b) => a + b, 0);
  const rows = groups.map((runs) => {
    const perRecord = (kind: string) => median(runs.map((o) => (1e6 * (o.threadCpuSeconds[kind] ?? 0)) / o.records));
    return {
      setup: runs[0].setup.name,
      ...Object.fromEntries(kinds.map((kind) => [`${kind} µs/record`, perRecord(kind)])),
      'off main thread %': median(runs.map((o) => 100 * (1 - (o.threadCpuSeconds.main ?? NaN) / total(o)))),
      'cores per saturated worker': median(runs.map((o) => total(o) / (o.threadCpuSeconds.main ?? NaN))),
      'scavenges per 10k records': median(runs.map((o) => (1e4 * (o.gc['scavenge count'] ?? 0)) / o.records)),
      'scavenge pause µs/record': median(runs.map((o) => (1e6 * (o.gc['scavenge s'] ?? 0)) / o.records)),
      'mark-compacts per 1M records': median(runs.map((o) => (1e6 * (o.gc['mark-compact count'] ?? 0)) / o.records)),
      'mark-compact pause µs/record': median(runs.map((o) => (1e6 * (o.gc['mark-compact s'] ?? 0)) / o.records)),
    };
  });
  return {
    title:
      'Worker CPU by thread: µs per record of each kind of thread (summed over workers), what one worker whose main thread is saturated takes, and its garbage collections (main-thread pauses)',
    columns: [
      'setup',
      ...kinds.map((kind) => `${kind} µs/record`),
      'off main thread %',
      'cores per saturated worker',
      'scavenges per 10k records',
      'scavenge pause µs/record',
      'mark-compacts per 1M records',
      'mark-compact pause µs/record',
    ],
    rows,
  };
}

/** Where the mixing CPU goes, per part, as a share of all the workers' CPU (summed over runs). */
export function mixingProfile(outcomes: Outcome[]): BenchTable {
  const groups = bySetup(outcomes.filter((o) => o.setup.cadence !== 'none'));
  const parts = [...new Set(groups.flat().flatMap((o) => Object.keys(o.mixParts)))];
  const rows = groups.map((runs) => {
    const total = runs.reduce((sum, o) => sum + o.totalCpuSeconds, 0);
    const part = (name: string) => runs.reduce((sum, o) => sum + (o.mixParts[name] ?? 0), 0) / 1000;
    return {
      setup: runs[0].setup.name,
      ...Object.fromEntries(parts.map((name) => [`${name} %`, (100 * part(name)) / total])),
      're-learned % of records': (100 * runs.reduce((sum, o) => sum + o.relearned, 0)) / runs.reduce((sum, o) => sum + o.learned, 0),
    };
  });
  return {
    title: 'Where mixing CPU goes: % of all the workers’ CPU per part',
    columns: ['setup', ...parts.map((name) => `${name} %`), 're-learned % of records'],
    rows,
  };
}

/** Held-back RMSE of the newest version at or below each number of examples seen (the first run of each setup). */
export function learningCurves(outcomes: Outcome[], records: number): BenchTable {
  const marks = [0.05, 0.1, 0.25, 0.5, 1].map((f) => Math.round(f * records));
  const rows = marks.map((mark) => {
    const row: Record<string, number | null> = { examples: mark };
    for (const o of outcomes) {
      const reached = o.points.filter((p) => p.examplesSeen <= mark);
      row[o.setup.name] = reached.length > 0 ? reached[reached.length - 1].rmse : null;
    }
    return row;
  });
  return {
    title: 'Learning curves: held-back RMSE by examples seen (newest version at or below)',
    columns: ['examples', ...outcomes.map((o) => o.setup.name)],
    rows,
  };
}
