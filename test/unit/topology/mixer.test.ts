/**
 * The mixer of a shared model (src/topology/mixing/mixer.ts) over the fake kafkajs client, with two and
 * three members' contributions offered by hand: what it announces when it leads a generation, when a round
 * is complete, what a merged version holds (the example-weighted merge, offsets, counts, metrics, numbering
 * past every claimed version, epochs), and that a mixer fenced by its successor publishes nothing.
 */
import '../../../src/builtins';
import type { Checkpoint } from '../../../src/checkpoints/envelope';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createCheckpointAssembler } from '../../../src/checkpoints/records';
import { mergeStates } from '../../../src/learners/merge';
import type { Row } from '../../../src/features/stage';
import { encodeMetricStates, mergeMetricStates, metricValuesOf, METRIC_STATE_KEY } from '../../../src/topology/metric-state';
import { createMixReader, type Contribution, type MixStart } from '../../../src/topology/mixing/mix-records';
import { createMixer, epochFor, type Mixer } from '../../../src/topology/mixing/mixer';
import { openFencedWriter } from '../../../connectors/kafka/fenced-writer';
import type { JsonObject } from '../../../src/state';
import { fakeCluster } from '../connectors/fake-kafka';
import { linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());
// Waits on the fake group and the members' 200 ms ticks: under load longer than Jest's default 5 s (the mutation config keeps it).
jest.setTimeout(60_000);

const connection = { brokers: ['fake:9092'] };
const topology = regressionTopology();
const MODEL = topology.modelId;
const patience = { retries: 2, initialDelayMs: 1, maxDelayMs: 2 };

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('models', 1);
  fakeCluster.addTopic('models.mix', 1);
});

const mixers: Mixer[] = [];
afterEach(async () => {
  await Promise.all(mixers.splice(0).map((mixer) => mixer.close()));
});

function mixerOf(lines: string[], inputPartitions = 2): Mixer {
  const mixer = createMixer({
    connection,
    modelId: MODEL,
    modelTopic: 'models',
    mixTopic: 'models.mix',
    inputPartitions,
    log: (line) => lines.push(line),
    patience,
    metered: (_part, work) => work(),
  });
  mixers.push(mixer);
  return mixer;
}

async function until(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every version on the model topic, in order. */
function versions(): Checkpoint[] {
  const assembler = createCheckpointAssembler(MODEL);
  return fakeCluster.partition('models', 0).messages.flatMap((m, i) => {
    try {
      const checkpoint = assembler.push({ key: m.key === null ? null : String(m.key), value: m.value as Buffer | null }, `models/0@${i}`);
      return checkpoint ? [checkpoint] : [];
    } catch {
      return [];
    }
  });
}

function starts(): MixStart[] {
  const read = createMixReader(MODEL, (reason) => {
    throw new Error(reason);
  });
  return fakeCluster.partition('models.mix', 0).messages.flatMap((m, i) => {
    const event = read({ key: String(m.key), value: m.value as Buffer }, `mix@${i}`);
    return event?.type === 'start' ? [event.start] : [];
  });
}

/** A member's contribution: a fresh model that learned `rows` events of the fixed sequence, starting at `from`. */
function contribution(member: string, partitions: number[], rows: number, from: number, round: { generation: number; base: number }): Contribution {
  const model = topology.config.model();
  const metrics = topology.config.metrics();
  const events = linearEvents(from + rows).slice(from) as Row[];
  const predictions = model.predictMany(events);
  events.forEach((row, i) => Object.values(metrics).forEach((metric) => metric.update(row.y as number, predictions[i])));
  model.learnMany(
    events,
    Float64Array.from(events, (row) => row.y as number),
  );
  return {
    ...round,
    member,
    partitions,
    learned: rows,
    consumed: rows,
    offsets: partitions.map((partition) => ({ topic: 'events', partition, offset: String(from + rows + partition) })),
    examplesSeen: rows,
    metrics: Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, metric.get()])),
    metricState: encodeMetricStates(metrics),
    state: model.state(),
  };
}

const arrays = (checkpoint: { state: { arrays: Record<string, ArrayLike<number>> } }) =>
  Object.fromEntries(Object.entries(checkpoint.state.arrays).map(([key, array]) => [key, Array.from(array)]));

