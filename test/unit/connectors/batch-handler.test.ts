import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { createJsonCodec, type JsonValue } from '../../../connectors/codecs/json';
import type { DeadLetterInput } from '../../../connectors/dead-letter';
import { createBatchHandler, type BatchHandlerConfig } from '../../../connectors/kafka/batch-handler';
import type { MicroBatch, RecordPosition } from '../../../connectors/types';

const message = (offset: number, value: Buffer | string, key: Buffer | null = null, headers = {}): KafkaMessage =>
  ({ offset: String(offset), key, value: Buffer.from(value), headers, timestamp: '0', attributes: 0 }) as KafkaMessage;

const rebalance = () => Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS', retriable: true });

/** A kafkajs eachBatch payload over `messages`, the way kafkajs's own runner tests fake a fetched batch. */
function fakePayload(messages: KafkaMessage[], heartbeat: () => Promise<void> = async () => undefined) {
  const resolved: string[] = [];
  const payload = {
    batch: { topic: 'events', partition: 2, highWatermark: String(messages.length), messages },
    resolveOffset: (offset: string) => void resolved.push(offset),
    heartbeat,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, resolved };
}

function handler(overrides: Pick<BatchHandlerConfig<JsonValue>, 'emit'> & Partial<BatchHandlerConfig<JsonValue>>) {
  const letters: DeadLetterInput[] = [];
  const commits: RecordPosition[] = [];
  const failures: unknown[] = [];
  const handle = createBatchHandler<JsonValue>({
    codec: createJsonCodec(),
    deadLetter: { write: async (letter) => void letters.push(letter) },
    deadLetterRetry: { retries: 0 },
    maxRecords: 3,
    commitOnAck: true,
    heartbeatEveryMs: 5,
    closed: new Promise(() => undefined),
    isClosed: () => false,
    commit: async (position) => void commits.push(position),
    fail: (err) => void failures.push(err),
    ...overrides,
  });
  return { handle, letters, commits, failures };
}

/** A source's close signal that counts the reactions added to it: each is kept for as long as the source is open. */
function countingClose() {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  let reactions = 0;
  const then = closed.then.bind(closed);
  closed.then = ((...args: Parameters<typeof then>) => {
    reactions++;
    return then(...args);
  }) as typeof closed.then;
  return { closed, close, reactions: () => reactions };
}

describe('the Kafka batch handler', () => {
  it('dead-letters undecodable records with their exact bytes before emitting the chunk, then commits on ack', async () => {
    const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const messages = [message(0, '{"a": 1}'), message(1, invalidUtf8, Buffer.from([0xde, 0xad]), { h: Buffer.from([0x00, 0xff]) }), message(2, '{"a":  2e0}')];
    const emitted: MicroBatch<JsonValue>[] = [];
    let lettersAtEmit = -1;
    const { handle, letters, commits } = handler({
      emit(batch) {
        emitted.push(batch);
        lettersAtEmit = letters.length;
        void batch.ack();
      },
    });
    const { payload, resolved } = fakePayload(messages);
    await handle(payload);
    expect(lettersAtEmit).toBe(1);
    expect(letters[0].raw.value!.equals(invalidUtf8)).toBe(true);
    expect(letters[0].raw.key!.equals(Buffer.from([0xde, 0xad]))).toBe(true);
    expect((letters[0].raw.headers.h as Buffer).equals(Buffer.from([0x00, 0xff]))).toBe(true);
    expect(letters[0].position).toEqual({ topic: 'events', partition: 2, offset: '1' });
    expect(emitted[0].records.map((r) => r.offset)).toEqual(['0', '2']);
    expect(emitted[0].records[1].raw!.value!.toString()).toBe('{"a":  2e0}');
    expect(emitted[0].deadLettered).toBe(1);
    expect(commits).toEqual([{ topic: 'events', partition: 2, offset: '3' }]);
    expect(resolved).toEqual(['2']);
  });

  it('on revocation mid-batch (a rebalance while waiting for the ack): commits nothing, resolves no offset, rethrows for kafkajs to rejoin', async () => {
    const emitted: MicroBatch<JsonValue>[] = [];
    const { handle, commits, failures } = handler({ emit: (batch) => void emitted.push(batch) });
    const { payload, resolved } = fakePayload(
      [0, 1, 2, 3, 4].map((i) => message(i, `{"i": ${i}}`)),
      async () => {
        throw rebalance();
      },
    );
    const outcome = await handle(payload).catch((err: unknown) => err);
    expect((outcome as { type?: string }).type).toBe('REBALANCE_IN_PROGRESS');
    expect(emitted).toHaveLength(1);
    expect(commits).toEqual([]);
    expect(resolved).toEqual([]);
    expect(failures).toEqual([]);
    // The batch in hand is read again by whoever gets the partition: its ack settles without error.
    await expect(emitted[0].ack()).resolves.toBeUndefined();
  });

  it('stops after the chunk in hand when the batch goes stale, committing only what was acknowledged', async () => {
    let stale = false;
    const emitted: MicroBatch<JsonValue>[] = [];
    const { handle, commits } = handler({
      emit(batch) {
        emitted.push(batch);
        stale = true;
        void batch.ack();
      },
    });
    const { payload, resolved } = fakePayload([0, 1, 2, 3, 4].map((i) => message(i, `{"i": ${i}}`)));
    (payload as unknown as { isStale: () => boolean }).isStale = () => stale;
    await handle(payload);
    expect(emitted).toHaveLength(1);
    expect(commits).toEqual([]);
    expect(resolved).toEqual([]);
  });

  it('listens to the source closing once, not once per chunk and heartbeat (a reaction on that promise lives as long as the source)', async () => {
    const signal = countingClose();
    let emitted = 0;
    const { handle, commits } = handler({
      closed: signal.closed,
      heartbeatEveryMs: 1,
      emit(batch) {
        emitted++;
        // Every other chunk waits past a heartbeat tick before its ack.
        setTimeout(() => void batch.ack(), emitted % 2 === 0 ? 5 : 0);
      },
    });
    for (let round = 0; round < 3; round++) await handle(fakePayload(Array.from({ length: 30 }, (_, i) => message(i, `{"i": ${i}}`))).payload);
    expect(emitted).toBe(30);
    expect(commits).toHaveLength(30);
    expect(signal.reactions()).toBe(1);
  });

  it('when the source closes while a chunk waits for its ack: returns without committing it', async () => {
    const signal = countingClose();
    const emitted: MicroBatch<JsonValue>[] = [];
    const { handle, commits } = handler({ closed: signal.closed, emit: (batch) => void emitted.push(batch) });
    const { payload, resolved } = fakePayload([0, 1, 2, 3, 4].map((i) => message(i, `{"i": ${i}}`)));
    const handled = handle(payload);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a few heartbeats
    signal.close();
    await handled;
    expect(emitted).toHaveLength(1);
    expect(commits).toEqual([]);
    expect(resolved).toEqual([]);
  });
});
