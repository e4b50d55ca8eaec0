import type { Table } from 'apache-arrow';
import { numericColumn } from '../../connectors/codecs/arrow';
import type { JsonValue } from '../../connectors/codecs/json';
import { FEATURE_COLUMNS, type IoData } from './records';

/** What a consumer read: proof that every decoded value was touched, checked against the data produced. */
export interface Tally {
  rows: number;
  positives: number;
  featureSum: number;
}

export const emptyTally = (): Tally => ({ rows: 0, positives: 0, featureSum: 0 });

interface JsonRecord {
  x: number[];
  label: number;
}

/** Adds up one batch of decoded JSON records; returns how many there were. */
export function tallyJson(tally: Tally, values: JsonValue[]): number {
  for (const value of values) {
    const { x, label } = value as unknown as JsonRecord;
    for (let j = 0; j < x.length; j++) tally.featureSum += x[j];
    tally.positives += label;
  }
  tally.rows += values.length;
  return values.length;
}

/** Adds up the columns of decoded Arrow tables as typed-array views, no row objects; returns the rows. */
export function tallyArrow(tally: Tally, tables: Table[]): number {
  let rows = 0;
  for (const table of tables) {
    for (const name of FEATURE_COLUMNS) {
      const values = numericColumn(table, name);
      for (let i = 0; i < values.length; i++) tally.featureSum += values[i];
    }
    const labels = numericColumn(table, 'label');
    for (let i = 0; i < labels.length; i++) tally.positives += labels[i];
    rows += table.numRows;
  }
  tally.rows += rows;
  return rows;
}

/**
 * Throws unless one full read of the topic added up to what was produced. The feature sums are taken in
 * another order, so they may differ by rounding (about 1e-6 for 8M values); a value missed would move them by
 * about 0.8.
 */
export function checkTally(tally: Tally, data: IoData, what: string): void {
  const sumOk = Math.abs(tally.featureSum - data.featureSum) <= 1e-3;
  if (tally.rows !== data.records || tally.positives !== data.positives || !sumOk) {
    throw new Error(
      `${what} read ${tally.rows} rows, ${tally.positives} positives, feature sum ${tally.featureSum}; produced ${data.records}, ${data.positives}, ${data.featureSum}`,
    );
  }
}