describe('the mixer', () => {
  it('hands its own member a copy of the state it published for that very version, and nothing for any other', async () => {
    const mixer = mixerOf([], 1);
    mixer.lead(1, 'member-a');
    await until('the start', () => mixer.generation() === 1);
    const a = contribution('member-a', [0], 20, 0, { generation: 1, base: 0 });
    mixer.offer(a);
    await until('version 1', () => versions().length === 1);
    const [v1] = versions();
    const held = mixer.published(v1.manifest);
    expect(held && arrays({ state: held })).toEqual(arrays(v1));
    expect(held?.kind).toBe(v1.state.kind);
    // A copy: the member learning on it must not move the base of the mixer's next merge.
    Object.values(held!.arrays).forEach((array) => array.fill(0));
    expect(arrays({ state: mixer.published(v1.manifest)! })).toEqual(arrays(v1));
    expect(mixer.published({ ...v1.manifest, version: 2 })).toBeUndefined();
    expect(mixer.published({ ...v1.manifest, payloadSha256: '0'.repeat(64) })).toBeUndefined();
    expect(mixer.published({ ...v1.manifest, modelId: 'other' })).toBeUndefined();
  });

  it('leads a generation: announces its start, waits for every partition, then publishes the example-weighted merge', async () => {
    const lines: string[] = [];
    const mixer = mixerOf(lines);
    expect(mixer.generation()).toBeUndefined();
    mixer.lead(3, 'member-a');
    await until('the start', () => mixer.generation() === 3);
    expect(starts()).toEqual([{ generation: 3, base: 0, claimed: 0, mixer: 'member-a' }]);
    expect(lines).toContain('mix: leading generation 3 (epoch 0) from v0');

    const a = contribution('member-a', [0], 30, 0, { generation: 3, base: 0 });
    const b = contribution('member-b', [1], 10, 100, { generation: 3, base: 0 });
    mixer.offer(a);
    // Partition 1 is not covered yet; contributions of another generation or base do not count.
    mixer.offer({ ...b, generation: 2 });
    mixer.offer({ ...b, base: 7 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versions()).toEqual([]);

    mixer.offer(b);
    await until('version 1', () => versions().length === 1);
    const [v1] = versions();
    expect(arrays(v1)).toEqual(arrays({ state: mergeStates([a.state, b.state], [30, 10], undefined) }));
    // Not the unweighted average: the weights are the examples each member learned.
    expect(arrays(v1)).not.toEqual(arrays({ state: mergeStates([a.state, b.state], [1, 1], undefined) }));
    expect(v1.manifest).toMatchObject({
      modelId: MODEL,
      version: 1,
      generation: 3,
      epoch: 0,
      examplesSeen: 40,
      offsets: [
        { topic: 'events', partition: 0, offset: '30' },
        { topic: 'events', partition: 1, offset: '111' },
      ],
      extra: { mix: { generation: 3, members: 2, learned: { 'member-a': 30, 'member-b': 10 } } },
    });
    const metricState = mergeMetricStates([a.metricState, b.metricState], [30, 10], undefined);
    expect(v1.manifest.extra?.[METRIC_STATE_KEY]).toEqual(metricState);
    expect(v1.manifest.metrics).toEqual(metricValuesOf(metricState));
    expect(lines).toContain('mix: published v1 (generation 3, 2 workers, 40 examples, 40 in all)');

    // The next round merges onto v1: contributions on base 0 are gone, offsets of the base stay where no member moved them.
    // Each member's overall metrics went on from v1's (it adopted v1): here it scored nothing since.
    const adopted = { metricState: v1.manifest.extra?.[METRIC_STATE_KEY] as JsonObject };
    const c = { ...contribution('member-a', [0], 5, 30, { generation: 3, base: 1 }), ...adopted };
    const d = { ...contribution('member-b', [1], 15, 110, { generation: 3, base: 1 }), ...adopted };
    mixer.offer(c);
    mixer.offer(a);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versions()).toHaveLength(1);
    mixer.offer({ ...d, offsets: [] });
    await until('version 2', () => versions().length === 2).catch((err) => {
      throw new Error(`${err}: ${lines.join('\n')}`);
    });
    const v2 = versions()[1];
    expect(arrays(v2)).toEqual(arrays({ state: mergeStates([c.state, d.state], [5, 15], v1.state) }));
    expect(v2.manifest).toMatchObject({
      version: 2,
      examplesSeen: 60,
      offsets: [
        { topic: 'events', partition: 0, offset: '35' },
        { topic: 'events', partition: 1, offset: '111' },
      ],
      extra: { mix: { members: 2, learned: { 'member-a': 5, 'member-b': 15 } } },
    });
    expect(v2.manifest.extra?.[METRIC_STATE_KEY]).toEqual(mergeMetricStates([c.metricState, d.metricState], [5, 15], v1.manifest.extra?.[METRIC_STATE_KEY]));
    expect(lines).toContain('mix: published v2 (generation 3, 2 workers, 20 examples, 60 in all)');
  });

  it('waits for three members when each owns one of three partitions, and offsets come sorted by partition', async () => {
    const mixer = mixerOf([], 3);
    mixer.lead(1, 'member-c');
    await until('the start', () => mixer.generation() === 1);
    const round = { generation: 1, base: 0 };
    const parts = [contribution('member-c', [2], 4, 0, round), contribution('member-a', [0], 6, 10, round)];
    parts.forEach((part) => mixer.offer(part));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versions()).toEqual([]);
    const last = contribution('member-b', [1], 10, 20, round);
    mixer.offer(last);
    await until('version 1', () => versions().length === 1);
    const [v1] = versions();
    expect(v1.manifest.offsets.map((o) => o.partition)).toEqual([0, 1, 2]);
    expect(v1.manifest.examplesSeen).toBe(20);
    expect(v1.manifest.extra?.mix).toEqual({ generation: 1, members: 3, learned: { 'member-c': 4, 'member-a': 6, 'member-b': 10 } });
    expect(arrays(v1)).toEqual(
      arrays({
        state: mergeStates(
          [...parts, last].map((p) => p.state),
          [4, 6, 10],
          undefined,
        ),
      }),
    );
  });

  it('averages by examples a metric that comes without state, and evenly when no member learned anything', async () => {
    const mixer = mixerOf([]);
    mixer.lead(1, 'member-a');
    await until('the start', () => mixer.generation() === 1);
    const round = { generation: 1, base: 0 };
    const bare = (c: Contribution, value: number): Contribution => ({ ...c, metrics: { custom: value }, metricState: {} as JsonObject });
    mixer.offer(bare(contribution('member-a', [0], 10, 0, round), 1));
    mixer.offer(bare(contribution('member-b', [1], 30, 0, round), 3));
    await until('version 1', () => versions().length === 1);
    expect(versions()[0].manifest.metrics).toEqual({ custom: 2.5 });
    mixer.offer({ ...bare(contribution('member-a', [0], 1, 0, { generation: 1, base: 1 }), 1), learned: 0 });
    mixer.offer({ ...bare(contribution('member-b', [1], 1, 0, { generation: 1, base: 1 }), 4), learned: 0 });
    await until('version 2', () => versions().length === 2);
    expect(versions()[1].manifest.metrics).toEqual({ custom: 2.5 });
    expect(versions()[1].manifest.examplesSeen).toBe(40);
  });

  it('continues from the newest version and numbers past every version a record claimed', async () => {
    // A version 4 of generation 2, then a record that claims version 9 but is refused (its key says v8).
    const writer = await openFencedWriter({ ...connection, transactionalId: 'setup' });
    const publisher = createCheckpointPublisher({ sink: writer, topic: 'models' });
    const base = contribution('old', [0, 1], 20, 0, { generation: 2, base: 3 });
    await publisher.publish({ modelId: MODEL, version: 4, generation: 2, epoch: 0, offsets: base.offsets, examplesSeen: 70, metrics: {} }, base.state);
    const forged = fakeCluster.partition('models', 0).messages.find((m) => String(m.key) === `${MODEL}@v4`)!;
    const claim = Buffer.from(forged.value as Buffer);
    const text = claim.toString('latin1').replace('"version":4', '"version":9');
    expect(text).not.toEqual(claim.toString('latin1'));
    fakeCluster.appendMessage('models', 0, { key: `${MODEL}@v8`, value: Buffer.from(text, 'latin1') });
    await writer.close();

    const lines: string[] = [];
    const mixer = mixerOf(lines);
    mixer.lead(5, 'member-b');
    await until('the start', () => mixer.generation() === 5);
    expect(starts()).toEqual([{ generation: 5, base: 4, claimed: 9, mixer: 'member-b' }]);
    expect(lines).toContain('mix: leading generation 5 (epoch 0) from v4');
    const round = { generation: 5, base: 4 };
    const a = contribution('member-a', [0], 8, 40, round);
    const b = contribution('member-b', [1], 2, 60, round);
    mixer.offer(a);
    mixer.offer(b);
    await until('version 10', () => versions().length === 2);
    const merged = versions()[1];
    expect(merged.manifest).toMatchObject({ version: 10, generation: 5, epoch: 0, examplesSeen: 80 });
    expect(arrays(merged)).toEqual(arrays({ state: mergeStates([a.state, b.state], [8, 2], base.state) }));
  });

  it('takes the next epoch when the newest version has a higher generation than its own (the group was forgotten)', async () => {
    const writer = await openFencedWriter({ ...connection, transactionalId: 'setup' });
    const publisher = createCheckpointPublisher({ sink: writer, topic: 'models' });
    const old = contribution('old', [0, 1], 5, 0, { generation: 7, base: 0 });
    await publisher.publish({ modelId: MODEL, version: 3, generation: 7, epoch: 2, offsets: old.offsets, examplesSeen: 5, metrics: {} }, old.state);
    await writer.close();
    const lines: string[] = [];
    const mixer = mixerOf(lines, 1);
    mixer.lead(1, 'member-a');
    await until('the start', () => mixer.generation() === 1);
    expect(lines).toContain('mix: leading generation 1 (epoch 3) from v3');
    mixer.offer(contribution('member-a', [0, 1], 3, 5, { generation: 1, base: 3 }));
    await until('version 4', () => versions().length === 2);
    expect(versions()[1].manifest).toMatchObject({ version: 4, generation: 1, epoch: 3, examplesSeen: 8 });
  });

  it('a mixer fenced by its successor publishes nothing more and stands down; the successor publishes', async () => {
    const zombieLines: string[] = [];
    const zombie = mixerOf(zombieLines);
    zombie.lead(1, 'member-a');
    await until('the first start', () => zombie.generation() === 1);
    const lines: string[] = [];
    const successor = mixerOf(lines);
    successor.lead(2, 'member-b');
    await until('the second start', () => successor.generation() === 2);

    const round = { generation: 1, base: 0 };
    zombie.offer(contribution('member-a', [0], 5, 0, round));
    zombie.offer(contribution('member-b', [1], 5, 0, round));
    await until('the fence', () => zombieLines.some((line) => line.startsWith('mix: fenced, generation 1 publishes nothing more: ')));
    expect(zombie.generation()).toBeUndefined();
    expect(versions()).toEqual([]);
    // Standing down, it takes no more contributions.
    zombie.offer(contribution('member-a', [0, 1], 5, 0, round));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versions()).toEqual([]);

    successor.offer(contribution('member-b', [0, 1], 5, 0, { generation: 2, base: 0 }));
    await until('the successor’s version', () => versions().length === 1);
    expect(versions()[0].manifest).toMatchObject({ version: 1, generation: 2 });
    expect(lines.filter((line) => line.startsWith('mix: fenced'))).toEqual([]);
  });

  it('stands down when its member re-joins: no generation and no merges until it leads again', async () => {
    const mixer = mixerOf([], 1);
    mixer.lead(4, 'member-a');
    await until('the start', () => mixer.generation() === 4);
    mixer.standDown();
    expect(mixer.generation()).toBeUndefined();
    mixer.offer(contribution('member-a', [0], 5, 0, { generation: 4, base: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versions()).toEqual([]);
    mixer.lead(5, 'member-a');
    await until('the next start', () => mixer.generation() === 5);
    expect(starts().map((s) => s.generation)).toEqual([4, 5]);
    mixer.offer(contribution('member-a', [0], 5, 0, { generation: 5, base: 0 }));
    await until('version 1', () => versions().length === 1);
    expect(versions()[0].manifest.generation).toBe(5);
  });
});

describe('epochFor', () => {
  it('keeps the newest version’s epoch unless that version has a higher generation', () => {
    expect(epochFor(undefined, 1)).toBe(0);
    expect(epochFor({ generation: undefined, epoch: undefined }, 1)).toBe(0);
    expect(epochFor({ generation: 3, epoch: undefined }, 3)).toBe(0);
    expect(epochFor({ generation: 3, epoch: 2 }, 4)).toBe(2);
    expect(epochFor({ generation: 3, epoch: 2 }, 3)).toBe(2);
    expect(epochFor({ generation: 3, epoch: 2 }, 2)).toBe(3);
    expect(epochFor({ generation: 3, epoch: undefined }, 1)).toBe(1);
    expect(epochFor({ generation: undefined, epoch: 4 }, 1)).toBe(4);
  });
});
