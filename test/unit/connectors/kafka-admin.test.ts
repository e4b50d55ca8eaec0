import { lastValueFrom, toArray } from 'rxjs';
import { commitAsAdmin } from '../../../connectors/kafka/commit-offsets';
import { readersClosed, readTopic, type TopicReaderEvent } from '../../../connectors/kafka/topic-reader';
import { ensureTopics, partitionCount, topicMaxMessageBytes } from '../../../connectors/kafka/topics';
import { ConfigError } from '../../../src/errors';
import { fakeCluster, protocolError } from './fake-kafka';

jest.mock('kafkajs', () => require('./fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const down = () => Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: false });

beforeEach(() => fakeCluster.reset());

describe('ensureTopics', () => {
  it('creates missing topics with their partitions and config, and leaves existing ones as they are', async () => {
    fakeCluster.addTopic('events', 3);
    await ensureTopics(connection, [
      { topic: 'events', partitions: 3 },
      { topic: 'models', compacted: true, maxMessageBytes: 2_000_000 },
      { topic: 'dlq', partitions: 2 },
    ]);
    expect(fakeCluster.topics.get('models')).toEqual({
      partitions: [expect.anything()],
      configs: { 'cleanup.policy': 'compact', 'max.message.bytes': '2000000' },
    });
    expect(fakeCluster.topics.get('dlq')?.partitions.length).toBe(2);
    expect(fakeCluster.topics.get('dlq')?.configs).toEqual({});
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });

  it('refuses an existing topic with another partition count, unless told to accept it', async () => {
    fakeCluster.addTopic('events', 3);
    await expect(ensureTopics(connection, [{ topic: 'events', partitions: 2 }])).rejects.toThrow(
      new ConfigError('topic "events" already exists with 3 partitions, but 2 were asked for'),
    );
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
    await expect(ensureTopics(connection, [{ topic: 'events', partitions: 2, acceptExistingPartitions: true }])).resolves.toBeUndefined();
    await expect(ensureTopics(connection, [{ topic: 'events' }])).resolves.toBeUndefined();
  });

  it('refuses invalid names, counts and duplicates before asking the broker anything', async () => {
    for (const topic of ['', '.', '..', 'a b', 'x'.repeat(250), 'ü']) {
      await expect(ensureTopics(connection, [{ topic }])).rejects.toThrow(`ensureTopics: "${topic}" is not a valid topic name`);
    }
    await expect(ensureTopics(connection, [{ topic: 'x'.repeat(249) }, { topic: 'a.b_c-D9' }])).resolves.toBeUndefined();
    await expect(ensureTopics(connection, [{ topic: 'e', partitions: 0 }])).rejects.toThrow('partitions of "e"');
    await expect(ensureTopics(connection, [{ topic: 'e', replicationFactor: 0 }])).rejects.toThrow('replicationFactor of "e"');
    await expect(ensureTopics(connection, [{ topic: 'e', maxMessageBytes: 1.5 }])).rejects.toThrow('maxMessageBytes of "e"');
    await expect(ensureTopics(connection, [{ topic: 'e' }, { topic: 'e' }])).rejects.toThrow('ensureTopics: a topic is listed twice');
    fakeCluster.calls.length = 0;
    await ensureTopics(connection, []);
    expect(fakeCluster.calls).toEqual([]);
  });

  it('waits out metadata that lags behind the creation, and wraps broker failures naming the topics', async () => {
    fakeCluster.failNext('admin.fetchTopicMetadata', protocolError('UNKNOWN_TOPIC_OR_PARTITION', true));
    await ensureTopics(connection, [{ topic: 'fresh', partitions: 2 }]);
    expect(fakeCluster.calls.filter((call) => call === 'admin.fetchTopicMetadata').length).toBe(2);
    fakeCluster.failNext('admin.createTopics', down());
    const failure = ensureTopics(connection, [{ topic: 'a' }, { topic: 'b' }]);
    await expect(failure).rejects.toMatchObject({ name: 'BrokerError', message: 'ensureTopics(a, b): Connection error: ECONNREFUSED' });
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });
});

describe('partitionCount and topicMaxMessageBytes', () => {
  it('count the partitions of a topic, and name a missing one', async () => {
    fakeCluster.addTopic('events', 4);
    expect(await partitionCount(connection, 'events')).toBe(4);
    await expect(partitionCount(connection, 'gone')).rejects.toThrow(
      new ConfigError('topic "gone" does not exist; create it first (ensureTopics or `streamlearn produce`)'),
    );
    fakeCluster.failNext('admin.connect', down());
    await expect(partitionCount(connection, 'events')).rejects.toMatchObject({
      name: 'BrokerError',
      message: 'reading the partitions of "events": Connection error: ECONNREFUSED',
    });
  });

  it("read each topic's max.message.bytes, the broker default where it has none", async () => {
    fakeCluster.addTopic('events', 1, { 'max.message.bytes': '5000000' });
    fakeCluster.addTopic('dlq', 1);
    expect(await topicMaxMessageBytes(connection, ['events', 'dlq'])).toEqual(
      new Map([
        ['events', 5_000_000],
        ['dlq', 1_048_588],
      ]),
    );
    fakeCluster.failNext('admin.describeConfigs', down());
    await expect(topicMaxMessageBytes(connection, ['events', 'dlq'])).rejects.toThrow('reading max.message.bytes of events, dlq: Connection error');
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });
});

describe('commitAsAdmin', () => {
  it('commits positions grouped by topic, and disconnects', async () => {
    await commitAsAdmin(connection, 'trainer', 'g', [
      { topic: 'a', partition: 0, offset: '5' },
      { topic: 'b', partition: 1, offset: '7' },
      { topic: 'a', partition: 2, offset: '9' },
    ]);
    expect(fakeCluster.calls.filter((call) => call === 'admin.setOffsets').length).toBe(2);
    expect([...fakeCluster.committed]).toEqual([
      ['g|a|0', '5'],
      ['g|a|2', '9'],
      ['g|b|1', '7'],
    ]);
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'trainer' });
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });

  it('says which group it could not commit, and still disconnects', async () => {
    fakeCluster.failNext('admin.setOffsets', protocolError('UNKNOWN_MEMBER_ID', false, 'The coordinator is not aware of this member'));
    await expect(commitAsAdmin(connection, 'trainer', 'g', [{ topic: 'a', partition: 0, offset: '1' }])).rejects.toMatchObject({
      name: 'BrokerError',
      message: 'committing offsets of group "g" after the source stopped: The coordinator is not aware of this member',
    });
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });
});

