import type { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { numericStorage } from '../../../connectors/codecs/arrow';
import type { NumericColumns } from '../../../connectors/codecs/json-columns';
import { isColumnRecord } from '../../../connectors/kafka/column-record';
import type { DecodedRecord } from '../../../connectors/types';
import type { ColumnSource } from '../../features/column-form';
import type { FeatureBatch } from '../../features/feature-batch';
import type { ColumnPass, Pipeline } from '../../features/pipeline';
import { isSparse, type FeatureVector } from '../../learners/estimator';
import type { LabelIndexed } from '../../learners/label-indexer';
import { eventsIn, rowRecord, tableOf, type BatchEvents } from '../batch-events';
import type { ModelSlot } from '../model-slot';
import { isClassifier } from '../restore';
import type { Failure } from './dead-letters';
import { vetInto } from './vet';

/** What the columnar vetting of a batch keeps: the events learned (flat indexes, see batch-events.ts) and their labels. */
export interface VettedColumns {
  rejected: Failure[];
  good: BatchEvents;
  ys: Float64Array;
}

/**
 * A table's numeric columns as the column forms read them, and which rows hold a null cell in a column
 * that was read (those rows take the row form, which names the null).
 */
function tableColumns(table: Table): { source: ColumnSource; nullRows(): Uint8Array | undefined } {
  const nullable: Vector[] = [];
  const source: ColumnSource = {
    length: table.numRows,
    numeric(name) {
      const column = numericStorage(table, name);
      if (column?.nulls) nullable.push(column.nulls);
      return column?.values;
    },
    vector: () => undefined,
  };
  const nullRows = () => {
    if (nullable.length === 0) return undefined;
    const rows = new Uint8Array(table.numRows);
    for (const column of nullable) for (let row = 0; row < rows.length; row++) if (!column.isValid(row)) rows[row] = 1;
    return rows;
  };
  return { source, nullRows };
}

/** The batch's kept rows and labels are written here, reused across batches; what is returned is a copy of the used part. */
let scratch = { kept: new Int32Array(1024), ys: new Float64Array(1024) };

function scratchFor(capacity: number): typeof scratch {
  if (scratch.kept.length < capacity) {
    const length = Math.max(capacity, 2 * scratch.kept.length);
    scratch = { kept: new Int32Array(length), ys: new Float64Array(length) };
  }
  return scratch;
}

/** JSON messages the source read into columns, as the column forms read them: numbers (NaN where not a number) and strings as ids. */
function jsonColumns({ names, columns, texts, fast }: NumericColumns): ColumnSource {
  return {
    length: fast.length,
    numeric(name) {
      const column = names.indexOf(name);
      return column < 0 ? undefined : columns[column];
    },
    vector: () => undefined,
    categories(name) {
      const column = names.indexOf(name);
      const text = texts[column];
      return column < 0 ? undefined : { ids: text?.ids, strings: text?.strings ?? [], numbers: columns[column] };
    },
  };
}

/** Whether a model maps raw labels to class indexes: those labels are vetted in the row form. */
const indexesLabels = (model: ModelSlot['model']) => typeof (model as Partial<LabelIndexed<unknown>>).indexLabel === 'function';

/** A run of rows bound to the stages' column forms: no `pass` or no label column means the row form for all of them. */
interface Bound {
  pass?: ColumnPass;
  y?: ArrayLike<number>;
  nulls?: Uint8Array;
}

function bindTable(table: Table, label: string, slot: ModelSlot, pipeline: Pipeline): Bound {
  const columns = indexesLabels(slot.model) ? undefined : tableColumns(table);
  const pass = columns && pipeline.bindColumns(columns.source);
  const y = pass && columns ? columns.source.numeric(label) : undefined;
  return { pass, y, nulls: y && columns ? columns.nullRows() : undefined };
}

function bindJson(columns: NumericColumns, label: string, slot: ModelSlot, pipeline: Pipeline): Bound {
  if (indexesLabels(slot.model)) return {};
  const source = jsonColumns(columns);
  const pass = pipeline.bindColumns(source);
  return { pass, y: pass && source.numeric(label) };
}

/**
 * The fused pass over a batch whose records may be Arrow tables or JSON messages the source read into
 * columns (`ColumnRecord`), without a row object per row: each table's (or chunk's) label and feature
 * columns are read as typed arrays, and each row, in order, has its label
 * checked, goes through the stages' column forms (`Pipeline.bindColumns`), has its features checked for
 * finiteness, then teaches the stages and is appended to `batch`. Anything unusual about a row (a bad
 * label, a null or non-finite cell, a row a stage drops or refuses) sends that row alone through the row
 * form (`vetInto`, on the row as an object), whose rules and messages thus hold for Arrow unchanged; a
 * table whose columns do not suit the column forms (a string or nullable column, a stage without a column
 * form) goes through the row form whole. Records that are not tables are vetted as they are.
 */
export function vetColumns(events: BatchEvents, label: string, slot: ModelSlot, pipeline: Pipeline, batch: FeatureBatch): VettedColumns {
  const { records, rows } = events;
  const rejected: Failure[] = [];
  const capacity = rows?.length ?? records.reduce((sum, record) => sum + eventsIn(record), 0);
  const { kept, ys } = scratchFor(capacity);
  let count = 0;
  let next = 0;
  let start = 0;
  const rowForm = (record: DecodedRecord<unknown>, flat: number) => {
    const verdict = vetInto(record, label, slot, pipeline, batch);
    if ('error' in verdict) rejected.push({ record, error: verdict.error });
    else {
      kept[count] = flat;
      ys[count++] = verdict.y;
    }
  };
  const classes = isClassifier(slot.model) ? slot.model.numClasses : 0;
  const guard = slot.labelGuard;
  const unnamed = () => '';
  // A chunk of JSON messages read into columns is bound once, for all its records.
  let jsonBoundTo: NumericColumns | undefined;
  let jsonBound: Bound = {};
  for (const record of records) {
    const size = eventsIn(record);
    const end = start + size;
    // The selected rows of this record, as indexes into it.
    const from = next;
    if (rows !== undefined) while (next < rows.length && rows[next] < end) next++;
    const selected = rows === undefined ? size : next - from;
    const table = tableOf(record);
    const json = isColumnRecord(record) ? record : undefined;
    if (json !== undefined && json.columns !== jsonBoundTo) {
      jsonBoundTo = json.columns;
      jsonBound = bindJson(json.columns, label, slot, pipeline);
    }
    const { pass, y, nulls } = table ? bindTable(table, label, slot, pipeline) : json ? jsonBound : {};
    if (table && rows === undefined && pass && y && nulls === undefined && learnWhole(pass, y, size, classes, guard, batch)) {
      for (let row = 0; row < size; row++) {
        kept[count] = start + row;
        ys[count++] = y[row];
      }
      start = end;
      continue;
    }
    for (let k = 0; k < selected; k++) {
      if (table === undefined && json === undefined) {
        rowForm(record, start);
        continue;
      }
      // The row in the bound columns, and the event's flat index. Not a closure made per record: when V8 did not
      // inline it, each was allocated (with its context), ~80 B an event in a third of ctr's passes (heap sampling).
      const row = json ? json.columnRow : rows === undefined ? k : rows[from + k] - start;
      const flat = json ? start : start + row;
      if (pass === undefined || y === undefined) {
        rowForm(table ? rowRecord(record, row) : record, flat);
        continue;
      }
      const value = y[row];
      // The common case, checked without allocating: anything else is the row form's to judge and name.
      const labelOk =
        (nulls === undefined || nulls[row] === 0) &&
        Number.isFinite(value) &&
        (classes === 0 || (Number.isInteger(value) && value >= 0 && value < classes)) &&
        guard.check(value, unnamed) === null;
      const features = labelOk ? pass.transform(row) : null;
      if (features === null || !allFinite(features)) {
        rowForm(table ? rowRecord(record, row) : record, flat);
        continue;
      }
      pass.learn(row);
      batch.add(features);
      guard.accept(value);
      kept[count] = flat;
      ys[count++] = value;
    }
    start = end;
  }
  return { rejected, good: { records, rows: kept.slice(0, count) }, ys: ys.slice(0, count) };
}

/**
 * A whole table in the stages' batch form, when every row passes: labels checked, features made column by
 * column, checked finite, then the guard and the stages learn them all and they join `batch`. The same
 * state and features as row by row (a row's checks depend on the rows before it only through what those
 * rows taught, and here every row teaches). False, with nothing learned or added, when some row does not
 * pass: the caller then goes row by row, which names it. Measured on the Arrow step: see docs/performance.md "Stop 22".
 */
function learnWhole(pass: ColumnPass, y: ArrayLike<number>, n: number, classes: number, guard: ModelSlot['labelGuard'], batch: FeatureBatch): boolean {
  if (n === 0) return true;
  for (let row = 0; row < n; row++) {
    const value = y[row];
    if (!Number.isFinite(value) || (classes !== 0 && !(Number.isInteger(value) && value >= 0 && value < classes))) return false;
  }
  const features = pass.transformRun();
  if (features === null || !allFinite(features) || !guard.acceptAll(y, n)) return false;
  pass.commitRun();
  batch.addDense(features, n, features.length / n);
  return true;
}

function allFinite(features: FeatureVector): boolean {
  const values = isSparse(features) ? features.values : features;
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) return false;
  return true;
}
