import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { createKafkaClient } from '../../connectors/kafka/client';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { friedmanStream } from '../../src/datasets/friedman';
import { ConfigError } from '../../src/errors';
import { retry } from '../../src/retry';
import type { Row } from '../../src/features/stage';
import { regressionSgd } from '../../topologies/regression-sgd';
import { friedmanJson, produceAll } from '../e2e/data';
import { loadAverage } from '../io/measure';
import { deleteTopics } from '../io/topics';
import type { BenchResult, BenchTable } from '../report';
import { followVersions, type VersionPoint } from '../scale/versions';
import { mixingBreakdown, mixingCpuSeconds, startWorker, stopWorker } from '../scale/workers';

const PARTITIONS = 4;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Setup {
  name: string;
  workers: number;
  cadence: string;
  args: string[];
}

interface Outcome {
  setup: Setup;
  records: number;
  seconds: number;
  cpuSeconds: number;
  mixCpuSeconds: number;
  /** Mixing CPU (ms) per part over all workers, and records learned again on adoption (`carryOnto`). */
  mixParts: Record<string, number>;
  relearned: number;
  totalCpuSeconds: number;
  points: VersionPoint[];
}

const SETUPS: Setup[] = [
  // The default checkpoints (every 10k records or 5 s): the stream's tail is published too.
  { name: '1 process, no mixing (checkpoints every 10k / 5 s)', workers: 1, cadence: 'none', args: [] },
  ...[1, 2, 4].flatMap((workers) => [
    { name: `${workers} worker${workers > 1 ? 's' : ''}, mix every 1 s`, workers, cadence: '1 s', args: ['--mix-every-ms', '1000'] },
    // A 5 s time cadence too: the stream's tail (under 10k records per worker) is mixed as well.
    {
      name: `${workers} worker${workers > 1 ? 's' : ''}, mix every 10k records`,
      workers,
      cadence: '10k',
      args: ['--mix-every-records', '10000', '--mix-every-ms', '5000'],
    },
  ]),
];

