/**
 * One mixing worker that does not mix (it owns partition 1, not 0), driven step by step through its public
 * seams over the fake kafkajs client: the group's joins and heartbeats, the gate batches pass, the mix
 * topic (the test writes the mixer's start records) and the model topic (the test publishes the merged
 * versions). What docs/scale-out.md promises of a worker: it waits for its generation's start, contributes
 * on its cadence or when a round is open, adopts only its own generation's merged version and commits only
 * its own partitions from it, drops a round revoked by a re-join, and never learns a batch of an earlier join.
 */
import { lastValueFrom, of, toArray } from 'rxjs';
import '../../../src/builtins';
import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import type { MicroBatch } from '../../../connectors/types';
import type { PartitionOffset } from '../../../src/checkpoints/manifest';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createMixMember, type MixMember } from '../../../src/topology/mixing/mix-member';
import { createMixReader, startRecord, type Contribution } from '../../../src/topology/mixing/mix-records';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { newSlot } from '../../../src/topology/restore';
import { recordConsumed } from '../../../src/topology/slot-ledger';
import { fakeCluster } from '../connectors/fake-kafka';
import { linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());
// Waits on the fake group and the members' 200 ms ticks: under load longer than Jest's default 5 s (the mutation config keeps it).
jest.setTimeout(60_000);

const connection = { brokers: ['fake:9092'] };
const topology = regressionTopology();
const MODEL = topology.modelId;
const events = linearEvents(300);

/** Appends to the fake topics as a producer would. */
const sink = {
  send: async (topic: string, messages: OutgoingMessage[]) => messages.forEach((m) => fakeCluster.appendMessage(topic, 0, { ...m })),
};
const publisher = () => createCheckpointPublisher({ sink, topic: 'models' });

interface Harness {
  member: MixMember;
  slot: ModelSlot;
  lines: string[];
  commits: PartitionOffset[][];
  adopted: number[];
  commit: jest.Mock<Promise<void>, [PartitionOffset[]]>;
}

let current: Harness | undefined;

async function start(cadence = { everyRecords: 10, everyMs: 600_000 }): Promise<Harness> {
  const slot = newSlot(topology, MODEL);
  const lines: string[] = [];
  const commits: PartitionOffset[][] = [];
  const adopted: number[] = [];
  const commit = jest.fn(async (positions: PartitionOffset[]) => void commits.push(positions));
  const joins = () => fakeCluster.calls.filter((call) => call === 'consumer.join').length;
  const before = joins();
  const member = createMixMember({
    topology,
    connection,
    cadence,
    inputPartitions: 2,
    slot: () => slot,
    inStep: () => 0,
    sink,
    commit,
    log: (line) => lines.push(line),
    adopted: (version) => adopted.push(version),
    patience: { retries: 1, initialDelayMs: 1, maxDelayMs: 1 },
  });
  current = { member, slot, lines, commits, adopted, commit };
  // Its readers of the model and mix topics have joined: the mix topic is read from its end.
  await until('the readers', () => joins() >= before + 2);
  return current;
}

async function until(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${current?.lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

/** Learns the next `n` events of `partition` into the slot, as the learning step would. */
function learn(slot: ModelSlot, partition: number, n: number): void {
  const key = `events/${partition}`;
  const from = Number(slot.offsets.get(key)?.offset ?? 0);
  const rows = events.slice(from, from + n);
  slot.model.learnMany(
    rows,
    Float64Array.from(rows, (row) => row.y as number),
  );
  recordConsumed(slot, { topic: 'events', partition, firstOffset: String(from), nextOffset: String(from + n) } as MicroBatch<unknown>, n, n);
  slot.journal.push({ where: `${key}@${from}` } as ModelSlot['journal'][number]);
}

function contributions(): Contribution[] {
  const read = createMixReader(MODEL, () => undefined);
  return fakeCluster.partition('models.mix', 0).messages.flatMap((m, i) => {
    const event = read({ key: String(m.key), value: m.value as Buffer }, `mix@${i}`);
    return event?.type === 'contribution' ? [event.contribution] : [];
  });
}

const announce = (generation: number, base: number) =>
  void sink.send('models.mix', [startRecord(MODEL, { generation, base, claimed: base, mixer: 'member-0' })]);

/** Publishes a merged version as the mixer would. */
async function publishVersion(version: number, generation: number, offsets: Record<number, number>, examplesSeen: number): Promise<void> {
  const model = topology.config.model();
  const rows = events.slice(200, 210);
  model.learnMany(
    rows,
    Float64Array.from(rows, (row) => row.y as number),
  );
  const positions = Object.entries(offsets).map(([partition, offset]) => ({ topic: 'events', partition: Number(partition), offset: String(offset) }));
  await publisher().publish({ modelId: MODEL, version, generation, epoch: 0, offsets: positions, examplesSeen, metrics: {} }, model.state());
}

/** A batch through the member's gate: whether it came out. */
async function gated(member: MixMember, batch: MicroBatch<unknown>): Promise<boolean> {
  return (await lastValueFrom(of(batch).pipe(member.gate(), toArray()))).length === 1;
}

const batchOf = (partition: number, acked: string[]): MicroBatch<unknown> =>
  ({
    topic: 'events',
    partition,
    records: [],
    deadLettered: 0,
    firstOffset: '0',
    lastOffset: '0',
    nextOffset: '1',
    lag: 0,
    ack: async () => void acked.push(`events/${partition}`),
  }) as MicroBatch<unknown>;

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 2);
  fakeCluster.addTopic('models', 1);
  fakeCluster.addTopic('models.mix', 1);
});

