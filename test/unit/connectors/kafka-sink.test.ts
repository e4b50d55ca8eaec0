import { watchBrokers, unreachableNote } from '../../../connectors/kafka/broker-watch';
import { probeBrokers } from '../../../connectors/kafka/probe';
import { createKafkaSink, type KafkaSinkConfig } from '../../../connectors/kafka/sink';
import { fakeCluster, protocolError } from './fake-kafka';

jest.mock('kafkajs', () => require('./fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const sink = (config: Partial<KafkaSinkConfig> = {}) => createKafkaSink({ ...connection, recreateRetry: { retries: 3, initialDelayMs: 1 }, ...config });
const values = (topic: string, partition = 0) => fakeCluster.partition(topic, partition).messages.map((m) => String(m.value));
const requestSizes = () => fakeCluster.produced.map(({ topicMessages }) => topicMessages.map(({ topic, messages }) => `${topic}:${messages.length}`).join(' '));

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('a', 2);
  fakeCluster.addTopic('b', 1);
});

describe('the Kafka sink', () => {
  it('coalesces sends of the same tick into one acks=all request, in order, keeping keys, headers, partitions and timestamps', async () => {
    const out = sink();
    await Promise.all([
      out.send('a', [
        { key: 'k1', value: 'one', headers: { h: 'v' } },
        { value: Buffer.from('two'), partition: 1, timestamp: 42 },
      ]),
      out.send('b', [{ value: 'three' }]),
      out.send('a', [{ value: 'four' }]),
    ]);
    expect(requestSizes()).toEqual(['a:3 b:1']);
    expect(fakeCluster.produced[0].acks).toBe(-1);
    const [first, second] = fakeCluster.produced[0].topicMessages[0].messages;
    expect(first).toEqual({ key: 'k1', value: 'one', headers: { h: 'v' } });
    expect(second).toEqual({ key: null, value: Buffer.from('two'), headers: {}, partition: 1, timestamp: '42' });
    expect([values('a'), values('a', 1), values('b')]).toEqual([['one', 'four'], ['two'], ['three']]);
    expect(fakeCluster.calls.find((call) => call.startsWith('producer {'))).toBe(
      'producer {"idempotent":true,"maxInFlightRequests":1,"allowAutoTopicCreation":false,"retry":{"retries":5}}',
    );
    await out.close();
    expect(fakeCluster.calls.at(-1)).toBe('producer.disconnect');
  });

  it('cuts requests at maxBatchMessages and maxBatchBytes, never splitting below one message', async () => {
    const byCount = sink({ maxBatchMessages: 2 });
    await Promise.all([
      byCount.send(
        'a',
        ['1', '2', '3'].map((value) => ({ value })),
      ),
      byCount.send('a', [{ value: '4' }]),
      byCount.send('a', [{ value: '5' }]),
    ]);
    expect(requestSizes()).toEqual(['a:2', 'a:2', 'a:1']);
    expect(values('a')).toEqual(['1', '2', '3', '4', '5']);
    await byCount.close();

    fakeCluster.produced.length = 0;
    // Each message counts its key, value, header names and values, plus 70 bytes of record overhead.
    const byBytes = sink({ maxBatchBytes: 2 * (70 + 10) });
    const ten = (c: string) => ({ value: c.repeat(10) });
    await byBytes.send('b', [ten('x'), ten('y'), { value: 'z'.repeat(9), key: 'k' }, { value: '', headers: { h: 'x'.repeat(9) } }, { value: 'w'.repeat(300) }]);
    expect(requestSizes()).toEqual(['b:2', 'b:2', 'b:1']);
    await byBytes.close();
  });

  it('counts header arrays and null keys or values by their bytes', async () => {
    const out = sink({ maxBatchBytes: 2 * (70 + 4) });
    await out.send('a', [
      { value: null, headers: { ab: [Buffer.from('c'), Buffer.from('d')] } },
      { key: 'ab', value: 'cd' },
      { value: 'abcd', key: null },
    ]);
    expect(requestSizes()).toEqual(['a:2', 'a:1']);
    await out.close();
  });

  it('replaces the producer after a fatal producer error and sends the request again', async () => {
    const out = sink();
    fakeCluster.failNext('producer.sendBatch', protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', false));
    await out.send('a', [{ value: 'x' }]);
    expect(values('a')).toEqual(['x']);
    expect(fakeCluster.producersCreated).toBe(2);
    expect(fakeCluster.produced.map((request) => request.producer)).toEqual([2]);
    await out.send('a', [{ value: 'y' }]);
    expect(fakeCluster.producersCreated).toBe(2);
    await out.close();
  });

  it('rejects every send of a failed request with one error naming the count and topics, and goes on with later sends', async () => {
    const out = sink();
    fakeCluster.failNext(
      'producer.sendBatch',
      protocolError('NOT_ENOUGH_REPLICAS', true, 'Messages are rejected since there are fewer in-sync replicas than required'),
    );
    const failed = [out.send('a', [{ value: '1' }, { value: '2' }]), out.send('b', [{ value: '3' }])];
    for (const send of failed) {
      await expect(send).rejects.toMatchObject({
        name: 'BrokerError',
        message: 'sending 3 messages to a, b: Messages are rejected since there are fewer in-sync replicas than required',
        retriable: true,
      });
    }
    expect(fakeCluster.producersCreated).toBe(1);
    await out.send('a', [{ value: '4' }]);
    expect(values('a')).toEqual(['4']);
    await out.close();
  });

  it('retries a producer that fails to connect, with a new one each time', async () => {
    const out = sink();
    fakeCluster.failNext('producer.connect', protocolError('UNKNOWN_PRODUCER_ID', false));
    await out.send('a', [{ value: 'x' }]);
    expect(fakeCluster.producersCreated).toBe(2);
    await out.close();
  });

  it('gives up after recreateRetry retries of fatal errors', async () => {
    const out = sink({ recreateRetry: { retries: 1, initialDelayMs: 1 } });
    fakeCluster.failNext('producer.sendBatch', ...[1, 2, 3].map(() => protocolError('INVALID_PRODUCER_EPOCH', false, 'epoch')));
    await expect(out.send('a', [{ value: 'x' }])).rejects.toThrow('sending 1 messages to a: epoch');
    expect(fakeCluster.producersCreated).toBe(2);
    await out.close();
  });

  it('resolves an empty send at once, waits for pending sends on close, then refuses new ones by topic', async () => {
    const out = sink({ lingerMs: 5 });
    await out.send('a', []);
    expect(fakeCluster.produced).toEqual([]);
    const pending = out.send('a', [{ value: 'late' }]);
    await out.close();
    await pending;
    expect(values('a')).toEqual(['late']);
    await expect(out.send('b', [{ value: 'x' }])).rejects.toThrow('the Kafka sink is closed; cannot send to "b"');
  });

  it('refuses bad settings by name', () => {
    expect(() => sink({ lingerMs: -1 })).toThrow('createKafkaSink: lingerMs must be >= 0, got -1');
    expect(() => sink({ lingerMs: Number.NaN })).toThrow('lingerMs must be >= 0');
    expect(() => sink({ lingerMs: 0 })).not.toThrow();
    expect(() => sink({ maxBatchMessages: 0 })).toThrow('maxBatchMessages');
    expect(() => sink({ maxBatchBytes: 1.5 })).toThrow('maxBatchBytes');
    expect(() => sink({ brokers: [] })).toThrow();
  });
});

describe('probeBrokers', () => {
  it('returns the cluster id, asking with no kafkajs retries and attempts bounded by the timeout', async () => {
    expect(await probeBrokers(connection, { timeoutMs: 3000 })).toBe('fake-cluster');
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'streamlearn-probe', retry: { retries: 0 } });
    const { connectionTimeout } = fakeCluster.clients.at(-1) as { connectionTimeout: number };
    expect(connectionTimeout).toBeGreaterThanOrEqual(2900);
    expect(connectionTimeout).toBeLessThanOrEqual(3000);
    expect(fakeCluster.calls.at(-1)).toBe('admin.disconnect');
  });

  it('tries again until a broker answers', async () => {
    fakeCluster.failNext('admin.connect', Object.assign(new Error('Connection error: connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(await probeBrokers(connection, { timeoutMs: 5000 })).toBe('fake-cluster');
    expect(fakeCluster.calls.filter((call) => call === 'admin.connect').length).toBe(2);
  });

  it('reports a failure no retry can cure at once, naming the brokers', async () => {
    fakeCluster.failNext('admin.connect', Object.assign(new Error('SASL SCRAM-SHA-256 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' }));
    const sasl = { mechanism: 'scram-sha-256' as const, username: 'alice', password: 'secret' };
    const started = Date.now();
    await expect(probeBrokers({ ...connection, sasl }, { timeoutMs: 5000 })).rejects.toThrow(
      /^cannot connect to Kafka at fake:9092 \(SASL_PLAINTEXT, scram-sha-256 as alice\): authentication failed for user "alice"/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up at the deadline with the last failure, as retriable', async () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    fakeCluster.failNext('admin.connect', ...Array.from({ length: 50 }, () => refused));
    const failure = probeBrokers({ ...connection, connectionTimeoutMs: 300 });
    await expect(failure).rejects.toMatchObject({ name: 'BrokerError', retriable: true });
    await expect(failure).rejects.toThrow(/^no Kafka broker answered at fake:9092 \(PLAINTEXT\) within 300 ms: /);
  });

  it('stops waiting when the broker process died', async () => {
    await expect(probeBrokers(connection, { isAlive: () => false, what: 'the test broker' })).rejects.toThrow(
      'the test broker at fake:9092 (PLAINTEXT) exited before it was ready',
    );
    await expect(probeBrokers(connection, { isAlive: () => false })).rejects.toThrow('the broker process at fake:9092');
    expect(await probeBrokers(connection, { isAlive: () => true })).toBe('fake-cluster');
  });
});

describe('watchBrokers', () => {
  it('logs one line per interval while the brokers are unreachable, and one when they answer again', async () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    // Each check probes for at most one interval: a refused attempt and its 250 ms pause fill it.
    fakeCluster.failNext('admin.connect', refused, refused);
    const lines: string[] = [];
    const started = Date.now();
    const watch = watchBrokers(connection, { intervalMs: 200, log: (line) => lines.push(line) });
    expect(watch.unreachableSince()).toBeUndefined();
    for (let i = 0; i < 400 && !lines.some((line) => line.includes('reachable again')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    watch.stop();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.slice(0, -1).every((line) => /^broker unreachable since \d\d:\d\d:\d\d \(\d+ s\): no Kafka broker answered/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^broker fake:9092 \(PLAINTEXT\) reachable again after \d+ s$/);
    expect(watch.unreachableSince()).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('says how long the brokers have been unreachable', () => {
    const since = Date.UTC(2026, 0, 1, 12, 0, 1);
    expect(unreachableNote(since, since + 35_400)).toBe('broker unreachable since 12:00:01 (35 s)');
  });
});
