import { CheckpointError } from '../errors';
import { MergeError } from '../learners/merge';
import type { ModelState, TypedArray } from '../state';
import { decodeIds, encodeIds } from './id-table';

/**
 * How a per-row column of an id table merges across workers (docs/scale-out.md):
 * - `average`: learned parameters (biases, factors, their AdaGrad Σg²): the example-weighted average over
 *   the workers that hold the id, as for linear weights; an id only one worker holds keeps its row.
 * - `count`: counts of events: the base's count plus what each holder added since, exact.
 * - `heaviest`: data, not parameters (an item's last seen features): the row of the holder that learned
 *   most; an average of hashed feature indices would mean nothing.
 */
export type ColumnRule = 'average' | 'count' | 'heaviest';

const META = new Set(['ids', 'idOffsets', 'referenced', 'clock']);

interface Table {
  rows: Map<string, number>;
  columns: Map<string, { array: TypedArray; width: number }>;
  referenced: Uint8Array;
}

/**
 * Merges the id tables under `prefix` of every state into `out`: the union of the ids, each shared id's
 * row merged by its column's rule, at most `capacity` ids (past it, the ids more workers hold, then those
 * of heavier workers, are kept). Row order is the order of first appearance in `states`, so the result is
 * a function of the states in their order. `weights` are already normalised.
 */
export function mergeIdTables(
  prefix: string,
  states: readonly ModelState[],
  weights: readonly number[],
  base: ModelState | undefined,
  capacity: number,
  ruleOf: (column: string) => ColumnRule,
  out: Record<string, TypedArray>,
): void {
  const tables = states.map((state, i) => readTable(prefix, state, `state ${i}`));
  const baseTable = base && base.arrays[`${prefix}ids`] !== undefined ? readTable(prefix, base, 'the base') : undefined;
  const ids = keptIds(tables, weights, capacity);
  const { bytes, offsets } = encodeIds(ids);
  out[`${prefix}ids`] = bytes;
  out[`${prefix}idOffsets`] = offsets;
  const referenced = new Uint8Array(ids.length);
  ids.forEach((id, r) => tables.forEach((t) => (referenced[r] |= t.referenced[t.rows.get(id) ?? -1] ?? 0)));
  out[`${prefix}referenced`] = referenced;
  out[`${prefix}clock`] = Int32Array.of(0);
  for (const [name, { array }] of tables[0].columns) {
    const width = widthOf(name, tables);
    const merged = new (array.constructor as new (length: number) => TypedArray)(ids.length * width);
    const rule = ruleOf(name);
    ids.forEach((id, r) => mergeRow(rule, name, width, id, tables, weights, baseTable, merged, r));
    out[`${prefix}${name}`] = merged;
  }
}

function mergeRow(
  rule: ColumnRule,
  name: string,
  width: number,
  id: string,
  tables: readonly Table[],
  weights: readonly number[],
  base: Table | undefined,
  target: TypedArray,
  r: number,
): void {
  const holders = tables.flatMap((t, i) => (t.rows.has(id) ? [{ values: column(t, name), row: t.rows.get(id)!, weight: weights[i] }] : []));
  const at = r * width;
  if (rule === 'heaviest') {
    const top = holders.reduce((best, h) => (h.weight > best.weight ? h : best));
    target.set(top.values.subarray(top.row * width, (top.row + 1) * width), at);
    return;
  }
  if (rule === 'count') {
    const baseRow = base?.rows.get(id);
    for (let f = 0; f < width; f++) {
      const start = baseRow === undefined ? 0 : column(base!, name)[baseRow * width + f];
      target[at + f] = holders.reduce((sum, h) => sum + h.values[h.row * width + f] - start, start);
    }
    return;
  }
  const total = holders.reduce((sum, h) => sum + h.weight, 0);
  for (let f = 0; f < width; f++) {
    let sum = 0;
    for (const h of holders) sum += (total > 0 ? h.weight / total : 1 / holders.length) * h.values[h.row * width + f];
    target[at + f] = sum;
  }
}

/** The column's values per id, the same in every table that holds an id (an empty table says nothing). */
function widthOf(name: string, tables: readonly Table[]): number {
  const widths = new Set(tables.filter((t) => t.rows.size > 0).map((t) => t.columns.get(name)?.width));
  if (widths.size > 1) throw new MergeError(`merge: id table column '${name}' has ${[...widths].join(' and ')} values per id in different states`);
  return widths.values().next().value ?? 0;
}

function column(table: Table, name: string): TypedArray {
  const entry = table.columns.get(name);
  if (entry === undefined) throw new MergeError(`merge: id table has no column '${name}'`);
  return entry.array;
}

/** The union of the ids in order of first appearance, cut to `capacity` by how many workers hold each, then their weight. */
function keptIds(tables: readonly Table[], weights: readonly number[], capacity: number): string[] {
  const union = new Map<string, { order: number; holders: number; weight: number }>();
  tables.forEach((t, i) => {
    for (const id of t.rows.keys()) {
      const entry = union.get(id) ?? { order: union.size, holders: 0, weight: 0 };
      entry.holders += 1;
      entry.weight += weights[i];
      union.set(id, entry);
    }
  });
  if (union.size <= capacity) return [...union.keys()];
  const ranked = [...union.entries()].sort(([, a], [, b]) => b.holders - a.holders || b.weight - a.weight || a.order - b.order).slice(0, capacity);
  return ranked.sort(([, a], [, b]) => a.order - b.order).map(([id]) => id);
}

function readTable(prefix: string, state: ModelState, what: string): Table {
  const get = (name: string): TypedArray => {
    const array = state.arrays[`${prefix}${name}`];
    if (array === undefined) throw new MergeError(`merge: ${state.kind} ${what} has no array '${prefix}${name}'`);
    return array;
  };
  const offsets = get('idOffsets');
  const bytes = get('ids');
  if (!(bytes instanceof Uint8Array)) throw new MergeError(`merge: ${state.kind} ${what}: '${prefix}ids' is not a Uint8Array`);
  if (!(offsets instanceof Int32Array)) throw new MergeError(`merge: ${state.kind} ${what}: '${prefix}idOffsets' is not an Int32Array`);
  const size = offsets.length - 1;
  const rows = new Map(decodedIds(prefix, bytes, offsets, `${state.kind} ${what}`).map((id, r) => [id, r]));
  const columns = new Map<string, { array: TypedArray; width: number }>();
  for (const [key, array] of Object.entries(state.arrays)) {
    if (!key.startsWith(prefix) || META.has(key.slice(prefix.length))) continue;
    if (size > 0 && array.length % size !== 0) throw new MergeError(`merge: ${state.kind} ${what}: '${key}' has ${array.length} values for ${size} ids`);
    columns.set(key.slice(prefix.length), { array, width: size > 0 ? array.length / size : 0 });
  }
  return { rows, columns, referenced: get('referenced') as Uint8Array };
}

function decodedIds(prefix: string, bytes: Uint8Array, offsets: Int32Array, what: string): string[] {
  try {
    return decodeIds(prefix, bytes, offsets);
  } catch (err) {
    if (err instanceof CheckpointError) throw new MergeError(`merge: ${what}: ${err.message}`, { cause: err });
    throw err;
  }
}
