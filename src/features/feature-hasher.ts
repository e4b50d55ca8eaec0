import { DecodeError, NonFiniteError } from '../errors';
import { booleanField } from '../learners/config-checks';
import { columnList, columnName, describeValue, distinctOutputs, integerField } from './config';
import { sharedCategoryHashes, type CategoryHashes } from './category-hashes';
import { createHashedSpace, type HashSink } from './hashed-space';
import { murmur3String } from './murmur3';
import { checkKind } from './restore';
import type { CategoryColumn, ColumnSource, SparseColumnKernel } from './column-form';
import type { Row, Stage, StageOutput, StageState } from './stage';
import { ReusedStageOutput } from './stage-output';
import type { SparseVector } from '../learners/estimator';

export interface FeatureHasherConfig {
  inputCols: string[];
  outputCol?: string;
  /** The output has 2^bits dimensions; bit 31 of each hash is the sign, so at most 30. */
  bits?: number;
  seed?: number;
  /** Flip the value's sign by a hash bit, so collisions cancel in expectation (Weinberger et al. 2009). */
  signed?: boolean;
}

const KIND = 'FeatureHasher';

function addCategory(sink: HashSink, where: string, name: string, value: unknown, categories: CategoryHashes): void {
  if (typeof value === 'string') sink.add(categories.hash(value), 1);
  else if (typeof value === 'boolean') sink.add(categories.hash(value ? 'true' : 'false'), 1);
  else throw new DecodeError('SCHEMA', `${where}: column "${name}" holds ${describeValue(value)} in its array; expected strings`);
}

/**
 * One column's value as FeatureHasher hashes it, added to `sink` (see {@link createFeatureHasher}):
 * a number at the column's hash, each category at its hash, nothing for a missing value. `where` names
 * the stage in errors. HashedCrosses calls it too, so both stages hash a value the same way.
 */
export function hashColumn(sink: HashSink, where: string, name: string, value: unknown, columnHash: number, categories: CategoryHashes): void {
  // Categorical events are strings: their test first.
  if (typeof value === 'string') sink.add(categories.hash(value), 1);
  else if (value === null || value === undefined) return;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NonFiniteError(`${where}: column "${name}" holds ${value}`);
    if (value !== 0) sink.add(columnHash, value);
  } else if (Array.isArray(value)) {
    for (const category of value) addCategory(sink, where, name, category, categories);
  } else if (typeof value === 'boolean') {
    addCategory(sink, where, name, value, categories);
  } else {
    throw new DecodeError('SCHEMA', `${where}: column "${name}" holds ${describeValue(value)}`);
  }
}

/** Columns of categories bound for hashing (`bindHashedColumns`): each column's cells and its categories' hashes. */
export interface HashedColumns {
  readonly cells: readonly CategoryColumn[];
  /**
   * The hash of each of the chunk's categories, as int32 (a sink reads the bits only; no heap number on the
   * way): column c's category `id` at `hashes[starts[c] + id]`.
   */
  readonly hashes: Int32Array;
  readonly starts: Int32Array;
}

/** The column form's binding of `hashColumn`: undefined when the source has no category column for one of `inputCols`. */
export function bindHashedColumns(source: ColumnSource, inputCols: readonly string[], categories: readonly CategoryHashes[]): HashedColumns | undefined {
  const read = inputCols.map((name) => source.categories?.(name));
  if (read.some((column) => column === undefined || (column.ids === undefined && column.numbers === undefined))) return undefined;
  const cells = read as CategoryColumn[];
  // Every column's hashes in one array: an array per column was ~2 B a ctr event (two binds a chunk, 9 columns).
  const starts = new Int32Array(cells.length + 1);
  for (let c = 0; c < cells.length; c++) starts[c + 1] = starts[c] + cells[c].strings.length;
  const hashes = new Int32Array(starts[cells.length]);
  // Each of the chunk's categories hashed once (the same cache as the row form's), not once per row. A loop:
  // `Int32Array.from(strings, map)` made an iterator result per string, ~6 B a ctr event.
  for (let c = 0; c < cells.length; c++) {
    const { strings } = cells[c];
    for (let k = 0; k < strings.length; k++) hashes[starts[c] + k] = categories[c].hash(strings[k]) | 0;
  }
  return { cells, hashes, starts };
}

