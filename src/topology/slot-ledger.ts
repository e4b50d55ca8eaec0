import { isColumnRecord } from '../../connectors/kafka/column-record';
import type { DecodedRecord, MicroBatch } from '../../connectors/types';
import { StreamlearnError } from '../errors';
import type { PartitionOffset } from '../checkpoints/manifest';
import { partitionKey, type ModelSlot } from './model-slot';

/**
 * The slot's ledger, per partition: the offset its last checkpoint (or restore) covers and the records
 * consumed (learned or dead-lettered) since. Together with `slot.offsets` (the next offset to learn) it
 * holds the invariant the runtime's exactly-once promise rests on:
 *
 *   next offset to learn = checkpoint offset + records consumed since      (per partition)
 *
 * A source that rewinds (a broker failure restarts the consumer from its committed offsets, a rebalance,
 * a source restart) re-delivers records the model already holds; `admit` drops them, so the equation
 * cannot drift. Offsets may skip (a compacted or transactional input, retention deleting what was never
 * read): the skipped offsets are counted as `skipped`, never as records.
 */
export interface PartitionLedger {
  /** Offset covered by the last checkpoint (the next one it had to learn). */
  checkpointed: bigint;
  /** Offsets learned or dead-lettered since that checkpoint (a message of many rows counts once). */
  consumed: number;
  /** Offsets passed without a record (gaps in the partition) since that checkpoint. */
  skipped: bigint;
}

/** Raised when the ledger and the offsets disagree: a record would be learned twice, or one was lost. */
export class InvariantError extends StreamlearnError {
  constructor(message: string) {
    super('INVARIANT', message);
  }
}

export function newLedger(offsets: Iterable<PartitionOffset>): Map<string, PartitionLedger> {
  return new Map([...offsets].map((o) => [partitionKey(o), { checkpointed: BigInt(o.offset), consumed: 0, skipped: 0n }]));
}

/** The next offset the slot's model has to learn on the batch's partition, if it has learned any of it. */
export function learnedUpTo(slot: ModelSlot, position: { topic: string; partition: number }): bigint | undefined {
  const known = slot.offsets.get(partitionKey(position));
  return known === undefined ? undefined : BigInt(known.offset);
}

export interface Admitted<T> {
  /** The batch's records the model has not learned yet. */
  records: DecodedRecord<T>[];
  /** Offsets those records come from: fewer than records when one message holds many rows (Arrow). */
  offsets: number;
  /** Records the source dead-lettered within the admitted range (the source counts them; the range tells which). */
  deadLettered: number;
  /** Records dropped because the model already holds them (a rewound source). */
  replayed: number;
}

/**
 * What of a batch the model may learn: every record at or after the slot's next offset. A batch wholly
 * behind it is a replay and admits nothing. A batch that starts past it leaves a gap, counted as skipped.
 */
export function admit<T>(slot: ModelSlot, batch: MicroBatch<T>): Admitted<T> {
  const next = learnedUpTo(slot, batch);
  const first = BigInt(batch.firstOffset);
  if (next === undefined || first >= next)
    return { records: batch.records, offsets: distinctOffsets(batch.records), deadLettered: batch.deadLettered, replayed: 0 };
  const records = batch.records.filter((record) => BigInt(record.offset) >= next);
  const offsets = distinctOffsets(records);
  const end = BigInt(batch.nextOffset);
  // The source dead-letters undecodable records before emitting; those at offsets the model already passed
  // were dead-lettered before, so only the ones inside the admitted range count.
  const range = end > next ? Number(end - next) : 0;
  const deadLettered = Math.max(0, Math.min(batch.deadLettered, range - offsets));
  return { records, offsets, deadLettered, replayed: batch.records.length + batch.deadLettered - records.length - deadLettered };
}

/**
 * Records are in offset order; rows of one message share its offset. A column record is a whole message, so
 * its offset is not compared: it makes its offset's text when read (a string per record, 6% of the ctr
 * step's allocations).
 */
function distinctOffsets(records: DecodedRecord<unknown>[]): number {
  let count = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (i === 0 || isColumnRecord(record) || record.offset !== records[i - 1].offset) count++;
  }
  return count;
}

/**
 * Moves the slot past a batch of which `consumed` offsets were learned or dead-lettered (`records` rows:
 * more when a message holds many), adds `learned` to the examples seen, then checks the invariant.
 */
export function recordConsumed(slot: ModelSlot, batch: MicroBatch<unknown>, consumed: number, learned: number, records = consumed): void {
  const key = partitionKey(batch);
  const end = BigInt(batch.nextOffset);
  const previous = learnedUpTo(slot, batch);
  if (previous !== undefined && end <= previous) {
    if (consumed > 0) throw new InvariantError(`${key}: ${consumed} records consumed from a batch ending at ${end}, behind the learned offset ${previous}`);
    return;
  }
  const ledger = slot.ledger.get(key) ?? { checkpointed: previous ?? BigInt(batch.firstOffset), consumed: 0, skipped: 0n };
  const start = previous ?? ledger.checkpointed;
  ledger.consumed += consumed;
  ledger.skipped += end - start - BigInt(consumed);
  slot.ledger.set(key, ledger);
  slot.offsets.set(key, { topic: batch.topic, partition: batch.partition, offset: batch.nextOffset });
  slot.examplesSeen += learned;
  slot.sinceCheckpoint += records;
  assertLedger(slot);
}

/**
 * The invariant, for every partition of the slot: next = checkpointed + consumed + skipped, with nothing
 * negative. Counting a record twice makes `skipped` negative; losing one makes the sum fall short.
 */
export function assertLedger(slot: ModelSlot): void {
  for (const [key, { offset }] of slot.offsets) {
    const ledger = slot.ledger.get(key);
    if (!ledger) throw new InvariantError(`${slot.modelId} ${key}: learned up to ${offset} with no checkpoint offset on record`);
    const next = BigInt(offset);
    if (ledger.skipped < 0n || ledger.consumed < 0 || next !== ledger.checkpointed + BigInt(ledger.consumed) + ledger.skipped) {
      throw new InvariantError(
        `${slot.modelId} ${key}: next offset ${next} ≠ checkpoint ${ledger.checkpointed} + consumed ${ledger.consumed} + skipped ${ledger.skipped}: a record was counted twice or lost`,
      );
    }
  }
}

/** After a checkpoint of `offsets` is published: those offsets become the ledger's base; what came after stays counted. */
export function checkpointCovered(slot: ModelSlot, offsets: PartitionOffset[], consumedAtCapture: Map<string, { consumed: number; skipped: bigint }>): void {
  for (const o of offsets) {
    const key = partitionKey(o);
    const ledger = slot.ledger.get(key);
    const captured = consumedAtCapture.get(key);
    if (!ledger || !captured) continue;
    ledger.checkpointed = BigInt(o.offset);
    ledger.consumed -= captured.consumed;
    ledger.skipped -= captured.skipped;
  }
  assertLedger(slot);
}

/** The ledger's counts at the moment a checkpoint's state and offsets are captured. */
export function captureLedger(slot: ModelSlot): Map<string, { consumed: number; skipped: bigint }> {
  return new Map([...slot.ledger].map(([key, { consumed, skipped }]) => [key, { consumed, skipped }]));
}
