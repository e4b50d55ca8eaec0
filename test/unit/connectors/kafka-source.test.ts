import { firstValueFrom, Subject, take, toArray, type Subscription } from 'rxjs';
import { createJsonCodec, type JsonValue } from '../../../connectors/codecs/json';
import type { DeadLetterInput } from '../../../connectors/dead-letter';
import { createKafkaSource, type KafkaSourceConfig } from '../../../connectors/kafka/source';
import type { MicroBatch } from '../../../connectors/types';
import { BrokerError, ConfigError } from '../../../src/errors';
import { fakeCluster, protocolError } from './fake-kafka';

jest.mock('kafkajs', () => require('./fake-kafka').fakeKafkaJs());

const GROUP = 'trainers';

const created: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((one) => one.stop()));
});

function source(config: Partial<KafkaSourceConfig<JsonValue>> = {}) {
  const letters: DeadLetterInput[] = [];
  const kafkaSource = createKafkaSource<JsonValue>({
    brokers: ['fake:9092'],
    groupId: GROUP,
    topics: ['events'],
    codec: createJsonCodec(),
    deadLetter: { write: async (letter) => void letters.push(letter) },
    maxRecords: 3,
    heartbeatIntervalMs: 50,
    sessionTimeoutMs: 1000,
    ...config,
  });
  created.push(kafkaSource);
  return { source: kafkaSource, letters };
}

/** Subscribes and hands over batches one at a time, acknowledging only when asked. */
function consume(observable: ReturnType<ReturnType<typeof source>['source']['batches']>) {
  const batches = new Subject<MicroBatch<JsonValue>>();
  const errors: unknown[] = [];
  let completed = false;
  const subscription: Subscription = observable.subscribe({
    next: (batch) => batches.next(batch),
    error: (err) => void errors.push(err),
    complete: () => void (completed = true),
  });
  const next = () => firstValueFrom(batches);
  const nextN = (n: number) => firstValueFrom(batches.pipe(take(n), toArray()));
  return { next, nextN, errors, subscription, isCompleted: () => completed };
}

const offsets = (batch: MicroBatch<JsonValue>) => batch.records.map((record) => record.offset);
const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 2);
});