afterEach(async () => {
  await current?.member.close();
  current = undefined;
});

describe('a mixing worker that does not mix', () => {
  it('waits for its generation’s start, contributes its partition on its cadence, adopts the merged version with what it learned since, and commits its own partition', async () => {
    const { member, slot, lines, commits, adopted } = await start();
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1] } });
    // Another member's heartbeat, and no start yet: the gate holds the batch.
    member.membership.heartbeat({ memberId: 'member-0', generation: 4 });
    member.membership.heartbeat({ memberId: 'member-1', generation: 4 });
    const acked: string[] = [];
    const passing = gated(member, batchOf(1, acked));
    await settle();
    expect(lines.filter((line) => line.startsWith('mix: generation'))).toEqual([]);
    announce(4, 0);
    expect(await passing).toBe(true);
    expect(lines).toContain('mix: generation 4, partitions [1] from v0');
    expect(lines.some((line) => line.startsWith('mix: leading'))).toBe(false);

    // Below the cadence nothing is sent; at 10 records it contributes what it learned since v0, its partition only.
    learn(slot, 1, 6);
    await settle();
    expect(contributions()).toEqual([]);
    learn(slot, 1, 6);
    await until('a contribution', () => contributions().length === 1);
    const [mine] = contributions();
    expect(mine).toMatchObject({ generation: 4, base: 0, member: 'member-1', partitions: [1], learned: 12, consumed: 12, examplesSeen: 12 });
    expect(mine.offsets).toEqual([{ topic: 'events', partition: 1, offset: '12' }]);

    // It learns on while the round is merged; the version of its round then takes that over.
    learn(slot, 1, 5);
    await publishVersion(1, 4, { 0: 30, 1: 12 }, 42);
    await until('the adoption', () => adopted.length === 1);
    expect(adopted).toEqual([1]);
    expect(slot.examplesSeen).toBe(47);
    expect(slot.version).toBe(1);
    expect(slot.offsets.get('events/1')?.offset).toBe('17');
    expect(slot.offsets.get('events/0')?.offset).toBe('30');
    await until('the commit', () => commits.length === 1);
    expect(commits).toEqual([[{ topic: 'events', partition: 1, offset: '12' }]]);

    // The next round is on v1, counting only what was learned since v1.
    learn(slot, 1, 5);
    await until('a second contribution', () => contributions().length === 2);
    expect(contributions()[1]).toMatchObject({
      generation: 4,
      base: 1,
      learned: 10,
      examplesSeen: 52,
      offsets: [{ topic: 'events', partition: 1, offset: '22' }],
    });
    await member.close();
    expect(lines.at(-1)).toMatch(
      /^mix: 1 versions adopted, 0 records re-learned; mixing used \d+ ms of CPU \(read versions \d+, read contributions \d+, contribute \d+, adopt \d+, merge \d+, publish \d+\)$/,
    );
    current = undefined;
  });

  it('contributes as soon as another member opened the round, even below its cadence, and a version of another generation is not adopted', async () => {
    const { member, slot, adopted, commits } = await start({ everyRecords: 1000, everyMs: 600_000 });
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1] } });
    member.membership.heartbeat({ memberId: 'member-1', generation: 2 });
    announce(2, 0);
    await until('the start', () => current!.lines.some((l) => l.startsWith('mix: generation 2')));
    learn(slot, 1, 3);
    await settle();
    expect(contributions()).toEqual([]);
    // Another member's contribution opens round (2, v0): this one joins it at once.
    await sink.send('models.mix', [{ key: `${MODEL}~g2~b0~member-0`, value: Buffer.from('not read by a non-mixer') }]);
    await until('a contribution', () => contributions().length === 1);
    expect(contributions()[0]).toMatchObject({ generation: 2, base: 0, learned: 3 });

    // A version of a later generation is not this round's: not adopted, nothing committed.
    await publishVersion(1, 3, { 0: 5, 1: 3 }, 8);
    await settle();
    expect(adopted).toEqual([]);
    expect(commits).toEqual([]);
    expect(slot.examplesSeen).toBe(3);
  });

  it('on a time cadence, contributes once it has learned something and the interval has passed, never with nothing learned', async () => {
    const { member, slot, lines } = await start({ everyRecords: Infinity, everyMs: 300 });
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1] } });
    member.membership.heartbeat({ memberId: 'member-1', generation: 2 });
    announce(2, 0);
    await until('the start', () => lines.some((l) => l.startsWith('mix: generation 2')));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(contributions()).toEqual([]);
    learn(slot, 1, 2);
    await until('a contribution', () => contributions().length === 1);
    expect(contributions()[0]).toMatchObject({ learned: 2, consumed: 2 });
  });

  it('a re-join mid-round drops the round: the old generation’s version is not adopted, and the new start’s version is', async () => {
    const { member, slot, adopted, commits, lines } = await start();
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1] } });
    member.membership.heartbeat({ memberId: 'member-1', generation: 6 });
    announce(6, 0);
    await until('the start', () => lines.some((l) => l.startsWith('mix: generation 6')));
    learn(slot, 1, 12);
    await until('a contribution', () => contributions().length === 1);
    // A batch fetched in this join, then the group rebalances: partition 1 and 0 both come to this member.
    const acked: string[] = [];
    const early = batchOf(1, acked);
    member.fetched(early);
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1, 0] } });
    await publishVersion(1, 6, { 0: 10, 1: 12 }, 22);
    await settle();
    expect(adopted).toEqual([]);
    expect(commits).toEqual([]);
    // The batch of the earlier join is acknowledged but never learned.
    expect(await gated(member, early)).toBe(false);
    expect(acked).toEqual(['events/1']);
    // Owning partition 0 now, it mixes generation 7: its start continues from v1, which the slot takes over;
    // what it had not mixed is gone.
    member.membership.heartbeat({ memberId: 'member-1', generation: 7 });
    await until('the new generation', () => lines.some((l) => l.startsWith('mix: generation 7')));
    expect(lines).toContain('mix: leading generation 7 (epoch 0) from v1');
    expect(lines).toContain('mix: generation 7, partitions [0, 1] from v1 (mixer)');
    expect(slot.examplesSeen).toBe(22);
    expect(slot.offsets.get('events/1')?.offset).toBe('12');
    expect(slot.version).toBe(1);
    expect(adopted).toEqual([]);
  });

  it('says so, in one line, when its commit is refused or a record on the mix or model topic is broken', async () => {
    const { member, slot, lines, commit, adopted } = await start();
    commit.mockImplementation(async () => {
      throw new Error('ILLEGAL_GENERATION');
    });
    member.membership.joined({ memberId: 'member-1', assignment: { events: [1] } });
    member.membership.heartbeat({ memberId: 'member-1', generation: 3 });
    await sink.send('models.mix', [{ key: `${MODEL}~start`, value: Buffer.from('{"generation":"three"}') }]);
    await sink.send('models', [{ key: MODEL, value: Buffer.from('garbage') }]);
    announce(3, 0);
    await until('the start', () => lines.some((l) => l.startsWith('mix: generation 3')));
    expect(lines.some((l) => /^mix: skipped a mix record: models\.mix\/0@\d+: not a mix start record$/.test(l))).toBe(true);
    expect(lines.some((l) => /^mix: skipped a model record: models\/0@0: /.test(l))).toBe(true);
    learn(slot, 1, 10);
    await until('a contribution', () => contributions().length === 1);
    await publishVersion(1, 3, { 0: 4, 1: 10 }, 14);
    await until('the adoption', () => adopted.length === 1);
    await until('the refusal', () => lines.includes('mix: commit of v1 refused: ILLEGAL_GENERATION'));
  });
});
