import type { Table } from 'apache-arrow';
import { numericColumnIfClean } from '../../connectors/codecs/arrow';
import { isColumnRecord } from '../../connectors/kafka/column-record';
import type { DecodedRecord } from '../../connectors/types';
import type { Row } from '../features/stage';
import type { Examples } from '../importance/snapshot';

/**
 * The events of a micro-batch, tracked without an object per event: a record is one event, or, when its
 * value is an Arrow table (one message of many rows), `numRows` events. Events are numbered in order
 * across the records ("flat" indexes); `rows`, when present, selects some of them (the rows a step
 * learned, say). A journal entry, a step's good events and its input are all this shape.
 */
export interface BatchEvents {
  records: DecodedRecord<unknown>[];
  /** Flat indexes of the selected events, ascending; absent: every event of every record. */
  rows?: Int32Array;
}

/** Whether a record's value is an Arrow table (duck-typed: an ESM and a CJS copy of apache-arrow are different classes). */
export function isTable(value: unknown): value is Table {
  const candidate = value as Partial<Table> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.numRows === 'number' && typeof candidate.getChild === 'function';
}

/** A record's value when it is an Arrow table; a record read into columns is one event and is not asked for its value (that would parse it). */
export function tableOf(record: DecodedRecord<unknown>): Table | undefined {
  if (isColumnRecord(record)) return undefined;
  const value = record.value;
  return isTable(value) ? value : undefined;
}

/** Events a record holds: a table's rows, else one. */
export function eventsIn(record: DecodedRecord<unknown>): number {
  return tableOf(record)?.numRows ?? 1;
}

/** Whether every record is one event (no tables): the row form's batches, JSON or CSV. */
export function oneEventEach(records: readonly DecodedRecord<unknown>[]): boolean {
  for (let i = 0; i < records.length; i++) if (tableOf(records[i]) !== undefined) return false;
  return true;
}

/** Whether some records' values sit in columns (Arrow tables, or JSON the source read into columns): the fused pass then reads the columns. */
export function hasColumns(records: readonly DecodedRecord<unknown>[]): boolean {
  for (let i = 0; i < records.length; i++) if (isColumnRecord(records[i]) || tableOf(records[i]) !== undefined) return true;
  return false;
}

/** The number of events in `events`. */
export function eventCount(events: BatchEvents): number {
  if (events.rows !== undefined) return events.rows.length;
  let count = 0;
  for (let i = 0; i < events.records.length; i++) count += eventsIn(events.records[i]);
  return count;
}

/** The flat index each record's events start at, and the total after the last. */
function eventStarts(records: readonly DecodedRecord<unknown>[]): Int32Array {
  const starts = new Int32Array(records.length + 1);
  for (let i = 0; i < records.length; i++) starts[i + 1] = starts[i] + eventsIn(records[i]);
  return starts;
}

/** Each table's columns by row, kept while the table lives: numeric ones as views, others as Arrow reads each cell. */
const columnsOf = new WeakMap<Table, { names: string[]; values: ArrayLike<unknown>[] }>();

function tableColumns(table: Table): { names: string[]; values: ArrayLike<unknown>[] } {
  let columns = columnsOf.get(table);
  if (columns === undefined) {
    const names = table.schema.names as string[];
    // A bad cell (null, a string) stays as Arrow reads it, so that vetting dead-letters its row with the row form's reason.
    const values = names.map((name) => numericColumnIfClean(table, name) ?? Array.from(table.getChild(name) ?? []));
    columnsOf.set(table, (columns = { names, values }));
  }
  return columns;
}

/** Row `row` of a table as a plain object of all its columns: the row form of one Arrow row. */
export function tableRow(table: Table, row: number): Row {
  const { names, values } = tableColumns(table);
  const value: Row = {};
  for (let c = 0; c < names.length; c++) value[names[c]] = values[c][row];
  return value;
}

/**
 * A table row as a record of its own, at its message's position, with the message's raw bytes and its row
 * index: a dead letter of it carries the message as it arrived with the row named (`x-source-rows`).
 */
export function rowRecord(message: DecodedRecord<unknown>, row: number): DecodedRecord<Row> {
  const { topic, partition, offset, key, headers, timestamp, raw } = message;
  return { topic, partition, offset, key, headers, timestamp, value: tableRow(message.value as Table, row), raw, row };
}

/** The position of the record holding the event at a flat index, given the records' `eventStarts`. */
function recordAt(records: readonly DecodedRecord<unknown>[], starts: Int32Array, flat: number): number {
  let low = 0;
  let high = records.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= flat) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The event at a flat index, given the records' `eventStarts`. */
function eventAt(records: readonly DecodedRecord<unknown>[], starts: Int32Array, flat: number): DecodedRecord<unknown> {
  const at = recordAt(records, starts, flat);
  const record = records[at];
  return tableOf(record) === undefined ? record : rowRecord(record, flat - starts[at]);
}

/** `eventAt(…).value`, without a record made around a table's row (iPFI reads only the values). */
function valueAt(records: readonly DecodedRecord<unknown>[], starts: Int32Array, flat: number): unknown {
  const at = recordAt(records, starts, flat);
  const table = tableOf(records[at]);
  return table === undefined ? records[at].value : tableRow(table, flat - starts[at]);
}

/**
 * One record per event, rows of tables made into records of their own (`rowRecord`): for what is per
 * event anyway (prediction messages, dead letters, the row form). The records themselves when each is one event.
 */
export function eventRecords(events: BatchEvents): DecodedRecord<unknown>[] {
  const { records, rows } = events;
  if (oneEventEach(records)) {
    // Record i is event i: no flat index to search for (the search was 1.6% of `npm start`'s trainer thread).
    if (rows === undefined || rows.length === records.length) return records;
    const selected = new Array<DecodedRecord<unknown>>(rows.length);
    for (let i = 0; i < rows.length; i++) selected[i] = records[rows[i]];
    return selected;
  }
  const starts = eventStarts(records);
  const count = rows === undefined ? starts[records.length] : rows.length;
  return Array.from({ length: count }, (_, i) => eventAt(records, starts, rows === undefined ? i : rows[i]));
}

/** The events' values (row objects), each made when asked for (`Examples`): feature importance samples a few of them. */
export function eventRows(events: BatchEvents): Examples<Row> {
  const { records, rows } = events;
  // Records read into columns make their row objects only when one is read.
  if (rows === undefined && !hasColumns(records)) return records.map((record) => record.value as Row);
  const starts = eventStarts(records);
  const length = rows === undefined ? starts[records.length] : rows.length;
  return {
    length,
    at: (i) => (i >= 0 && i < length ? (valueAt(records, starts, rows === undefined ? i : rows[i]) as Row) : undefined),
  };
}
