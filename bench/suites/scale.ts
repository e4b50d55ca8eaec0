import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafkaClient } from '../../connectors/kafka/client';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { friedmanStream } from '../../src/datasets/friedman';
import { ConfigError } from '../../src/errors';
import { retry } from '../../src/retry';
import type { Row } from '../../src/features/stage';
import { friedmanJson, produceAll } from '../e2e/data';
import { loadAverage } from '../io/measure';
import { deleteTopics } from '../io/topics';
import type { BenchResult } from '../report';
import { sampleMachine } from '../scale/machine';
import sharedInput, { FETCH_BYTES_ENV, INPUT_ENV } from '../scale/shared-input';
import { learningCurves, mixingProfile, threadsTable, throughputTable, whereCoresWent } from '../scale/tables';
import { topicSize } from '../scale/topic-size';
import { followVersions } from '../scale/versions';
import { progressWindow, valueAt, type LagReport, type Series } from '../scale/window';
import { mixingBreakdown, mixingCpuSeconds, startWorker, stopWorker, type ProbeSample, type Worker } from '../scale/workers';
import { CADENCES, PARTITIONS, setupsFor, type Outcome, type Setup } from '../scale/setups';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function endOffsets(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = createKafkaClient({ brokers, clientId: 'bench-scale' }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** The partitions a worker owned at the end: those of its last "mix: generation" line, or every one (no mixing, one process). */
function ownedAtEnd(worker: Worker): number[] | undefined {
  const lines = [...worker.log().matchAll(/mix: generation \d+, partitions \[([\d, ]*)\]/g)];
  const last = lines[lines.length - 1];
  return last ? last[1].split(', ').filter(Boolean).map(Number) : undefined;
}

/** Each worker's lag reports on the partitions it owned at the end (it keeps printing the last lag of one it gave up). */
function lagReports(workers: Worker[]): LagReport[] {
  return workers.flatMap((w) => {
    const owned = ownedAtEnd(w);
    return w.progress.map((p) => ({ at: p.at, lag: new Map([...p.lag].filter(([partition]) => !owned || owned.includes(partition))) }));
  });
}

const between = (series: Series[], start: number, end: number) => (valueAt(series, end) ?? NaN) - (valueAt(series, start) ?? NaN);

interface Context {
  brokers: string[];
  brokerPid?: number;
  /** The one input topic every setup reads, and its end offsets. */
  input: string;
  ends: Map<number, number>;
  records: number;
  heldBack: Row[];
  stamp: string;
}

const IDLE_SAMPLE_MS = 2000;
const SETTLE_MS = 5000;

/** One setup on its own group, model and mix topics: N `streamlearn run` processes; rates from the workers' progress, CPU from the probe and /proc. */
async function measure(setup: Setup, context: Context) {
  const { brokers, records, heldBack, ends } = context;
  const prefix = `${context.stamp}-${setup.workers}-${setup.cadence}-${setup.variant ?? 0}.`;
  const topology = sharedInput({ prefix });
  const { outputs } = topology.config;
  const mixTopic = `${outputs.modelTopic}.mix`;
  // The follower below reads the model topic before the workers create it.
  // Retried: right after the previous setup's topics were deleted the broker sometimes answers NOT_LEADER (seen once).
  await retry(() => ensureTopics({ brokers }, [{ topic: outputs.modelTopic, compacted: true }]), { retries: 5, initialDelayMs: 1000 });
  const workers: Worker[] = [];
  const cpu = () => workers.reduce((sum, w) => sum + w.cpuSeconds(), 0);
  const follower = followVersions(brokers, outputs.modelTopic, topology.modelId, heldBack, cpu);
  const machine = sampleMachine(context.brokerPid);
  try {
    const args = [join(__dirname, '..', 'scale', 'shared-input.js'), '--brokers', brokers.join(','), '--prefix', prefix, ...setup.args];
    // The broker's CPU with no worker yet (the bench's follower polling, its own housekeeping): a cost per second, not per record.
    const idleFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
    const idleSample = between(machine.broker, idleFrom, Date.now()) / ((Date.now() - idleFrom) / 1000);
    const env = {
      [INPUT_ENV]: context.input,
      ...(setup.nodeOptions ? { NODE_OPTIONS: setup.nodeOptions } : {}),
      ...(setup.fetchBytes ? { [FETCH_BYTES_ENV]: String(setup.fetchBytes) } : {}),
    };
    for (let i = 0; i < setup.workers; i++) workers.push(startWorker(args, env));
    await follower.covering(new Map([...ends].map(([p, end]) => [p, String(end)])), 900_000);
    machine.stop();
    await Promise.all(workers.map((w) => stopWorker(w)));
    follower.score();
    const window = progressWindow(
      ends,
      lagReports(workers),
      workers.map((w) => w.progress[0]?.at ?? Infinity),
    );
    if (!window)
      throw new Error(`scale: ${setup.name}: the workers' progress lines gave no window (${workers.map((w) => w.progress.length).join(', ')} lines)`);
    const seconds = (window.end - window.start) / 1000;
    const probes = workers.map((w) => ({
      cpu: w.probes.map((p) => ({ at: p.at, value: p.cpuMs / 1000 })),
      main: w.probes.map((p) => ({ at: p.at, value: p.mainMs / 1000 })),
      busy: w.probes.map((p) => ({ at: p.at, value: p.busyMs })),
      threads: threadSeries(w.probes),
      gc: gcSeries(w.probes),
      idle: w.probes.map((p) => ({ at: p.at, value: p.idleMs })),
    }));
    const busyShares = probes.map((p) => {
      const busy = between(p.busy, window.start, window.end);
      return busy / (busy + between(p.idle, window.start, window.end));
    });
    const mix = setup.cadence === 'none' ? { records: 0, bytes: 0 } : await topicSize(brokers, mixTopic);
    const model = await topicSize(brokers, outputs.modelTopic);
    const outcome: Outcome = {
      setup,
      records: window.records,
      seconds,
      cpuSeconds: probes.reduce((sum, p) => sum + between(p.cpu, window.start, window.end), 0),
      mainCpuSeconds: probes.reduce((sum, p) => sum + between(p.main, window.start, window.end), 0),
      threadCpuSeconds: sumThreads(
        probes.map((p) => p.threads),
        window.start,
        window.end,
      ),
      gc: sumThreads(
        probes.map((p) => p.gc),
        window.start,
        window.end,
      ),
      busy: busyShares.reduce((sum, b) => sum + b, 0) / busyShares.length,
      brokerCores: between(machine.broker, window.start, window.end) / seconds,
      // Right after a large produce the broker still flushes and compiles: an idle sample above its busy rate is not idle.
      brokerIdleCores: Math.min(idleSample, between(machine.broker, window.start, window.end) / seconds),
      benchCores: between(machine.bench, window.start, window.end) / seconds,
      machineCores: between(machine.machine, window.start, window.end) / seconds,
      mixCpuSeconds: workers.reduce((sum, w) => sum + mixingCpuSeconds(w.log()), 0),
      ...sumBreakdowns(workers.map((w) => mixingBreakdown(w.log()))),
      totalCpuSeconds: cpu(),
      mix,
      model,
      learned: records,
      points: [...follower.points],
    };
    return outcome;
  } finally {
    machine.stop();
    follower.stop();
    await Promise.all(workers.map((w) => stopWorker(w, 5000)));
    await deleteTopics(brokers, [outputs.modelTopic, mixTopic, outputs.deadLetterTopic, ...(outputs.metricsTopic ? [outputs.metricsTopic] : [])]).catch(
      () => undefined,
    );
  }
}

/** Each thread kind's cumulative CPU seconds over time, from a worker's probe lines. */
function threadSeries(probes: ProbeSample[]): Map<string, Series[]> {
  const series = new Map<string, Series[]>();
  for (const p of probes) for (const [kind, ms] of Object.entries(p.threads)) series.set(kind, [...(series.get(kind) ?? []), { at: p.at, value: ms / 1000 }]);
  return series;
}

/** Each kind of garbage collection's cumulative count ("<kind> count") and main-thread pause seconds ("<kind> s"). */
function gcSeries(probes: ProbeSample[]): Map<string, Series[]> {
  const series = new Map<string, Series[]>();
  const add = (name: string, at: number, value: number) => series.set(name, [...(series.get(name) ?? []), { at, value }]);
  for (const p of probes)
    for (const [kind, { count, ms }] of Object.entries(p.gc)) {
      add(`${kind} count`, p.at, count);
      add(`${kind} s`, p.at, ms / 1000);
    }
  return series;
}

/** CPU seconds per thread kind between start and end, summed over workers. */
function sumThreads(workers: Array<Map<string, Series[]>>, start: number, end: number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const threads of workers) for (const [kind, series] of threads) sums[kind] = (sums[kind] ?? 0) + between(series, start, end);
  return sums;
}

function sumBreakdowns(all: Array<{ parts: Record<string, number>; relearned: number }>): { mixParts: Record<string, number>; relearned: number } {
  const mixParts: Record<string, number> = {};
  for (const { parts } of all) for (const [part, ms] of Object.entries(parts)) mixParts[part] = (mixParts[part] ?? 0) + ms;
  return { mixParts, relearned: all.reduce((sum, b) => sum + b.relearned, 0) };
}

function list(value: string, option: string, allowed: readonly string[]): string[] {
  const items = value.split(',').map((item) => item.trim());
  const bad = items.find((item) => !allowed.includes(item));
  if (bad !== undefined || items.length === 0) throw new ConfigError(`--${option} takes a comma-separated list of ${allowed.join(', ')}; got "${value}"`);
  return items;
}

/** `--fetch-kb 1024,128`: bytes per partition a fetch asks for, in KiB, one variant of every setup each. */
function fetchKb(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const kb = value.split(',').map(Number);
  if (kb.some((k) => !(Number.isInteger(k) && k > 0)))
    throw new ConfigError(`--fetch-kb takes a comma-separated list of positive integers (KiB); got "${value}"`);
  return kb;
}

function options(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string', default: '2000000' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '1,2,4' },
      cadence: { type: 'string', default: 'none,1s,10k' },
      repeat: { type: 'string', default: '1' },
      'node-options': { type: 'string' },
      'fetch-kb': { type: 'string' },
    },
  });
  const records = Number(values.records);
  const repeat = Number(values.repeat);
  if (!(Number.isInteger(records) && records >= 20_000)) throw new ConfigError(`--records must be an integer of at least 20000, got "${values.records}"`);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new ConfigError(`--repeat must be a positive integer, got "${values.repeat}"`);
  const workers = list(values.workers, 'workers', ['1', '2', '4']).map(Number);
  const cadences = list(values.cadence, 'cadence', CADENCES);
  return {
    records,
    seed: Number(values.seed),
    repeat,
    setups: setupsFor(
      workers,
      cadences,
      values['node-options']?.split('|').map((o) => o.trim()),
      fetchKb(values['fetch-kb']),
    ),
    nodeOptions: values['node-options'],
  };
}

