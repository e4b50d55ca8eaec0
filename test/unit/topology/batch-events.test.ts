import { tableFromArrays } from 'apache-arrow';
import type { DecodedRecord } from '../../../connectors/types';
import { eventRecords } from '../../../src/topology/batch-events';

function record(offset: number, value: unknown): DecodedRecord<unknown> {
  return { topic: 't', partition: 0, offset: String(offset), key: null, headers: {}, timestamp: 0, value, raw: { key: null, value: null, headers: {} } };
}

describe('eventRecords', () => {
  const records = [10, 11, 12, 13, 14].map((offset) => record(offset, { x: offset }));

  it('gives the selected records when each record is one event, in order', () => {
    expect(eventRecords({ records, rows: Int32Array.of(0, 2, 4) }).map((r) => r.offset)).toEqual(['10', '12', '14']);
    expect(eventRecords({ records, rows: Int32Array.of(3) })).toEqual([records[3]]);
    expect(eventRecords({ records, rows: new Int32Array(0) })).toEqual([]);
  });

  it('gives every record when all are selected, or no selection is made', () => {
    expect(eventRecords({ records, rows: Int32Array.of(0, 1, 2, 3, 4) })).toEqual(records);
    expect(eventRecords({ records })).toEqual(records);
  });

  it('makes a record per selected row of a table, at its message', () => {
    const table = tableFromArrays({ x: Float64Array.of(1, 2, 3) });
    const mixed = [records[0], record(20, table), records[1]];
    const events = eventRecords({ records: mixed, rows: Int32Array.of(0, 2, 4) });
    expect(events.map((r) => [r.offset, r.value])).toEqual([
      ['10', { x: 10 }],
      ['20', { x: 2 }],
      ['11', { x: 11 }],
    ]);
  });
});