describe('the Kafka source over a fake group', () => {
  it('emits chunks of at most maxRecords from the first offset, and commits lastOffset + 1 on ack', async () => {
    fakeCluster.append(
      'events',
      0,
      [1, 2, 3, 4, 5].map((x) => ({ x })),
    );
    const { source: events } = source();
    const run = consume(events.batches());
    const first = await run.next();
    expect([first.topic, first.partition, offsets(first), first.firstOffset, first.lastOffset, first.nextOffset]).toEqual([
      'events',
      0,
      ['0', '1', '2'],
      '0',
      '2',
      '3',
    ]);
    expect(first.records.map((record) => record.value)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(first.lag).toBe(2);
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBeUndefined();
    const second = run.next();
    await first.ack();
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBe('3');
    const batch = await second;
    expect([offsets(batch), batch.lag]).toEqual([['3', '4'], 0]);
    await batch.ack();
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBe('5');
    await events.stop();
    expect(run.isCompleted()).toBe(true);
    expect(fakeCluster.calls).toContain('consumer.disconnect');
  });

  it('dead-letters undecodable records and tombstones before emitting the chunk, counting them', async () => {
    fakeCluster.append('events', 1, [{ x: 1 }, Buffer.from('{oops'), null]);
    const { source: events, letters } = source();
    const run = consume(events.batches());
    const batch = await run.next();
    expect([batch.partition, offsets(batch), batch.deadLettered, batch.lastOffset]).toEqual([1, ['0'], 2, '2']);
    expect(letters.map((letter) => [letter.position.offset, String(letter.raw.value)])).toEqual([
      ['1', '{oops'],
      ['2', 'null'],
    ]);
    await events.stop();
  });

  it('writes a source dead letter once, even when a consumer reset delivers its range again', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }, Buffer.from('{oops'), { x: 2 }, Buffer.from('{again')]);
    const { source: events, letters } = source({ maxRecords: 2 });
    const run = consume(events.batches());
    const first = await run.next();
    expect([offsets(first), first.deadLettered, letters.length]).toEqual([['0'], 1, 1]);
    // Revoked before the ack: the same chunk comes again from the committed offset (none: the start).
    fakeCluster.rebalance();
    const again = await run.next();
    expect([again.firstOffset, offsets(again), again.deadLettered]).toEqual(['0', ['0'], 1]);
    expect(letters.map((letter) => letter.position.offset)).toEqual(['1']);
    const next = run.next();
    await again.ack();
    const second = await next;
    expect([offsets(second), second.deadLettered]).toEqual([['2'], 1]);
    expect(letters.map((letter) => letter.position.offset)).toEqual(['1', '3']);
  });

  it('starts at the committed offset, and at the earliest one where the group never committed', async () => {
    fakeCluster.append(
      'events',
      0,
      [1, 2, 3, 4].map((x) => ({ x })),
    );
    fakeCluster.truncate('events', 0, 1);
    fakeCluster.append(
      'events',
      1,
      [5, 6].map((x) => ({ x })),
    );
    fakeCluster.commit(GROUP, 'events', 1, '1');
    const { source: events } = source();
    const run = consume(events.batches());
    const batches = await run.nextN(1);
    const seen = [[batches[0].partition, offsets(batches[0])]];
    const second = run.next();
    await batches[0].ack();
    const other = await second;
    seen.push([other.partition, offsets(other)]);
    expect(seen).toEqual([
      [0, ['1', '2', '3']],
      [1, ['1']],
    ]);
    await events.stop();
  });

  it.each([
    ['earliest' as const, ['0', '1', '2']],
    ['latest' as const, ['3']],
    [{ offsets: [{ topic: 'events', partition: 0, offset: '2' }] }, ['2']],
  ])('starts from %j whatever the group committed', async (startFrom, expected) => {
    fakeCluster.append(
      'events',
      0,
      [0, 1, 2].map((x) => ({ x })),
    );
    fakeCluster.commit(GROUP, 'events', 0, '1');
    const { source: events } = source({ startFrom, topics: ['events'] });
    const run = consume(events.batches());
    const pending = run.next();
    await until(() => fakeCluster.calls.includes('consumer.run'), 'the run');
    if (startFrom === 'latest') fakeCluster.append('events', 0, [{ x: 3 }]);
    const batch = await pending;
    expect(offsets(batch).slice(0, expected.length)).toEqual(expected);
    await events.stop();
  });

  it('re-applies explicit start offsets after a rebalance until a commit supersedes them', async () => {
    fakeCluster.append(
      'events',
      0,
      [0, 1, 2, 3, 4, 5].map((x) => ({ x })),
    );
    const { source: events } = source({ startFrom: { offsets: [{ topic: 'events', partition: 0, offset: '3' }] }, commitOnAck: false });
    const run = consume(events.batches());
    const first = await run.next();
    expect(offsets(first)).toEqual(['3', '4', '5']);
    fakeCluster.rebalance();
    const again = run.next();
    await first.ack();
    expect(offsets(await again)).toEqual(['3', '4', '5']);
    await events.commit([{ topic: 'events', partition: 0, offset: '6' }]);
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBe('6');
    await events.stop();
  });

  it('resumes where resumeFrom says after a consumer reset, not at the last commit', async () => {
    fakeCluster.append(
      'events',
      0,
      [0, 1, 2, 3, 4, 5, 6].map((x) => ({ x })),
    );
    let learned = '0';
    const { source: events } = source({ commitOnAck: false, resumeFrom: () => [{ topic: 'events', partition: 0, offset: learned }] });
    const run = consume(events.batches());
    const first = await run.next();
    expect(offsets(first)).toEqual(['0', '1', '2']);
    learned = first.nextOffset;
    const second = run.next();
    await first.ack();
    expect(offsets(await second)).toEqual(['3', '4', '5']);
    // The reset: kafkajs would go back to the committed offset (none: the start); the model has learned 0-2.
    fakeCluster.rebalance();
    const afterReset = await run.next();
    expect(offsets(afterReset)).toEqual(['3', '4', '5']);
    expect(fakeCluster.calls).toContain('consumer.seek events/0@3');
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBeUndefined();
    await events.stop();
  });

  it('ignores resume positions of partitions this member was not assigned', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }, { x: 1 }]);
    const { source: events } = source({
      resumeFrom: () => [
        { topic: 'other', partition: 0, offset: '9' },
        { topic: 'events', partition: 7, offset: '9' },
      ],
    });
    const run = consume(events.batches());
    expect(offsets(await run.next())).toEqual(['0', '1']);
    expect(fakeCluster.calls.filter((call) => call.startsWith('consumer.seek'))).toEqual([]);
    await events.stop();
  });

  it('with commitOnAck false, ack commits nothing; commit() commits as a member, then through the admin API after stop', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }, { x: 1 }]);
    const { source: events } = source({ commitOnAck: false });
    const run = consume(events.batches());
    const batch = await run.next();
    await batch.ack();
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBeUndefined();
    await events.commit([]);
    expect(fakeCluster.calls).not.toContain('consumer.commitOffsets');
    await events.commit([{ topic: 'events', partition: 0, offset: '1' }]);
    expect(fakeCluster.calls).toContain('consumer.commitOffsets');
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBe('1');
    await events.stop();
    await events.commit([{ topic: 'events', partition: 0, offset: '2' }]);
    expect(fakeCluster.calls.at(-2)).toBe('admin.setOffsets');
    expect(fakeCluster.committedOffset(GROUP, 'events', 0)).toBe('2');
  });

  it('refuses a second subscriber while the first is subscribed, and accepts one after', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }]);
    const { source: events } = source();
    const first = consume(events.batches());
    await first.next();
    const second = consume(events.batches());
    expect(second.errors).toEqual([expect.any(ConfigError)]);
    expect(String(second.errors[0])).toContain(`"${GROUP}" already has a subscriber`);
    first.subscription.unsubscribe();
    await until(() => fakeCluster.calls.includes('consumer.disconnect'), 'the disconnect');
    const third = consume(events.batches());
    expect(offsets(await third.next())).toEqual(['0']);
    expect(third.errors).toEqual([]);
    await events.stop();
  });

  it('names a missing topic at once, and ends the stream with it', async () => {
    const { source: events } = source({ topics: ['events', 'nowhere'] });
    const run = consume(events.batches());
    await until(() => run.errors.length > 0, 'the error');
    expect(run.errors[0]).toBeInstanceOf(ConfigError);
    expect(String(run.errors[0])).toContain('topic "nowhere" does not exist');
    expect(fakeCluster.calls).not.toContain('consumer.connect');
    expect(fakeCluster.calls).toContain('admin.disconnect');
  });

  it('names an unknown partition of explicit start offsets', async () => {
    const { source: events } = source({ startFrom: { offsets: [{ topic: 'events', partition: 2, offset: '0' }] } });
    const run = consume(events.batches());
    await until(() => run.errors.length > 0, 'the error');
    expect(String(run.errors[0])).toContain('topic "events" has no partition 2 (it has 2)');
  });

  it('ends the stream with a BrokerError naming group and topics when the consumer crashes for good', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }]);
    fakeCluster.failNext('consumer.fetch', protocolError('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access topics'));
    const { source: events } = source();
    const run = consume(events.batches());
    await until(() => run.errors.length > 0, 'the error');
    expect(run.errors[0]).toBeInstanceOf(BrokerError);
    expect(String(run.errors[0])).toBe(`BrokerError: the Kafka source of group "${GROUP}" on events crashed: Not authorized to access topics`);
    expect((run.errors[0] as BrokerError).retriable).toBe(false);
    await events.stop();
  });

  it('restarts through transient failures and re-delivers what was not acknowledged', async () => {
    fakeCluster.append('events', 0, [{ x: 0 }, { x: 1 }]);
    fakeCluster.failNext('consumer.fetch', protocolError('LEADER_NOT_AVAILABLE', true), protocolError('LEADER_NOT_AVAILABLE', true));
    const { source: events } = source();
    const run = consume(events.batches());
    expect(offsets(await run.next())).toEqual(['0', '1']);
    expect(run.errors).toEqual([]);
    expect(fakeCluster.calls.filter((call) => call === 'consumer.join').length).toBe(3);
    await events.stop();
  });

  it('reports a failure to start as a BrokerError saying it was starting', async () => {
    fakeCluster.failNext('consumer.connect', Object.assign(new Error('Connection error: ECONNREFUSED'), { retriable: true }));
    const { source: events } = source();
    const run = consume(events.batches());
    await until(() => run.errors.length > 0, 'the error');
    expect(String(run.errors[0])).toBe(`BrokerError: starting the Kafka source of group "${GROUP}" on events: Connection error: ECONNREFUSED`);
    expect((run.errors[0] as BrokerError).retriable).toBe(true);
  });

  it('passes its settings to the consumer and leaves auto-commit and topic creation off', async () => {
    const { source: events } = source({ clientId: 'my-trainer' });
    const run = consume(events.batches());
    await until(() => fakeCluster.calls.includes('consumer.run'), 'the run');
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'my-trainer', brokers: ['fake:9092'] });
    const { config, subscription, run: running } = fakeCluster.consumerSettings.at(-1)!;
    expect(config).toMatchObject({ groupId: GROUP, sessionTimeout: 1000, heartbeatInterval: 50, allowAutoTopicCreation: false });
    // The defaults: a fetch returns as soon as anything is there, held at most 500 ms, 1 MiB per partition.
    expect(config).toMatchObject({ maxWaitTimeInMs: 500, minBytes: 1, maxBytesPerPartition: 1024 * 1024 });
    expect(typeof (config.retry as { restartOnFailure?: unknown }).restartOnFailure).toBe('function');
    // Start offsets are the source's own (committed, else its startFrom): kafkajs's default is only for a group without any.
    expect(subscription).toEqual({ topics: ['events'], fromBeginning: true });
    expect(running).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1 });
    run.subscription.unsubscribe();
    await events.stop();
  });

  it('passes its fetch settings through', async () => {
    const { source: events } = source({ maxWaitMs: 120, minBytes: 64, maxBytesPerPartition: 4096 });
    const run = consume(events.batches());
    await until(() => fakeCluster.calls.includes('consumer.run'), 'the run');
    expect(fakeCluster.consumerSettings.at(-1)!.config).toMatchObject({ maxWaitTimeInMs: 120, minBytes: 64, maxBytesPerPartition: 4096 });
    run.subscription.unsubscribe();
    await events.stop();
  });
});

