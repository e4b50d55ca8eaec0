/**
 * The fenced writer (connectors/kafka/fenced-writer.ts) over the fake kafkajs client, whose transaction
 * coordinator fences every earlier holder of a transactional id when a new producer opens it: a writer's
 * sends are visible only once committed, a writer opened later fences it for good, and other failures
 * abort the transaction and name what was being done.
 */
import { FencedError } from '../../../src/errors';
import { isFenced, openFencedWriter } from '../../../connectors/kafka/fenced-writer';
import { fakeCluster, protocolError } from './fake-kafka';

jest.mock('kafkajs', () => require('./fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const values = (topic: string) => fakeCluster.partition(topic, 0).messages.map((m) => String(m.value));

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('t', 1);
});

describe('openFencedWriter', () => {
  it('opens a transactional, idempotent producer (one request in flight, no topic creation) and registers the id with an empty transaction', async () => {
    const writer = await openFencedWriter({ ...connection, transactionalId: 'm.mixer' });
    const producer = fakeCluster.calls.find((call) => call.startsWith('producer {'))!;
    expect(JSON.parse(producer.slice('producer '.length))).toEqual({
      transactionalId: 'm.mixer',
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5 },
    });
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'm.mixer-writer' });
    expect(fakeCluster.calls.filter((call) => !call.startsWith('producer {'))).toEqual(['producer.connect', 'producer.transaction', 'transaction.commit']);
    await writer.close();
    await openFencedWriter({ ...connection, transactionalId: 'x', clientId: 'mine' });
    expect(fakeCluster.clients.at(-1)).toMatchObject({ clientId: 'mine' });
  });

  it('sends all messages of a call in one committed transaction', async () => {
    const writer = await openFencedWriter({ ...connection, transactionalId: 'm.mixer' });
    await writer.send('t', [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    expect(values('t')).toEqual(['1', '2']);
    expect(fakeCluster.calls.slice(-3)).toEqual(['producer.transaction', 'transaction.send', 'transaction.commit']);
    await writer.close();
    expect(fakeCluster.calls.at(-1)).toBe('producer.disconnect');
  });

  it('a writer opened later with the same id fences the earlier one for good: nothing it sends becomes visible', async () => {
    const zombie = await openFencedWriter({ ...connection, transactionalId: 'm.mixer' });
    const successor = await openFencedWriter({ ...connection, transactionalId: 'm.mixer' });
    const refused = zombie.send('t', [{ value: 'late' }]);
    await expect(refused).rejects.toThrow(FencedError);
    await expect(zombie.send('t', [{ value: 'late' }])).rejects.toThrow('m.mixer: sending to t refused, this writer was fenced by a newer one');
    expect(fakeCluster.calls.filter((call) => call === 'transaction.abort')).toHaveLength(1);
    // The second refusal comes without a new transaction: the writer knows it is fenced.
    const transactions = fakeCluster.calls.filter((call) => call === 'producer.transaction').length;
    await expect(zombie.send('t', [{ value: 'later' }])).rejects.toMatchObject({ code: 'FENCED' });
    expect(fakeCluster.calls.filter((call) => call === 'producer.transaction')).toHaveLength(transactions);
    await successor.send('t', [{ value: 'mine' }]);
    expect(values('t')).toEqual(['mine']);
    // A writer that cannot open (fenced while opening) says so.
    fakeCluster.failNext('transaction.commit', protocolError('PRODUCER_FENCED', false));
    await expect(openFencedWriter({ ...connection, transactionalId: 'm.mixer' })).rejects.toThrow(
      'm.mixer: opening refused, this writer was fenced by a newer one',
    );
  });

  it('another failure aborts the transaction and is a broker error naming the id and what it did, not a fence', async () => {
    const writer = await openFencedWriter({ ...connection, transactionalId: 'm.mixer' });
    fakeCluster.failNext('transaction.send', protocolError('NOT_LEADER_FOR_PARTITION', true, 'not the leader'));
    const err = await writer.send('t', [{ value: 'x' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'm.mixer: sending to t: not the leader', retriable: true });
    expect(isFenced(err)).toBe(false);
    expect(fakeCluster.calls.slice(-1)).toEqual(['transaction.abort']);
    expect(values('t')).toEqual([]);
    // Not fenced: the next send goes through.
    await writer.send('t', [{ value: 'y' }]);
    expect(values('t')).toEqual(['y']);
    // An abort that fails too still reports the first failure.
    fakeCluster.failNext('transaction.commit', protocolError('COORDINATOR_NOT_AVAILABLE', true, 'no coordinator'));
    fakeCluster.failNext('transaction.abort', new Error('abort failed'));
    await expect(writer.send('t', [{ value: 'z' }])).rejects.toThrow('m.mixer: sending to t: no coordinator');
    // Closing never throws.
    fakeCluster.failNext('producer.disconnect', new Error('gone'));
    await expect(writer.close()).resolves.toBeUndefined();
  });
});

describe('isFenced', () => {
  it('is true for a FencedError and for a producer-fence type anywhere in the cause chain', () => {
    expect(isFenced(new FencedError('x'))).toBe(true);
    for (const type of ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']) {
      expect(isFenced(protocolError(type, false))).toBe(true);
      expect(isFenced(new Error('wrapped', { cause: new Error('twice', { cause: protocolError(type, false) }) }))).toBe(true);
    }
    expect(isFenced(protocolError('NOT_LEADER_FOR_PARTITION', true))).toBe(false);
    expect(isFenced(new Error('plain'))).toBe(false);
    expect(isFenced(undefined)).toBe(false);
    expect(isFenced('PRODUCER_FENCED')).toBe(false);
  });
});
