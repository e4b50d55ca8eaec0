import { ColumnRecord, isColumnRecord, type MessageChunk } from '../../connectors/kafka/column-record';
import type { DecodedRecord } from '../../connectors/types';
import type { BatchEvents } from './batch-events';
import type { JournalEntry } from './model-slot';

/** Records `[first, first + count)` of one fetched chunk, all read into its columns: kept without an object each. */
interface ChunkRows {
  chunk: MessageChunk;
  first: number;
  count: number;
}

/** The records as one chunk's consecutive rows, when that is what they are (a JSON batch read into columns); else undefined. */
export function chunkRowsOf(records: readonly DecodedRecord<unknown>[]): ChunkRows | undefined {
  const head = records[0];
  if (head === undefined || !isColumnRecord(head)) return undefined;
  const { chunk, columnRow: first } = head;
  for (let i = 1; i < records.length; i++) {
    const record = records[i];
    if (!isColumnRecord(record) || record.chunk !== chunk || record.columnRow !== first + i) return undefined;
  }
  return { chunk, first, count: records.length };
}

function recordsOf({ chunk, first, count }: ChunkRows): DecodedRecord<unknown>[] {
  const records = new Array<DecodedRecord<unknown>>(count);
  for (let i = 0; i < count; i++) records[i] = new ColumnRecord(chunk, first + i);
  return records;
}

/**
 * A journal entry that keeps a batch read into columns as its chunk's row range, and makes its records
 * again only when they are read (a rollback's replay, rare). The journal keeps a batch until the checkpoint
 * that covers it (up to a second); a `ColumnRecord` and its array slot were 48 B of heap per event kept that
 * long, survived two scavenges and were promoted (48 of the 53 B per event a decoded ctr chunk retains,
 * measured with `--expose-gc` around `decodeMessages`). Other batches keep their records as they are.
 */
class PackedJournalEntry implements JournalEntry {
  rows?: Int32Array;
  private kept: DecodedRecord<unknown>[] | ChunkRows;

  constructor(
    events: BatchEvents,
    readonly where: string,
  ) {
    this.kept = chunkRowsOf(events.records) ?? events.records;
    this.rows = events.rows;
  }

  get records(): DecodedRecord<unknown>[] {
    return Array.isArray(this.kept) ? this.kept : recordsOf(this.kept);
  }

  set records(records: DecodedRecord<unknown>[]) {
    this.kept = chunkRowsOf(records) ?? records;
  }
}

/** The journal entry of a learned batch's good events (`where`: `topic/partition@first..last`, for errors). */
export function journalEntry(events: BatchEvents, where: string): JournalEntry {
  return new PackedJournalEntry(events, where);
}
