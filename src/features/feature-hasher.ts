import { DecodeError, NonFiniteError } from '../errors';
import { booleanField } from '../learners/config-checks';
import { columnList, columnName, describeValue, distinctOutputs, integerField } from './config';
import { sharedCategoryHashes, type CategoryHashes } from './category-hashes';
import { createHashedSpace, type HashSink } from './hashed-space';
import { murmur3String } from './murmur3';
import { checkKind } from './restore';
import type { Row, Stage, StageOutput, StageState } from './stage';

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
  // A column's hash names its numeric feature and seeds the hashes of its categories.
  const columnHashes = inputCols.map((name) => murmur3String(name, seed));
  const categoryHashes = columnHashes.map((columnHash) => sharedCategoryHashes(columnHash));
  const space = createHashedSpace(KIND, bits, signed);

  /** Hashes the row's columns into `space`. */
  function fill(row: Row): void {
    space.clear();
    for (let c = 0; c < inputCols.length; c++) hashColumn(space, KIND, inputCols[c], row[inputCols[c]], columnHashes[c], categoryHashes[c]);
  }

  return {
    kind: KIND,
    inputCols,
    outputCols: [outputCol],
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
