/**
 * Two mixing workers of one shared model, each a `runTopology` in this process, over the fake kafkajs
 * client whose group splits the input partitions between them (docs/scale-out.md): the owner of partition
 * 0 mixes, every round merges both members' contributions weighted by their examples, the other member
 * adopts each merged version and commits its own partitions' offsets from it, and a partition that moves
 * at a rebalance (a member joins, a member leaves) is neither lost nor learned twice.
 */
import '../../../src/builtins';
import type { Checkpoint } from '../../../src/checkpoints/envelope';
import { createCheckpointAssembler } from '../../../src/checkpoints/records';
import { mergeStates } from '../../../src/learners/merge';
import { createMixReader, type Contribution, type MixStart } from '../../../src/topology/mixing/mix-records';
import { runTopology, type RunningTopology } from '../../../src/topology/run-topology';
import { fakeCluster } from '../connectors/fake-kafka';
import { linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());
// Waits on the fake group and the members' 200 ms ticks: under load longer than Jest's default 5 s (the mutation config keeps it).
jest.setTimeout(60_000);

const connection = { brokers: ['fake:9092'] };
const MODEL = 'unit-regression';
const rows = linearEvents(400).map((row) => Buffer.from(JSON.stringify(row)));
let produced = 0;

/** The next `n` events of the fixed sequence, appended to `partition`. */
function produce(partition: number, n: number): void {
  fakeCluster.append('events', partition, rows.slice(produced, produced + n));
  produced += n;
}

interface Worker {
  running: RunningTopology;
  lines: string[];
  learned: () => number;
}

const workers: Worker[] = [];

async function startWorker(): Promise<Worker> {
  const lines: string[] = [];
  const topology = regressionTopology({ batch: { maxRecords: 5, maxWaitMs: 20 } });
  const running = await runTopology(topology, { ...connection, mix: { everyRecords: 10, everyMs: 250 }, log: (line) => lines.push(line) });
  let learned = 0;
  running.steps.subscribe(({ progress }) => (learned = progress.learned));
  const worker = { running, lines, learned: () => learned };
  workers.push(worker);
  return worker;
}

