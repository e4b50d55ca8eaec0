import { lastValueFrom, tap } from 'rxjs';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { createMemorySource } from '../../../connectors/memory/memory-source';
import type { RecordPosition } from '../../../connectors/types';
import { ConfigError, DecodeError } from '../../../src/errors';
import { drain, settle, watch } from './batches';

const numbers = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('createMemorySource', () => {
  it('cuts records into batches of at most maxRecords, with consecutive offsets and lag', async () => {
    const batches = await drain(createMemorySource({ records: numbers(10), maxRecords: 3, topic: 'nums' }));
    expect(batches.map((batch) => batch.records.length)).toEqual([3, 3, 3, 1]);
    expect(batches.flatMap((batch) => batch.records.map((record) => record.value))).toEqual(numbers(10));
    expect(batches.map(({ firstOffset, lastOffset, nextOffset, lag }) => [firstOffset, lastOffset, nextOffset, lag])).toEqual([
      ['0', '2', '3', 7],
      ['3', '5', '6', 4],
      ['6', '8', '9', 1],
      ['9', '9', '10', 0],
    ]);
    const record = batches[1].records[0];
    expect(record).toMatchObject({ topic: 'nums', partition: 0, offset: '3', key: null, value: 3, headers: {} });
    expect(batches.every((batch) => batch.topic === 'nums' && batch.partition === 0)).toBe(true);
  });

  it('emits nothing more until the outstanding batch is acknowledged', async () => {
    const { seen, outcome, subscription } = watch(createMemorySource({ records: numbers(5), maxRecords: 2 }));
    await settle();
    expect(seen).toHaveLength(1);
    await seen[0].ack();
    await settle();
    expect(seen).toHaveLength(2);
    expect(seen[1].firstOffset).toBe('2');
    await seen[1].ack();
    await seen[1].ack(); // a second ack releases nothing more
    await settle();
    expect(seen).toHaveLength(3);
    expect(outcome.completed).toBe(false);
    await seen[2].ack();
    await settle();
    expect(outcome.completed).toBe(true);
    subscription.unsubscribe();
  });

  it('spreads records round-robin over partitions, one batch outstanding at a time', async () => {
    const source = createMemorySource({ records: numbers(7), partitions: 3, maxRecords: 2 });
    const { seen, subscription } = watch(source);
    await settle();
    expect(seen).toHaveLength(1);
    subscription.unsubscribe();

    const batches = await drain(source);
    expect(batches.map(({ partition, records }) => [partition, records.map((r) => r.value)])).toEqual([
      [0, [0, 3]],
      [1, [1, 4]],
      [2, [2, 5]],
      [0, [6]],
    ]);
    expect(batches[3]).toMatchObject({ firstOffset: '2', lastOffset: '2', lag: 0 });
    expect(batches[1]).toMatchObject({ firstOffset: '0', lastOffset: '1', lag: 0 });
    expect(batches[0].lag).toBe(1);
  });

  it('stops emitting once unsubscribed, even when the waiting batch is acknowledged late', async () => {
    const { seen, outcome, subscription } = watch(createMemorySource({ records: numbers(6), maxRecords: 2 }));
    await settle();
    subscription.unsubscribe();
    await seen[0].ack();
    await settle();
    expect(seen).toHaveLength(1);
    expect(outcome).toEqual({ completed: false });
  });

  it('is cold: each subscription reads every record', async () => {
    const source = createMemorySource({ records: numbers(4), maxRecords: 3 });
    expect((await drain(source)).flatMap((b) => b.records)).toHaveLength(4);
    expect((await drain(source)).flatMap((b) => b.records)).toHaveLength(4);
  });

  it('dead-letters undecodable messages before emitting the batch, whose offsets still cover them', async () => {
    const messages = ['{"a":1}', '{"a":', '{"__proto__":{}}', '{"a":4}'].map((text) => Buffer.from(text));
    const deadLetters: Array<{ bytes: string; code: string; message: string; position: RecordPosition }> = [];
    const batchesSeenAtDeadLetter: number[] = [];
    let emitted = 0;
    const source = createMemorySource({
      records: messages,
      codec: createJsonCodec(),
      maxRecords: 3,
      topic: 'in',
      async onDeadLetter(bytes, error, position) {
        await settle(2);
        batchesSeenAtDeadLetter.push(emitted);
        const { code, message } = error as DecodeError;
        deadLetters.push({ bytes: bytes.toString(), code, message, position });
      },
    });
    const batches = await drain(source.pipe(tap(() => emitted++)));
    expect(deadLetters.map(({ bytes, code, position }) => [bytes, code, position])).toEqual([
      ['{"a":', 'MALFORMED', { topic: 'in', partition: 0, offset: '1' }],
      ['{"__proto__":{}}', 'FORBIDDEN_KEY', { topic: 'in', partition: 0, offset: '2' }],
    ]);
    expect(deadLetters[1].message).toContain('in/0@2');
    expect(batchesSeenAtDeadLetter).toEqual([0, 0]);
    expect(batches.map(({ firstOffset, lastOffset, records }) => [firstOffset, lastOffset, records.map((r) => r.offset)])).toEqual([
      ['0', '2', ['0']],
      ['3', '3', ['3']],
    ]);
  });

  it('fails the stream with the DecodeError when no dead-letter handler is given', async () => {
    const source = createMemorySource({ records: [Buffer.from('[1]'), Buffer.from('nope')], codec: createJsonCodec(), topic: 'in' });
    const error = await lastValueFrom(source).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).toMatch(/^in\/0@1: json: invalid JSON/);
  });

  it('validates its config at construction', () => {
    expect(() => createMemorySource({ records: [], maxRecords: 0 })).toThrow(ConfigError);
    expect(() => createMemorySource({ records: [], partitions: 1.5 })).toThrow('partitions must be a positive integer');
    expect(() => createMemorySource({ records: [], topic: '' })).toThrow(ConfigError);
    const notBuffers = ['text'] as unknown as Buffer[];
    expect(() => createMemorySource({ records: notBuffers, codec: createJsonCodec() })).toThrow('record 0 is not');
  });

  it('completes at once without records', async () => {
    expect(await drain(createMemorySource({ records: [] }))).toEqual([]);
  });
});
