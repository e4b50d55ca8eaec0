import { Field, Float32, Float64, Int16, Int32, Int8, List, Uint16, Uint32, Uint8, Utf8, Table, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow';
import { CheckpointError } from '../errors';
import type { TypedArray } from '../state';

type DtypeName = 'float64' | 'float32' | 'int32' | 'uint32' | 'int16' | 'uint16' | 'int8' | 'uint8';

const DTYPES: Record<DtypeName, { arrow: () => DataType; array: new (length: number) => TypedArray }> = {
  float64: { arrow: () => new Float64(), array: Float64Array },
  float32: { arrow: () => new Float32(), array: Float32Array },
  int32: { arrow: () => new Int32(), array: Int32Array },
  uint32: { arrow: () => new Uint32(), array: Uint32Array },
  int16: { arrow: () => new Int16(), array: Int16Array },
  uint16: { arrow: () => new Uint16(), array: Uint16Array },
  int8: { arrow: () => new Int8(), array: Int8Array },
  uint8: { arrow: () => new Uint8(), array: Uint8Array },
};

function dtypeOf(array: TypedArray): DtypeName {
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint32Array) return 'uint32';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Uint16Array) return 'uint16';
  if (array instanceof Int8Array) return 'int8';
  return 'uint8';
}

/**
 * Named typed arrays as one Arrow IPC stream: a row per array with `name`, `dtype` and its values in the
 * list column named after the dtype (the other list columns hold an empty list). Keeping each dtype in its
 * own column keeps values exact and lets pyarrow or Arrow Java read them without our code:
 * `row[row['dtype']]` is the array.
 */
export function arraysToArrow(arrays: Record<string, TypedArray>): Uint8Array {
  const names = Object.keys(arrays).sort();
  const dtypes = names.map((name) => dtypeOf(arrays[name]));
  const columns: Record<string, ReturnType<typeof makeVector>> = {
    name: vectorFromArray(names, new Utf8()),
    dtype: vectorFromArray(dtypes, new Utf8()),
  };
  for (const dtype of Object.keys(DTYPES) as DtypeName[]) {
    const offsets = new Int32Array(names.length + 1);
    let total = 0;
    names.forEach((name, i) => {
      if (dtypes[i] === dtype) total += arrays[name].length;
      offsets[i + 1] = total;
    });
    const values = new DTYPES[dtype].array(total);
    names.forEach((name, i) => {
      if (dtypes[i] === dtype) (values as Float64Array).set(arrays[name] as Float64Array, offsets[i]);
    });
    const itemType = DTYPES[dtype].arrow();
    const child = makeData({ type: itemType, length: total, data: values } as Parameters<typeof makeData>[0]);
    const list = makeData({ type: new List(new Field('item', itemType, false)), length: names.length, nullCount: 0, valueOffsets: offsets, child });
    columns[dtype] = makeVector(list);
  }
  return tableToIPC(new Table(columns), 'stream');
}

export function arraysFromArrow(bytes: Uint8Array): Record<string, TypedArray> {
  const table = tableFromIPC(bytes);
  const names = table.getChild('name');
  const dtypes = table.getChild('dtype');
  if (!names || !dtypes) throw new CheckpointError('checkpoint payload has no "name"/"dtype" columns');
  const arrays: Record<string, TypedArray> = {};
  for (let row = 0; row < table.numRows; row++) {
    const name = String(names.get(row));
    const dtype = String(dtypes.get(row)) as DtypeName;
    const spec = DTYPES[dtype];
    const column = table.getChild(dtype);
    if (!spec || !column) throw new CheckpointError(`checkpoint payload: array "${name}" has unknown dtype "${dtype}"`);
    const values = column.get(row) as { toArray(): TypedArray } | null;
    const copy = new spec.array(values ? values.toArray().length : 0);
    if (values) (copy as Float64Array).set(values.toArray() as Float64Array);
    arrays[name] = copy;
  }
  return arrays;
}