async function endOffsets(brokers: string[], topic: string): Promise<Map<number, string>> {
  const admin = createKafkaClient({ brokers, clientId: 'bench-scale' }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

/** One setup on its own topics: N `streamlearn run` processes, timed from the first version with examples to the one covering every partition. */
async function measure(setup: Setup, brokers: string[], records: number, seed: number, heldBack: Row[], stamp: string): Promise<Outcome> {
  const prefix = `${stamp}-${setup.workers}-${setup.cadence.replace(/\W/g, '')}.`;
  const topology = regressionSgd({ prefix });
  const { input, outputs } = topology.config;
  // The model topic too: the follower below reads it before the workers create it.
  // Retried: right after the previous setup's topics were deleted the broker sometimes answers NOT_LEADER (seen once).
  const specs = [
    { topic: input.topic, partitions: PARTITIONS },
    { topic: outputs.modelTopic, compacted: true },
  ];
  await retry(() => ensureTopics({ brokers }, specs), { retries: 5, initialDelayMs: 1000 });
  await produceAll(brokers, input.topic, friedmanJson(records, seed));
  const ends = await endOffsets(brokers, input.topic);
  const workers: ReturnType<typeof startWorker>[] = [];
  const cpu = () => workers.reduce((sum, w) => sum + w.cpuSeconds(), 0);
  const follower = followVersions(brokers, outputs.modelTopic, topology.modelId, heldBack, cpu);
  try {
    const args = ['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, ...setup.args];
    for (let i = 0; i < setup.workers; i++) workers.push(startWorker(args));
    await follower.covering(ends, 900_000);
    await Promise.all(workers.map((w) => stopWorker(w)));
    const { first, last } = timedWindow(follower.points, records, setup.workers);
    return {
      setup,
      records: last.examplesSeen - first.examplesSeen,
      seconds: (last.createdAt - first.createdAt) / 1000,
      cpuSeconds: last.workersCpu - first.workersCpu,
      mixCpuSeconds: workers.reduce((sum, w) => sum + mixingCpuSeconds(w.log()), 0),
      ...sumBreakdowns(workers.map((w) => mixingBreakdown(w.log()))),
      totalCpuSeconds: cpu(),
      points: [...follower.points],
    };
  } finally {
    follower.stop();
    await Promise.all(workers.map((w) => stopWorker(w, 5000)));
    await deleteTopics(brokers, [
      input.topic,
      outputs.modelTopic,
      `${outputs.modelTopic}.mix`,
      outputs.deadLetterTopic,
      ...(outputs.metricsTopic ? [outputs.metricsTopic] : []),
    ]).catch(() => undefined);
  }
}

/**
 * The versions a rate is taken between: the first past 5% of the stream that merges every worker, and the
 * last at or below 90%. Startup (joins, the first start) and the stream's tail (published at the time
 * cadence, after an idle wait) are left out, alike for every setup.
 */
function timedWindow(points: VersionPoint[], records: number, workers: number): { first: VersionPoint; last: VersionPoint } {
  const first = points.find((p) => p.examplesSeen >= 0.05 * records && p.workers === workers) ?? points[0];
  const inside = points.filter((p) => p.examplesSeen <= 0.9 * records && p.examplesSeen > first.examplesSeen);
  const last = inside[inside.length - 1] ?? points[points.length - 1];
  return { first, last };
}

function throughputTable(outcomes: Outcome[]): BenchTable {
  const cores = availableParallelism();
  const oneWorker = (cadence: string) => outcomes.find((o) => o.setup.workers === 1 && o.setup.cadence === cadence);
  const rows = outcomes.map((o) => {
    const rate = o.records / o.seconds;
    const base = oneWorker(o.setup.cadence);
    const baseRate = base ? base.records / base.seconds : NaN;
    return {
      setup: o.setup.name,
      'records/s': rate,
      'records/CPU-s': o.records / o.cpuSeconds,
      'vs 1 worker': rate / baseRate,
      'vs ideal': rate / (baseRate * Math.min(o.setup.workers, cores)),
      'mixing CPU %': (100 * o.mixCpuSeconds) / o.totalCpuSeconds,
      versions: o.points.length,
      'final RMSE': o.points[o.points.length - 1]?.rmse ?? null,
    };
  });
  return {
    title: `Throughput: regression-sgd on a ${PARTITIONS}-partition topic, N \`streamlearn run\` processes`,
    columns: ['setup', 'records/s', 'records/CPU-s', 'vs 1 worker', 'vs ideal', 'mixing CPU %', 'versions', 'final RMSE'],
    rows,
  };
}

function sumBreakdowns(all: Array<{ parts: Record<string, number>; relearned: number }>): { mixParts: Record<string, number>; relearned: number } {
  const mixParts: Record<string, number> = {};
  for (const { parts } of all) for (const [part, ms] of Object.entries(parts)) mixParts[part] = (mixParts[part] ?? 0) + ms;
  return { mixParts, relearned: all.reduce((sum, b) => sum + b.relearned, 0) };
}

/** Where the mixing CPU goes, per part, as a share of all the workers' CPU (the profile issue 13 asks for). */
function mixingProfile(outcomes: Outcome[], records: number): BenchTable {
  const mixed = outcomes.filter((o) => o.setup.cadence !== 'none');
  const parts = [...new Set(mixed.flatMap((o) => Object.keys(o.mixParts)))];
  const rows = mixed.map((o) => ({
    setup: o.setup.name,
    ...Object.fromEntries(parts.map((part) => [`${part} %`, (100 * (o.mixParts[part] ?? 0)) / 1000 / o.totalCpuSeconds])),
    're-learned % of records': (100 * o.relearned) / records,
  }));
  return {
    title: 'Where mixing CPU goes: % of all the workers’ CPU per part',
    columns: ['setup', ...parts.map((part) => `${part} %`), 're-learned % of records'],
    rows,
  };
}

/** Held-back RMSE of the newest version at or below each number of examples seen. */
function learningCurves(outcomes: Outcome[], records: number): BenchTable {
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

/**
 * Scale-out (docs/scale-out.md): 1, 2 and 4 `streamlearn run` processes of regression-sgd sharing one
 * model on a 4-partition topic, mixing every second and every 10k records, plus one process without
 * mixing. Options: `--records n` (default 200,000), `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '200000' }, seed: { type: 'string', default: '1' } } });
  const records = Number(values.records);
  const seed = Number(values.seed);
  if (!(Number.isInteger(records) && records >= 20_000)) throw new ConfigError(`--records must be an integer of at least 20000, got "${values.records}"`);
  const loadAtStart = loadAverage();
  const broker = await resolveBroker({ log });
  const heldBack = Array.from(
    { length: 2000 },
    (
      (stream) => () =>
        stream.next().value as unknown as Row
    )(friedmanStream({ seed: seed + 1000 })),
  );
  const stamp = `bench-scale-${Date.now().toString(36)}`;
  const outcomes: Outcome[] = [];
  try {
    for (const setup of SETUPS) {
      log(`scale: ${setup.name}…`);
      const outcome = await measure(setup, broker.brokers, records, seed, heldBack, stamp);
      log(`  ${(outcome.records / outcome.seconds).toFixed(0)} records/s, ${outcome.points.length} versions`);
      outcomes.push(outcome);
    }
  } finally {
    await broker.stop();
  }
  return {
    tables: [throughputTable(outcomes), mixingProfile(outcomes, records), learningCurves(outcomes, records)],
    context: { records, seed, partitions: PARTITIONS, cores: availableParallelism(), loadAtStart, loadAtEnd: loadAverage() },
    notes: [
      'Each setup runs on its own topics, one after the other, with the same events. Timed between versions (their createdAt): from the first past 5% of the stream that merges every worker to the last at or below 90%, leaving out startup and the tail; CPU is the workers’ own (from /proc), sampled when each version is received.',
      '"vs ideal": records/s over (1 worker’s records/s × min(workers, cores)); these machines have 2 cores, so 4 workers can at best double one.',
      '"mixing CPU %": the CPU the workers spent capturing, encoding, decoding and merging states and adopting versions, over all their CPU. The profile splits it: read versions (assembling the model topic\'s versions), read contributions (the mixer decoding them), contribute (state captured and encoded), adopt (a version restored, plus the records learned since the contribution learned again on it), merge (states and metric states), publish (the merged version encoded).',
      'Mixing every 10k records: each worker contributes after 10k records of its own (or when another opened the round), with a 5 s time cadence for the tail.',
    ],
  };
}