describe('readTopic', () => {
  const record = (event: TopicReaderEvent) =>
    event.type === 'record' ? `${event.record.partition}@${event.record.offset}=${String(event.record.value)}` : event.type;

  it('reads every partition from its first offset, says caught-up at the end seen at start, then completes', async () => {
    fakeCluster.addTopic('models', 2);
    fakeCluster.append('models', 0, ['a', 'b'], 'k');
    fakeCluster.truncate('models', 0, 1);
    fakeCluster.append('models', 1, ['c']);
    const events = await lastValueFrom(readTopic({ ...connection, topic: 'models' }).pipe(toArray()));
    expect(events.map(record)).toEqual(['0@1="b"', '1@0="c"', 'caught-up']);
    const first = events[0] as Extract<TopicReaderEvent, { type: 'record' }>;
    expect(first.record).toMatchObject({ topic: 'models', key: 'k', timestamp: 1000, headers: {} });
    await readersClosed();
    expect(fakeCluster.deletedGroups).toEqual([expect.stringMatching(/^streamlearn-reader-/)]);
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });

  it('is caught up at once on an empty topic, without joining a group', async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.append('models', 0, ['gone']);
    fakeCluster.truncate('models', 0, 1);
    expect((await lastValueFrom(readTopic({ ...connection, topic: 'models' }).pipe(toArray()))).map(record)).toEqual(['caught-up']);
    expect(fakeCluster.calls).not.toContain('consumer.connect');
    await readersClosed();
  });

  it('with follow, keeps emitting records written after it caught up', async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.append('models', 0, ['a']);
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const subscription = readTopic({ ...connection, topic: 'models', follow: true }).subscribe((event) => {
        seen.push(record(event));
        if (event.type === 'caught-up') fakeCluster.append('models', 0, ['b']);
        if (seen.length === 3) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    await done;
    expect(seen).toEqual(['0@0="a"', 'caught-up', '0@1="b"']);
    await readersClosed();
    expect(fakeCluster.calls).toContain('consumer.disconnect');
  });

  it("from: 'end' skips what was there at the start, reads only what comes after, with its reader settings", async () => {
    fakeCluster.addTopic('models', 2);
    fakeCluster.append('models', 0, ['old0', 'old1']);
    fakeCluster.append('models', 1, ['old2']);
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const subscription = readTopic({ ...connection, topic: 'models', follow: true, from: 'end', maxWaitMs: 250 }).subscribe((event) => {
        seen.push(record(event));
        if (event.type === 'caught-up') {
          fakeCluster.append('models', 0, ['new0']);
          fakeCluster.append('models', 1, ['new1']);
        }
        if (seen.length === 3) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    await done;
    expect(seen[0]).toBe('caught-up');
    expect(seen.slice(1).sort()).toEqual(['0@2="new0"', '1@1="new1"']);
    expect(fakeCluster.calls).toEqual(expect.arrayContaining(['consumer.seek models/0@2', 'consumer.seek models/1@1']));
    const { config, subscription } = fakeCluster.consumerSettings.at(-1)!;
    expect(config).toMatchObject({ groupId: expect.stringMatching(/^streamlearn-reader-/), maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
    expect(typeof (config.retry as { restartOnFailure?: unknown }).restartOnFailure).toBe('function');
    expect(subscription).toEqual({ topic: 'models', fromBeginning: true });
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'streamlearn-topic-reader' });
    await readersClosed();
  });

  it('names a missing topic and who creates it, and wraps broker failures', async () => {
    await expect(lastValueFrom(readTopic({ ...connection, topic: 'models' }))).rejects.toThrow(
      new ConfigError('topic "models" does not exist; it is created by whoever writes to it first (a model topic by its trainer, `streamlearn run`)'),
    );
    fakeCluster.failNext('admin.connect', down());
    await expect(lastValueFrom(readTopic({ ...connection, topic: 'models' }))).rejects.toMatchObject({
      name: 'BrokerError',
      message: 'reading topic "models": Connection error: ECONNREFUSED',
    });
    await readersClosed();
  });

  it('ends with the error when its consumer crashes for good', async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.append('models', 0, ['a']);
    fakeCluster.failNext('consumer.fetch', protocolError('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized'));
    await expect(lastValueFrom(readTopic({ ...connection, topic: 'models' }))).rejects.toThrow('reading topic "models": Not authorized');
    await readersClosed();
  });
  it('waits only for partitions that held records at the start, and retries a leader that is not there yet', async () => {
    fakeCluster.addTopic('models', 3);
    fakeCluster.append('models', 1, ['a', 'b'], 'k');
    fakeCluster.failNext('admin.fetchTopicOffsets', protocolError('NOT_LEADER_OR_FOLLOWER', true));
    const events = await lastValueFrom(readTopic({ ...connection, topic: 'models' }).pipe(toArray()));
    expect(events.map(record)).toEqual(['1@0="a"', '1@1="b"', 'caught-up']);
    expect(fakeCluster.calls.filter((call) => call === 'admin.fetchTopicOffsets')).toHaveLength(2);
    await readersClosed();
  });

  it('hands each record as stored: key text or null, value bytes or null, timestamp, last value of each header', async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.appendMessage('models', 0, { key: null, value: null, timestamp: 1234, headers: { h: ['x', 'y'] } });
    fakeCluster.appendMessage('models', 0, { key: 'k', value: Buffer.from([1, 2]) });
    const events = await lastValueFrom(readTopic({ ...connection, topic: 'models' }).pipe(toArray()));
    expect(events).toEqual([
      { type: 'record', record: { topic: 'models', partition: 0, offset: '0', key: null, value: null, timestamp: 1234, headers: { h: 'y' } } },
      { type: 'record', record: { topic: 'models', partition: 0, offset: '1', key: 'k', value: Buffer.from([1, 2]), timestamp: 1000, headers: {} } },
      { type: 'caught-up' },
    ]);
    await readersClosed();
  });

  it("from: 'end' without follow is caught up at once and completes without joining", async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.append('models', 0, ['old']);
    expect((await lastValueFrom(readTopic({ ...connection, topic: 'models', from: 'end' }).pipe(toArray()))).map(record)).toEqual(['caught-up']);
    expect(fakeCluster.calls).not.toContain('consumer.connect');
    await readersClosed();
  });

  it("from: 'end' reads a partition that was empty at the start from its beginning", async () => {
    fakeCluster.addTopic('models', 2);
    fakeCluster.append('models', 0, ['old']);
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const subscription = readTopic({ ...connection, topic: 'models', follow: true, from: 'end' }).subscribe((event) => {
        seen.push(record(event));
        if (event.type === 'caught-up') fakeCluster.append('models', 1, ['first', 'second']);
        if (seen.length === 3) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    expect(seen).toEqual(['caught-up', '1@0="first"', '1@1="second"']);
    expect(fakeCluster.calls).toContain('consumer.seek models/0@1');
    expect(fakeCluster.calls).not.toContain('consumer.seek models/1@0');
    await readersClosed();
  });

  it('stops emitting once unsubscribed, then leaves and deletes its group', async () => {
    fakeCluster.addTopic('models', 1);
    fakeCluster.append('models', 0, ['a', 'b', 'c']);
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const subscription = readTopic({ ...connection, topic: 'models', follow: true }).subscribe((event) => {
        seen.push(record(event));
        subscription.unsubscribe();
        resolve();
      });
    });
    await readersClosed();
    expect(seen).toEqual(['0@0="a"']);
    expect(fakeCluster.calls.slice(-3)).toEqual(['consumer.disconnect', 'admin.deleteGroups', 'admin.disconnect']);
  });
});
