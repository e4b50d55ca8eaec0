import type { Table } from 'apache-arrow';
import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { numericColumn } from '../../connectors/codecs/arrow';
import type { DecodedRecord, MicroBatch } from '../../connectors/types';
import type { Row } from '../../src/features/stage';

/** One record per table row, a plain object built from the columns, at the table's own position. */
function rowsOf(record: DecodedRecord<Row>): DecodedRecord<Row>[] {
  const table = record.value as unknown as Table;
  const names = table.schema.names as string[];
  const columns = names.map((name) => numericColumn(table, name));
  const rows: DecodedRecord<Row>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const value: Row = {};
    for (let c = 0; c < names.length; c++) value[names[c]] = columns[c][i];
    const { topic, partition, offset, key, headers, timestamp } = record;
    rows.push({ topic, partition, offset, key, headers, timestamp, value });
  }
  return rows;
}

/**
 * Lets Arrow input through runTopology, whose feature stages read row objects: each micro-batch's tables
 * (decoded by the Arrow codec) become one row object per table row. This is the conversion that gives up
 * Arrow's advantage; it is measured as such.
 */
export function arrowRows(): MonoTypeOperatorFunction<MicroBatch<Row>> {
  return map((batch) => ({ ...batch, records: batch.records.flatMap(rowsOf) }));
}