describe('createKafkaSource settings', () => {
  const refuse = (config: Partial<KafkaSourceConfig<JsonValue>>) => () => source(config);
  it('refuses an empty group, no topics, an empty topic name, and a heartbeat not below the session timeout', () => {
    expect(refuse({ groupId: '' })).toThrow('groupId must be non-empty');
    expect(refuse({ topics: [] })).toThrow('topics must list at least one topic name');
    expect(refuse({ topics: ['events', ''] })).toThrow('topics must list at least one topic name');
    expect(refuse({ heartbeatIntervalMs: 1000, sessionTimeoutMs: 1000 })).toThrow('heartbeatIntervalMs (1000) must be below sessionTimeoutMs (1000)');
    expect(refuse({ heartbeatIntervalMs: 999, sessionTimeoutMs: 1000 })).not.toThrow();
    expect(refuse({ maxRecords: 0 })).toThrow('maxRecords');
  });

  it('checks startFrom: its kind, topics, partitions, offsets and duplicates', () => {
    const at = (topic: string, partition: number, offset: string) => ({ startFrom: { offsets: [{ topic, partition, offset }] } });
    expect(refuse({ startFrom: 'newest' as 'latest' })).toThrow("startFrom must be 'committed', 'earliest', 'latest' or { offsets }, got 'newest'");
    expect(refuse(at('other', 0, '0'))).toThrow('startFrom.offsets entry other/0: topic "other" is not among the subscribed topics (events)');
    expect(refuse(at('events', -1, '0'))).toThrow('partition must be a whole number');
    expect(refuse(at('events', 0.5, '0'))).toThrow('partition must be a whole number');
    for (const offset of ['-1', '01', '1.5', '', 'x']) expect(refuse(at('events', 0, offset))).toThrow(`offset must be a decimal string >= 0, got "${offset}"`);
    expect(refuse(at('events', 0, '0'))).not.toThrow();
    expect(refuse(at('events', 0, '10'))).not.toThrow();
    const twice = { offsets: [0, 0].map((partition) => ({ topic: 'events', partition, offset: '1' })) };
    expect(refuse({ startFrom: twice })).toThrow('startFrom.offsets entry events/0: the partition is listed twice');
  });
});