/**
 * Row i's cell of bound column c, added to `sink` as `hashColumn` adds it: a category at its hash, a non-zero
 * number at the column's. False when the cell is neither (the row form reads or refuses it).
 */
export function hashCell(sink: HashSink, { cells, hashes, starts }: HashedColumns, c: number, i: number, columnHash: number): boolean {
  const id = cells[c].ids?.[i] ?? -1;
  if (id >= 0) sink.add(hashes[starts[c] + id], 1);
  else {
    const value = cells[c].numbers?.[i] ?? NaN;
    if (value !== value) return false;
    if (value !== 0) sink.add(columnHash | 0, value);
  }
  return true;
}

/**
 * What a hashing stage derives from its columns' names: each column's hash, which names its numeric feature
 * and seeds the hashes of its categories; the same hashes as int32 bits, for `hashCell` (an unsigned one above
 * 2^31, passed to a `hashCell` V8 did not inline, was a heap number per cell: ~80 B a ctr event in some passes,
 * docs/performance.md, "Stop 24"); and each column's category hashes.
 */
export function columnHashing(inputCols: readonly string[], seed: number) {
  const columnHashes = inputCols.map((name) => murmur3String(name, seed));
  return {
    columnHashes,
    columnBits: Int32Array.from(columnHashes, (hash) => hash | 0),
    categoryHashes: columnHashes.map((columnHash) => sharedCategoryHashes(columnHash)),
  };
}

/**
 * Hashes columns into a sparse vector of 2^bits dimensions (Spark's FeatureHasher, signed). A number is a
 * feature named by its column, with that value; a string, boolean or each string of an array is the
 * categorical feature (column, value) with value 1. Missing values add nothing; zeros are not stored.
 */
export function createFeatureHasher(config: FeatureHasherConfig): Stage {
  const inputCols = columnList(KIND, 'inputCols', config.inputCols);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'features');
  distinctOutputs(KIND, inputCols, [outputCol]);
  const bits = integerField(KIND, 'bits', config.bits, 18, 1, 30);
  const seed = integerField(KIND, 'seed', config.seed, 0, 0, 0xffffffff);
  const signed = booleanField(KIND, 'signed', config.signed, true);
  const savedConfig = { inputCols, outputCol, bits, seed, signed };
  const { columnHashes, columnBits, categoryHashes } = columnHashing(inputCols, seed);
  const space = createHashedSpace(KIND, bits, signed);

  /** Hashes the row's columns into `space`. */
  function fill(row: Row): void {
    space.clear();
    for (let c = 0; c < inputCols.length; c++) hashColumn(space, KIND, inputCols[c], row[inputCols[c]], columnHashes[c], categoryHashes[c]);
  }

  /** The column form over JSON read into columns (strings as ids): the same vector as `fill` + `buildInto`, with no string per row. */
  function bindColumns(source: ColumnSource): SparseColumnKernel | undefined {
    const bound = bindHashedColumns(source, inputCols, categoryHashes);
    if (bound === undefined) return undefined;
    const out = new ReusedStageOutput();
    let vector: SparseVector | undefined;
    return {
      transform(i: number): boolean {
        space.clear();
        for (let c = 0; c < inputCols.length; c++) if (!hashCell(space, bound, c, i, columnBits[c])) return false;
        vector = space.buildInto(out);
        for (let k = 0; k < vector.values.length; k++) if (!Number.isFinite(vector.values[k])) return false;
        return true;
      },
      features: () => vector as SparseVector,
      learn(): void {},
    };
  }

  return {
    kind: KIND,
    inputCols,
    outputCols: [outputCol],
    bindColumns,
    transform(row: Row): boolean {
      fill(row);
      row[outputCol] = space.build();
      return true;
    },
    transformInto(row: Row, out: StageOutput): boolean {
      fill(row);
      row[outputCol] = space.buildInto(out);
      return true;
    },
    learn(): void {},
    state(): StageState {
      return { kind: KIND, version: 1, config: savedConfig, arrays: {} };
    },
  };
}

export function featureHasherFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  return createFeatureHasher(state.config as unknown as FeatureHasherConfig);
}
