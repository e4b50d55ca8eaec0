import type { Table } from 'apache-arrow';
import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { numericColumn } from '../../connectors/codecs/arrow';
import type { DecodedRecord, MicroBatch } from '../../connectors/types';
import type { Row } from '../features/stage';

/**
 * A column's values by row: a typed array for numeric columns without nulls; otherwise each cell as Arrow
 * reads it (null for a null cell), so that a bad cell reaches vetting, which dead-letters its row, instead
 * of failing the whole stream here.
 */
function columnValues(table: Table, name: string): ArrayLike<unknown> {
  try {
    return numericColumn(table, name);
  } catch {
    return Array.from(table.getChild(name) ?? []);
  }
}

/**
 * One record per table row, a plain object built from the columns, at the table's own position. Each row
 * keeps the message's raw bytes and its index, so that a bad row dead-letters the message as it arrived
 * with the row named (`x-source-rows`).
 */
function rowsOf(record: DecodedRecord<Row>): DecodedRecord<Row>[] {
  const table = record.value as unknown as Table;
  const names = table.schema.names as string[];
  const columns = names.map((name) => columnValues(table, name));
  const rows: DecodedRecord<Row>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const value: Row = {};
    for (let c = 0; c < names.length; c++) value[names[c]] = columns[c][i];
    const { topic, partition, offset, key, headers, timestamp, raw } = record;
    rows.push({ topic, partition, offset, key, headers, timestamp, value, raw, row: i });
  }
  return rows;
}

/**
 * Lets Arrow input through runTopology, whose feature stages read row objects: each micro-batch's tables
 * (decoded by the Arrow codec) become one row object per table row. This is the conversion that gives up
 * Arrow's advantage (bench/suites/e2e.ts measures it), until the runtime learns from columns.
 */
export function arrowRows(): MonoTypeOperatorFunction<MicroBatch<Row>> {
  return map((batch) => ({ ...batch, records: batch.records.flatMap(rowsOf) }));
}