/**
 * Scale-out (docs/scale-out.md): 1, 2 and 4 `streamlearn run` processes of regression-sgd sharing one
 * model on a 4-partition topic, mixing every second and every 10k records, plus one process without
 * mixing. Options: `--records n` (default 2,000,000), `--seed s`, `--workers 1,2,4`, `--cadence none,1s,10k`,
 * `--repeat n` (every setup n times, interleaved: the median and the spread are reported), `--node-options 'S|T'` (the workers'
 * NODE_OPTIONS; several variants separated by | run every setup once per variant, interleaved; an empty variant is none).
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { records, seed, repeat, setups, nodeOptions } = options(args);
  const loadAtStart = loadAverage();
  const broker = await resolveBroker({ log });
  const stream = friedmanStream({ seed: seed + 1000 });
  const heldBack = Array.from({ length: 2000 }, () => stream.next().value as unknown as Row);
  const stamp = `bench-scale-${Date.now().toString(36)}`;
  const input = `${stamp}.events`;
  const outcomes: Outcome[] = [];
  try {
    await ensureTopics({ brokers: broker.brokers }, [{ topic: input, partitions: PARTITIONS }]);
    const produced = Date.now();
    await produceAll(broker.brokers, input, friedmanJson(records, seed));
    log(`scale: ${records} events on ${input} in ${((Date.now() - produced) / 1000).toFixed(1)} s, read by every setup`);
    // Let the broker settle (flushes, JIT) after the produce, before the first setup samples its idle CPU.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const context: Context = {
      brokers: broker.brokers,
      brokerPid: broker.pid,
      input,
      ends: await endOffsets(broker.brokers, input),
      records,
      heldBack,
      stamp,
    };
    for (let round = 0; round < repeat; round++) {
      for (const setup of setups) {
        log(`scale: ${setup.name}${repeat > 1 ? ` (run ${round + 1} of ${repeat})` : ''}…`);
        const outcome = await measure(setup, { ...context, stamp: `${stamp}-${round}` });
        log(
          `  ${(outcome.records / outcome.seconds).toFixed(0)} records/s over ${outcome.seconds.toFixed(1)} s, ${(outcome.records / outcome.cpuSeconds).toFixed(0)} records/CPU-s, ` +
            `workers busy ${(100 * outcome.busy).toFixed(0)}%, broker ${outcome.brokerCores.toFixed(2)} cores, machine ${outcome.machineCores.toFixed(2)} cores, ${outcome.points.length} versions`,
        );
        outcomes.push({ ...outcome, round });
      }
    }
  } finally {
    await deleteTopics(broker.brokers, [input]).catch(() => undefined);
    await broker.stop();
  }
  return {
    tables: [
      throughputTable(outcomes),
      whereCoresWent(outcomes),
      threadsTable(outcomes),
      mixingProfile(outcomes),
      learningCurves(
        outcomes.filter((o) => o.round === 0),
        records,
      ),
    ],
    context: {
      records,
      seed,
      repeat,
      nodeOptions: nodeOptions ?? null,
      partitions: PARTITIONS,
      cores: availableParallelism(),
      brokerSource: broker.source,
      loadAtStart,
      loadAtEnd: loadAverage(),
    },
    notes: [
      'Every setup reads the same events from one topic, produced once, with its own group, model and mix topics; with --repeat n every setup runs n times, interleaved (all setups, then all again), and each cell is the median, "spread" the (max − min) / median of records/s.',
      "Timed from the workers' own progress lines (the lag of each partition, about once a second): from when every worker is running and the group has consumed 10% of the stream, to 90%. Startup and the tail are left out, alike for every setup, and the window does not depend on how many versions the cadence publishes.",
      'records/CPU-s: the records over the workers’ CPU in that window (from a probe each worker loads, which also gives the event-loop busy share: 100% means the worker never waited for Kafka).',
      '"vs 1 worker": the median over runs of each run’s ratio to the 1-worker setup of the same cadence in the same run. "vs ideal": over min(workers, cores) × that; these machines have 2 cores, so 4 workers can at best double one.',
      '"broker cores", "bench cores", "machine cores": CPU-seconds per second in the window of the broker JVM (when the bench started it), of the bench process (producing nothing then; it follows the versions, and scores them after the run), and of the whole machine (everything, other users included). Machine minus workers, broker and bench is what others took.',
      '"mixing CPU %": the CPU the workers spent capturing, encoding, decoding and merging states and adopting versions, over all their CPU. The profile splits it.',
      'Mixing every 10k records: each worker contributes after 10k records of its own (or when another opened the round), with a 5 s time cadence for the tail.',
    ],
  };
}