async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${workers.map((w, i) => `worker ${i}:\n${w.lines.join('\n')}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every version on the model topic, in order. */
function versions(): Checkpoint[] {
  if (!fakeCluster.topics.has('models')) return [];
  const assembler = createCheckpointAssembler(MODEL);
  return fakeCluster.partition('models', 0).messages.flatMap((m, i) => {
    const checkpoint = assembler.push({ key: m.key === null ? null : String(m.key), value: m.value as Buffer | null }, `models/0@${i}`);
    return checkpoint ? [checkpoint] : [];
  });
}

function mixTopic(): { starts: MixStart[]; contributions: Contribution[] } {
  const read = createMixReader(MODEL, (reason) => {
    throw new Error(reason);
  });
  const starts: MixStart[] = [];
  const contributions: Contribution[] = [];
  fakeCluster.partition('models.mix', 0).messages.forEach((m, i) => {
    const event = read({ key: String(m.key), value: m.value as Buffer }, `mix@${i}`);
    if (event?.type === 'start') starts.push(event.start);
    if (event?.type === 'contribution') contributions.push(event.contribution);
  });
  return { starts, contributions };
}

const newest = () => versions().at(-1);
const offsetsOf = (checkpoint: Checkpoint | undefined) => Object.fromEntries((checkpoint?.manifest.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
const ends = () => ({ 0: fakeCluster.end('events', 0), 1: fakeCluster.end('events', 1) });
const committed = (partition: number) => Number(fakeCluster.committedOffset(MODEL, 'events', partition) ?? -1);
/** A version holds every produced event, and each member committed its partitions' offsets from it. */
const caughtUp = () =>
  newest()?.manifest.examplesSeen === produced &&
  JSON.stringify(offsetsOf(newest())) === JSON.stringify(ends()) &&
  committed(0) === ends()[0] &&
  committed(1) === ends()[1];

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 2);
  produced = 0;
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.running.stop().catch(() => undefined)));
});

describe('two mixing workers through runTopology', () => {
  it('split the partitions; each round merges both by examples, the other member adopts it, and each commits its own partitions', async () => {
    const a = await startWorker();
    await until('the first generation', () => a.lines.some((line) => line.startsWith('mix: generation 1, partitions [0, 1] from v0 (mixer)')));
    const b = await startWorker();
    await until(
      'the split',
      () => b.lines.some((line) => / partitions \[1\] from v0$/.test(line)) && a.lines.some((line) => / partitions \[0\] from v0 \(mixer\)$/.test(line)),
    );
    const generation = Number(/generation (\d+)/.exec(b.lines.find((line) => line.includes('partitions [1]'))!)![1]);
    expect(generation).toBeGreaterThan(1);
    produce(0, 40);
    produce(1, 20);
    await until('every event in a version and committed', caughtUp);

    const all = versions();
    expect(all.map((v) => v.manifest.version)).toEqual(all.map((_, i) => i + 1));
    expect(all.every((v) => v.manifest.generation === generation)).toBe(true);
    // Every version is one round of both members; the examples add up to what each learned.
    for (const [i, v] of all.entries()) {
      const mix = v.manifest.extra?.mix as { members: number; learned: Record<string, number> };
      expect(mix.members).toBe(2);
      const learned = Object.values(mix.learned).reduce((sum, n) => sum + n, 0);
      expect(v.manifest.examplesSeen).toBe((i === 0 ? 0 : all[i - 1].manifest.examplesSeen) + learned);
    }
    // The first version with examples from both members is their example-weighted merge onto the version before.
    const { starts, contributions } = mixTopic();
    expect(starts.map((s) => s.generation)).toEqual([1, generation]);
    expect(starts[1]).toMatchObject({ base: 0, claimed: 0 });
    const both = all.find((v) => Object.values((v.manifest.extra?.mix as { learned: Record<string, number> }).learned).every((n) => n > 0))!;
    expect(both).toBeDefined();
    const round = contributions.filter((c) => c.generation === generation && c.base === both.manifest.version - 1);
    expect(round.map((c) => c.partitions).sort()).toEqual([[0], [1]]);
    const base = all.find((v) => v.manifest.version === both.manifest.version - 1);
    const merged = mergeStates(
      round.map((c) => c.state),
      round.map((c) => c.learned),
      base?.state,
    );
    expect(Array.from(both.state.arrays['model/weights'])).toEqual(Array.from(merged.arrays['model/weights']));
    expect(both.manifest.extra?.mix).toMatchObject({ learned: Object.fromEntries(round.map((c) => [c.member, c.learned])) });

    // Nothing was learned twice: the two workers learned the 60 events between them, each its own partition.
    await until('both workers counted', () => a.learned() + b.learned() === 60);
    expect([a.learned(), b.learned()]).toEqual([40, 20]);
    // The member that does not mix adopted the versions: at least the first that holds its whole partition (it committed from it).
    const last = newest()!.manifest.version;
    const holdsB = all.find((v) => offsetsOf(v)[1] === ends()[1])!.manifest.version;
    const [, stoppedB] = await Promise.all([a.running.stop(), b.running.stop()]);
    expect(stoppedB.versions[MODEL]).toBeGreaterThanOrEqual(holdsB);
    expect(stoppedB.versions[MODEL]).toBeLessThanOrEqual(last);
    expect(b.lines.some((line) => line.startsWith('mix: leading'))).toBe(false);
    expect(b.lines.find((line) => line.startsWith('mix: ') && line.includes('versions adopted'))).toMatch(/^mix: \d+ versions adopted, 0 records re-learned;/);
  });

  it('a partition that moves at a join and at a leave is neither lost nor learned twice', async () => {
    const a = await startWorker();
    produce(0, 20);
    produce(1, 20);
    await until('a first version of 40 events', () => newest()?.manifest.examplesSeen === 40);
    // A second worker joins while the first is learning: partition 1 moves to it.
    produce(0, 15);
    produce(1, 15);
    const b = await startWorker();
    produce(0, 10);
    produce(1, 10);
    await until('every event in a version after the join', caughtUp);
    expect(newest()!.manifest.extra?.mix).toMatchObject({ members: 2 });
    expect(b.lines.some((line) => / partitions \[1\] from v\d+$/.test(line))).toBe(true);

    // It leaves: the first worker takes partition 1 back from the newest version.
    await b.running.stop();
    workers.splice(workers.indexOf(b), 1);
    await until('the first worker alone again', () =>
      a.lines.some((line) => / partitions \[0, 1\] from v\d+ \(mixer\)$/.test(line) && !line.includes(' 1, partitions')),
    );
    produce(0, 5);
    produce(1, 5);
    await until('every event in a version after the leave', caughtUp);
    expect(newest()!.manifest.extra?.mix).toMatchObject({ members: 1 });

    const all = versions();
    expect(all.map((v) => v.manifest.version)).toEqual(all.map((_, i) => i + 1));
    const generations = all.map((v) => v.manifest.generation!);
    expect(generations).toEqual([...generations].sort((x, y) => x - y));
    expect(new Set(generations).size).toBeGreaterThanOrEqual(3);
    expect(newest()!.manifest.examplesSeen).toBe(100);
  });
});
