import type { Batch, KafkaMessage } from 'kafkajs';
import { releaseDecoded } from '../../../connectors/kafka/release-fetch';

// kafkajs's own class for a fetched partition's messages: the arrays it keeps are what is released.
const KafkaJsBatch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, partitionData: unknown) => Batch;

type Internal = Batch & {
  rawMessages: (KafkaMessage | undefined)[];
  messagesWithinOffset: (KafkaMessage | undefined)[];
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToFiltering(): boolean;
};

const record = (offset: number, isControlRecord = false) =>
  ({ offset: String(offset), value: Buffer.from(`{"x":${offset}}`), key: null, timestamp: '0', attributes: 0, headers: {}, isControlRecord }) as KafkaMessage;

function fetched(offsets: number[], fetchedOffset: number, control: number[] = []): Internal {
  const messages = offsets.map((offset) => record(offset, control.includes(offset)));
  return new KafkaJsBatch('events', String(fetchedOffset), { partition: 0, highWatermark: '100', messages }) as Internal;
}

/** Offsets of an array's entries, `-` where released. */
const held = (array: readonly (KafkaMessage | undefined)[]) => array.map((message) => message?.offset ?? '-').join(' ');

describe('releaseDecoded', () => {
  it("clears a decoded chunk's messages from the batch and kafkajs's arrays, keeping lengths, the ends and what kafkajs reads after eachBatch", () => {
    // Offsets 3 and 4 precede the fetched offset: kafkajs drops them from messagesWithinOffset and messages.
    const batch = fetched([3, 4, 5, 6, 7, 8, 9, 10, 11], 5);
    const before = { first: batch.firstOffset(), last: batch.lastOffset(), lag: batch.offsetLag() };
    releaseDecoded(batch, 0, 3);
    expect(held(batch.messages)).toBe('5 - - 8 9 10 11');
    expect(held(batch.messagesWithinOffset)).toBe('5 - - 8 9 10 11');
    expect(held(batch.rawMessages)).toBe('3 4 5 - - 8 9 10 11');
    releaseDecoded(batch, 3, 6);
    releaseDecoded(batch, 6, 7);
    expect(held(batch.messages)).toBe('5 - - - - - 11');
    expect(held(batch.messagesWithinOffset)).toBe('5 - - - - - 11');
    expect(held(batch.rawMessages)).toBe('3 4 5 - - - - - 11');
    expect({ first: batch.firstOffset(), last: batch.lastOffset(), lag: batch.offsetLag() }).toEqual(before);
    expect([batch.isEmpty(), batch.isEmptyIncludingFiltered(), batch.isEmptyDueToFiltering()]).toEqual([false, false, false]);
  });

  it("leaves kafkajs's arrays whole where a control record was filtered out among the messages, and releases the batch's own", () => {
    const batch = fetched([5, 6, 7, 8, 9, 10], 5, [7]);
    releaseDecoded(batch, 0, 4);
    expect(held(batch.messages)).toBe('5 - - - 10');
    expect(held(batch.messagesWithinOffset)).toBe('5 6 7 8 9 10');
    expect(held(batch.rawMessages)).toBe('5 6 7 8 9 10');
    expect(batch.lastOffset()).toBe('10');
  });
});
