/** `setUpTopics` over the fake kafkajs admin: which topics a topology creates, with what partitions and configs. */
import { setUpTopics } from '../../../src/topology/topic-setup';
import { fakeCluster } from '../connectors/fake-kafka';
import { regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const DEFAULT_LIMIT = 1_048_588;
const HEADROOM = 64 * 1024;
const topic = (name: string) => fakeCluster.topics.get(name);

beforeEach(() => fakeCluster.reset());

describe('setUpTopics', () => {
  it('creates a missing input with the partitions asked for, and only the outputs the topology names', async () => {
    const topology = regressionTopology({ input: { topic: 'events', partitions: 3, codec: regressionTopology().config.input.codec } });
    const { deadLetterMaxBytes } = await setUpTopics(connection, topology);
    expect(topic('events')?.partitions.length).toBe(3);
    // toStrictEqual: a topic created without a name would show as an undefined key.
    expect([...fakeCluster.topics.keys()].sort()).toStrictEqual(['dlq', 'events', 'models']);
    expect(topic('models')?.configs).toEqual({ 'cleanup.policy': 'compact' });
    // An input at the broker's default limit: the dead-letter topic has room for it plus the error headers.
    expect(topic('dlq')?.configs).toEqual({ 'max.message.bytes': String(DEFAULT_LIMIT + HEADROOM) });
    expect(deadLetterMaxBytes).toBe(DEFAULT_LIMIT + HEADROOM);
  });

  it('creates a missing input with one partition by default', async () => {
    await setUpTopics(connection, regressionTopology());
    expect(topic('events')?.partitions.length).toBe(1);
  });

  it('uses an existing input as it is and gives the predictions topic as many partitions as it really has', async () => {
    fakeCluster.addTopic('events', 4);
    const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq', predictionsTopic: 'predictions', metricsTopic: 'metrics' };
    const codec = regressionTopology().config.input.codec;
    await setUpTopics(connection, regressionTopology({ input: { topic: 'events', partitions: 2, codec }, outputs }));
    expect(topic('events')?.partitions.length).toBe(4);
    expect(topic('predictions')?.partitions.length).toBe(4);
    expect(topic('predictions')?.configs).toEqual({});
    expect(topic('metrics')?.configs).toEqual({});
    expect(topic('metrics')?.partitions.length).toBe(1);
  });

  it('never sizes the dead-letter topic below the broker default, even for an input with a smaller limit', async () => {
    fakeCluster.addTopic('events', 1, { 'max.message.bytes': '1000' });
    const { deadLetterMaxBytes } = await setUpTopics(connection, regressionTopology());
    expect(topic('dlq')?.configs['max.message.bytes']).toBe(String(DEFAULT_LIMIT + HEADROOM));
    expect(deadLetterMaxBytes).toBe(DEFAULT_LIMIT + HEADROOM);
  });

  it("returns an existing dead-letter topic's own, smaller limit: the writer truncates to what the topic accepts", async () => {
    fakeCluster.addTopic('events', 1, { 'max.message.bytes': '5000000' });
    fakeCluster.addTopic('dlq', 1, { 'max.message.bytes': '2000' });
    const { deadLetterMaxBytes } = await setUpTopics(connection, regressionTopology());
    expect(deadLetterMaxBytes).toBe(2000);
  });

  it('creates the importance and drift topics only when the topology computes importance or watches drift', async () => {
    const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq', importanceTopic: 'importance', driftTopic: 'drift' };
    // Named but unused (no importance, no drift): not created.
    await setUpTopics(connection, regressionTopology({ outputs }));
    expect([...fakeCluster.topics.keys()].sort()).toStrictEqual(['dlq', 'events', 'models']);

    fakeCluster.reset();
    const drift = { detector: { kind: 'ADWIN' as const }, on: 'absolute-error' as const, action: 'reset' as const };
    // Only its presence matters here: setting up topics never builds a model's importance.
    const importance = () => {
      throw new Error('not called');
    };
    await setUpTopics(connection, regressionTopology({ outputs, importance, drift }));
    expect(topic('importance')?.configs).toEqual({});
    // Compacted: a detection replayed after a crash has the same key and replaces the first.
    expect(topic('drift')?.configs).toEqual({ 'cleanup.policy': 'compact' });
  });
});
