import {
  Bool,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int8,
  List,
  Uint16,
  Uint32,
  Uint8,
  Utf8,
  Table,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { CheckpointError } from '../errors';
import type { TypedArray } from '../state';
import { densify, sparseEntries, type SparseEntries } from './sparse';

/** The element types a checkpoint array may have: one table for the Arrow payload and the mix topic's raw arrays. */
export const ARRAY_TYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

export type DtypeName = keyof typeof ARRAY_TYPES;

const DTYPES: Record<DtypeName, { arrow: () => DataType; array: new (length: number) => TypedArray }> = {
  float64: { arrow: () => new Float64(), array: ARRAY_TYPES.float64 },
  float32: { arrow: () => new Float32(), array: ARRAY_TYPES.float32 },
  int32: { arrow: () => new Int32(), array: ARRAY_TYPES.int32 },
  uint32: { arrow: () => new Uint32(), array: ARRAY_TYPES.uint32 },
  int16: { arrow: () => new Int16(), array: ARRAY_TYPES.int16 },
  uint16: { arrow: () => new Uint16(), array: ARRAY_TYPES.uint16 },
  int8: { arrow: () => new Int8(), array: ARRAY_TYPES.int8 },
  uint8: { arrow: () => new Uint8(), array: ARRAY_TYPES.uint8 },
};

/** What a reader in another language needs to use one array without our source: its shape and role. */
export interface ArrayLayout {
  /** Row-major; the product is the array's length. */
  shape: number[];
  /** A short name of what the array holds, e.g. `weights`, `intercept`, `scaler.mean` (docs/checkpoint-format.md). */
  role: string;
}

/** The arrays of a payload: the model state, the readers' materialized values, and the layout of both. */
export interface PayloadArrays {
  /** The state itself: what restore reads. */
  arrays: Record<string, TypedArray>;
  /** Values computed from the state for readers (e.g. effective weights); never read back by restore. */
  derived: Record<string, TypedArray>;
  layout: Record<string, ArrayLayout>;
}

export function dtypeOf(array: TypedArray): DtypeName {
  for (const name of Object.keys(ARRAY_TYPES) as DtypeName[]) if (array instanceof ARRAY_TYPES[name]) return name;
  throw new CheckpointError(`${Object.prototype.toString.call(array)} is not a typed array of a checkpoint`);
}

/** One list column: row i holds `lists[i]` (or nothing) in a single child buffer, as Arrow lays lists out. */
function listColumn<T extends TypedArray>(itemType: DataType, make: new (length: number) => T, lists: Array<ArrayLike<number> | null>): Vector {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((list, i) => (offsets[i + 1] = offsets[i] + (list?.length ?? 0)));
  const values = new make(offsets[lists.length]);
  lists.forEach((list, i) => list && (values as Float64Array).set(list as Float64Array, offsets[i]));
  const child = makeData({ type: itemType, length: values.length, data: values } as Parameters<typeof makeData>[0]);
  return makeVector(makeData({ type: new List(new Field('item', itemType, false)), length: lists.length, nullCount: 0, valueOffsets: offsets, child }));
}

interface Described {
  names: string[];
  dtypes: DtypeName[];
  shapes: number[][];
  roles: string[];
  derived: boolean[];
  encodings: string[];
}

/** The last payload's describing columns: a model publishes the same names, shapes and roles version after version. */
let lastDescribed: { key: string; columns: Record<string, Vector> } | undefined;

/**
 * The columns that describe the arrays (not their values), reused while they do not change: building them
 * was a fifth of encoding a regression-sgd version (bench/scale/round-profile.ts). Arrow vectors are immutable.
 */
function describingColumns(described: Described): Record<string, Vector> {
  const key = JSON.stringify(described);
  if (lastDescribed?.key === key) return lastDescribed.columns;
  const columns = {
    name: vectorFromArray(described.names, new Utf8()),
    dtype: vectorFromArray(described.dtypes, new Utf8()),
    shape: listColumn(new Int32(), Int32Array, described.shapes),
    role: vectorFromArray(described.roles, new Utf8()),
    derived: vectorFromArray(described.derived, new Bool()),
    encoding: vectorFromArray(described.encodings, new Utf8()),
  };
  lastDescribed = { key, columns };
  return columns;
}

/**
 * Named typed arrays as one Arrow IPC stream: a row per array with `name`, `dtype`, `shape`, `role`,
 * `derived`, `encoding`, `indices`, and its values in the list column named after the dtype (the other
 * list columns hold an empty list). Keeping each dtype in its own column keeps values exact and lets
 * pyarrow or Arrow Java read them without our code: `row[row['dtype']]` is the array, `row['shape']` its
 * shape. A mostly-zero array is stored `sparse` (sparse.ts): its values column holds only the non-zero
 * entries and `indices` their positions; a `dense` row has an empty `indices`.
 */
export function arraysToArrow(
  arrays: Record<string, TypedArray>,
  layout: Record<string, ArrayLayout> = {},
  derived: Record<string, TypedArray> = {},
): Uint8Array {
  const clash = Object.keys(derived).find((name) => name in arrays);
  if (clash !== undefined) throw new CheckpointError(`checkpoint payload: derived array "${clash}" has the name of a state array`);
  const all = { ...arrays, ...derived };
  const names = Object.keys(all).sort();
  const dtypes = names.map((name) => dtypeOf(all[name]));
  const shapes = names.map((name) => layout[name]?.shape ?? [all[name].length]);
  names.forEach((name, i) => {
    if (shapes[i].reduce((a, b) => a * b, 1) !== all[name].length) {
      throw new CheckpointError(`checkpoint payload: array "${name}" has ${all[name].length} values, its shape [${shapes[i].join(', ')}] says otherwise`);
    }
  });
  const sparse = names.map((name) => sparseEntries(all[name]));
  const described = {
    names,
    dtypes,
    shapes,
    roles: names.map((name) => layout[name]?.role ?? name.slice(name.lastIndexOf('/') + 1)),
    derived: names.map((name) => name in derived),
    encodings: sparse.map((entries) => (entries ? 'sparse' : 'dense')),
  };
  const columns: Record<string, Vector> = {
    ...describingColumns(described),
    indices: listColumn(
      new Uint32(),
      Uint32Array,
      sparse.map((entries) => entries?.indices ?? null),
    ),
  };
  for (const dtype of Object.keys(DTYPES) as DtypeName[]) {
    columns[dtype] = listColumn(
      DTYPES[dtype].arrow(),
      DTYPES[dtype].array,
      names.map((name, i) => (dtypes[i] === dtype ? (sparse[i]?.values ?? all[name]) : null)),
    );
  }
  return tableToIPC(new Table(columns), 'stream');
}

/** Every array of a payload: v3 (sparse rows), v2 (with layout) or v1 (flat arrays only: shape [length], role = last name part). */
export function readPayload(bytes: Uint8Array): PayloadArrays {
  const table = tableFromIPC(bytes);
  const names = table.getChild('name');
  const dtypes = table.getChild('dtype');
  if (!names || !dtypes) throw new CheckpointError('checkpoint payload has no "name"/"dtype" columns');
  const shapes = table.getChild('shape');
  const roles = table.getChild('role');
  const flags = table.getChild('derived');
  const encodings = table.getChild('encoding');
  const indices = table.getChild('indices');
  const payload: PayloadArrays = { arrays: {}, derived: {}, layout: {} };
  for (let row = 0; row < table.numRows; row++) {
    const name = String(names.get(row));
    const dtype = String(dtypes.get(row)) as DtypeName;
    const spec = DTYPES[dtype];
    const column = table.getChild(dtype);
    if (!spec || !column) throw new CheckpointError(`checkpoint payload: array "${name}" has unknown dtype "${dtype}"`);
    const values = listValues(column, row, spec.array);
    const shapeList = shapes?.get(row) as { toArray(): Int32Array } | null | undefined;
    const shape = shapeList ? Array.from(shapeList.toArray()) : [values.length];
    const encoding = encodings ? String(encodings.get(row)) : 'dense';
    if (encoding !== 'dense' && encoding !== 'sparse') throw new CheckpointError(`checkpoint payload: array "${name}" has unknown encoding "${encoding}"`);
    const copy =
      encoding === 'sparse'
        ? densify(
            name,
            shape.reduce((a, b) => a * b, 1),
            { indices: listValues(indices, row, Uint32Array) as Uint32Array, values } as SparseEntries,
          )
        : values;
    payload.layout[name] = { shape, role: roles ? String(roles.get(row)) : name.slice(name.lastIndexOf('/') + 1) };
    if (flags?.get(row) === true) payload.derived[name] = copy;
    else payload.arrays[name] = copy;
  }
  return payload;
}

/** A copy of row `row` of a list column, as a typed array of its own (empty for a missing column or row). */
function listValues(column: Vector | null | undefined, row: number, make: new (length: number) => TypedArray): TypedArray {
  const list = column?.get(row) as { toArray(): TypedArray } | null | undefined;
  const values = list ? list.toArray() : undefined;
  const copy = new make(values ? values.length : 0);
  if (values) (copy as Float64Array).set(values as Float64Array);
  return copy;
}

/** The state arrays of a payload, without the readers' derived arrays. */
export function arraysFromArrow(bytes: Uint8Array): Record<string, TypedArray> {
  return readPayload(bytes).arrays;
}
