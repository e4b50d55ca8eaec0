import type { Batch, KafkaMessage } from 'kafkajs';

/** kafkajs's own arrays of a fetched batch's messages (`consumer/batch.js`): the fetch's records, and those at or past the fetched offset. */
type KafkaJsArrays = Partial<Record<'rawMessages' | 'messagesWithinOffset', unknown>>;

/**
 * Lets go of messages `[from, to)` of a fetched batch once their chunk is decoded. kafkajs keeps a fetch's
 * message objects (each with its offset and timestamp text, a Buffer view and a headers object) until
 * `eachBatch` returns, in three arrays: `batch.messages`, and its own `rawMessages` and
 * `messagesWithinOffset`. A chunk's messages thus outlived their chunk until the fetch's last chunk was
 * acknowledged, and every scavenge meanwhile copied them (start4's heap profile, docs/performance.md
 * "Stop 24"). Once decoded, nothing reads them again: the records keep what they need (`MessageChunk`, or
 * `raw` Buffers). So their entries are cleared in the three arrays, which keep their lengths; the first and
 * last entry of each stay, for kafkajs reads them after `eachBatch` (`firstOffset`, `lastOffset`, the
 * offset to resolve). kafkajs's arrays are cleared only where they list exactly `batch.messages` (no
 * control record or aborted message filtered out among them); otherwise they keep theirs, as before.
 */
export function releaseDecoded(batch: Batch, from: number, to: number): void {
  const { messages } = batch;
  const count = messages.length;
  clear(messages, 0, from, to, count);
  const own = batch as unknown as KafkaJsArrays;
  for (const array of [own.rawMessages, own.messagesWithinOffset]) {
    if (!Array.isArray(array) || array === messages || count === 0) continue;
    const shift = array.indexOf(messages[0]);
    if (shift >= 0 && array[shift + count - 1] === messages[count - 1]) clear(array as KafkaMessage[], shift, from, to, count);
  }
}

/**
 * Clears `array[shift + from .. shift + to)`, where `array[shift ..]` lists the batch's `count` messages, but
 * not the first or last message, nor the array's own first or last entry.
 */
function clear(array: KafkaMessage[], shift: number, from: number, to: number, count: number): void {
  const end = Math.min(shift + Math.min(to, count - 1), array.length - 1);
  for (let i = Math.max(shift + Math.max(from, 1), 1); i < end; i++) array[i] = undefined as unknown as KafkaMessage;
}
