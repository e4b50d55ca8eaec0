import { ConfigError, DecodeError } from '../errors';
import { columnName, describeValue, distinctOutputs, integerField } from './config';
import { createHashedSpace, type HashSink } from './hashed-space';
import { murmur3Pair, murmur3PairBits, murmur3String } from './murmur3';
import { checkKind } from './restore';
import type { Row, Stage, StageOutput, StageState } from './stage';
import { isDenseVector, isSparseVector } from './vector';

export interface InteractionsConfig {
  /** Pairs of vector columns (VW namespaces) to cross, like VW's `-q ab`. */
  pairs: [string, string][];
  outputCol?: string;
  bits?: number;
  seed?: number;
}

const KIND = 'Interactions';

/** The seed of the pair of columns (namespaces) `a` × `b`: their crosses' hashes depend on both names. */
export function pairSeed(a: string, b: string, seed: number): number {
  return murmur3Pair(murmur3String(a, seed), murmur3String(b, seed), seed);
}

interface Entries {
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * Adds the products of `left`'s and `right`'s entries to `space`, each at the hash of its pair of indices:
 * every pair, or each unordered pair of distinct entries once when a column is crossed with itself (`same`).
 * HashedCrosses calls it too, so both stages cross in the same order (collisions sum alike, bit for bit).
 */
export function addCrosses(space: HashSink, left: Entries, right: Entries, same: boolean, seed: number): void {
  for (let u = 0; u < left.indices.length; u++) {
    for (let v = same ? u + 1 : 0; v < right.indices.length; v++) {
      space.add(murmur3PairBits(left.indices[u], right.indices[v], seed), left.values[u] * right.values[v]);
    }
  }
}

/**
 * Quadratic features between groups, like Vowpal Wabbit's `-q`: for every pair of columns, every non-zero
 * entry i of the first times every non-zero entry j of the second adds value x_i·x_j at the hash of
 * (i, j), seeded by the pair's names. A column crossed with itself yields each unordered pair of distinct
 * entries once (no squares). A missing column contributes no products; inputs may be dense or sparse.
 */
export function createInteractions(config: InteractionsConfig): Stage {
  if (!Array.isArray(config.pairs) || config.pairs.length === 0) {
    throw new ConfigError(`${KIND}: pairs must be a non-empty array of [column, column], got ${describeValue(config.pairs)}`);
  }
  const pairs = config.pairs.map((pair, p): [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ConfigError(`${KIND}: pairs[${p}] must be [column, column], got ${describeValue(pair)}`);
    }
    return [columnName(KIND, `pairs[${p}][0]`, pair[0]), columnName(KIND, `pairs[${p}][1]`, pair[1])];
  });
  const inputCols = [...new Set(pairs.flat())];
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'interactions');
  distinctOutputs(KIND, inputCols, [outputCol]);
  const bits = integerField(KIND, 'bits', config.bits, 18, 1, 30);
  const seed = integerField(KIND, 'seed', config.seed, 0, 0, 0xffffffff);
  const savedConfig = { pairs, outputCol, bits, seed };
  const pairSeeds = pairs.map(([a, b]) => pairSeed(a, b, seed));
  const space = createHashedSpace(KIND, bits, false);

  /** The column's non-zero entries as (indices, values), or null when it is missing. */
  function entries(row: Row, name: string): { indices: ArrayLike<number>; values: ArrayLike<number> } | null {
    const value = row[name];
    if (value === null || value === undefined) return null;
    if (isSparseVector(value)) return value;
    if (isDenseVector(value)) {
      const indices: number[] = [];
      for (let i = 0; i < value.length; i++) if (value[i] !== 0) indices.push(i);
      return { indices, values: indices.map((i) => value[i]) };
    }
    throw new DecodeError('SCHEMA', `${KIND}: column "${name}" must hold a vector, got ${describeValue(value)}`);
  }

  /** Adds every pair's products into `space`. */
  function fill(row: Row): void {
    space.clear();
    for (let p = 0; p < pairs.length; p++) {
      const [a, b] = pairs[p];
      const left = entries(row, a);
      const right = a === b ? left : entries(row, b);
      if (left === null || right === null) continue;
      addCrosses(space, left, right, a === b, pairSeeds[p]);
    }
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

export function interactionsFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  return createInteractions(state.config as unknown as InteractionsConfig);
}
