import { ConfigError, NonFiniteError } from '../errors';
import { booleanField } from '../learners/config-checks';
import type { ColumnSource, SparseColumnKernel } from './column-form';
import { columnList, columnName, describeValue, distinctOutputs, integerField } from './config';
import { bindHashedColumns, columnHashing, hashCell, hashColumn } from './feature-hasher';
import { createHashedSpace, type HashedSpace, type HashSink } from './hashed-space';
import { addCrosses, pairSeed } from './interactions';
import { checkKind } from './restore';
import type { Row, Stage, StageOutput, StageState } from './stage';
import { ReusedStageOutput } from './stage-output';
import type { SizedSparseVector } from './vector';

export interface HashedCrossesConfig {
  /** Columns hashed into the first 2^bits slots, as FeatureHasher hashes them. */
  inputCols: string[];
  outputCol?: string;
  bits?: number;
  seed?: number;
  /** As FeatureHasher's `signed`, for the columns' space and every namespace. */
  signed?: boolean;
  /** VW namespaces: each hashes some of `inputCols` into its own 2^bits space, only to be crossed. */
  namespaces: Record<string, { inputCols: string[]; bits?: number }>;
  /** Pairs of namespaces, crossed as Interactions crosses them into the next 2^crossBits slots. */
  pairs: [string, string][];
  crossBits?: number;
}

const KIND = 'HashedCrosses';

interface Namespace {
  name: string;
  inputCols: string[];
  bits: number;
}

/**
 * A row's hashed entries in the order they were hashed: added to the columns' space at once, and kept to be
 * replayed into each namespace that reads them.
 */
class HashedEntries implements HashSink {
  // Int32: a space reads a hash's bits only (`hash & mask`, `hash >>> 31`), and an int32 read back is passed on
  // as a small integer, where an unsigned one above 2^31 was boxed (a heap number per entry replayed).
  hashes = new Int32Array(64);
  values = new Float64Array(64);
  count = 0;

  constructor(private readonly columns: HashSink) {}

  add(hash: number, value: number): void {
    if (this.count === this.hashes.length) {
      const hashes = new Int32Array(this.count * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const values = new Float64Array(this.count * 2);
      values.set(this.values);
      this.values = values;
    }
    this.hashes[this.count] = hash;
    this.values[this.count++] = value;
    this.columns.add(hash, value);
  }

  replay(into: HashSink, from: number, to: number): void {
    for (let k = from; k < to; k++) into.add(this.hashes[k], this.values[k]);
  }
}

function readNamespaces(inputCols: string[], config: HashedCrossesConfig['namespaces']): Namespace[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config) || Object.keys(config).length === 0) {
    throw new ConfigError(`${KIND}: namespaces must map names to { inputCols, bits }, got ${describeValue(config)}`);
  }
  return Object.entries(config).map(([name, namespace]) => {
    const field = `namespaces.${name}`;
    const columns = columnList(KIND, `${field}.inputCols`, namespace?.inputCols);
    const stray = columns.find((column) => !inputCols.includes(column));
    if (stray !== undefined) throw new ConfigError(`${KIND}: ${field} reads column "${stray}", which is not one of inputCols`);
    return { name, inputCols: columns, bits: integerField(KIND, `${field}.bits`, namespace.bits, 18, 1, 30) };
  });
}

function readPairs(names: string[], pairs: unknown): [string, string][] {
  if (!Array.isArray(pairs) || pairs.length === 0) {
    throw new ConfigError(`${KIND}: pairs must be a non-empty array of [namespace, namespace], got ${describeValue(pairs)}`);
  }
  return pairs.map((pair: unknown, p): [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((name) => !names.includes(name as string))) {
      throw new ConfigError(`${KIND}: pairs[${p}] must be two of the namespaces (${names.join(', ')}), got ${describeValue(pair)}`);
    }
    return [pair[0], pair[1]];
  });
}

/**
 * Hashed categorical columns plus VW-style quadratic crosses between namespaces of them, in one pass:
 * the same vector as the stage chain FeatureHasher(inputCols) → one FeatureHasher per namespace →
 * Interactions(pairs) → VectorAssembler([columns, crosses]), bit for bit, with every setting shared
 * (seed, signs). Each column is hashed once (the chain hashed a crossed column twice and copied both
 * vectors into the assembler's); each space is compacted as its stage compacts it, so collisions sum in
 * the same order. Stateless. See docs/performance.md, "Stop 21: ctr-logistic".
 */
export function createHashedCrosses(config: HashedCrossesConfig): Stage {
  const inputCols = columnList(KIND, 'inputCols', config.inputCols);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'features');
  distinctOutputs(KIND, inputCols, [outputCol]);
  const bits = integerField(KIND, 'bits', config.bits, 18, 1, 30);
  const seed = integerField(KIND, 'seed', config.seed, 0, 0, 0xffffffff);
  const signed = booleanField(KIND, 'signed', config.signed, true);
  const namespaces = readNamespaces(inputCols, config.namespaces);
  const names = namespaces.map((namespace) => namespace.name);
  const pairs = readPairs(names, config.pairs);
  const crossBits = integerField(KIND, 'crossBits', config.crossBits, 18, 1, 30);
  const savedConfig = {
    inputCols,
    outputCol,
    bits,
    seed,
    signed,
    namespaces: Object.fromEntries(namespaces.map(({ name, inputCols: columns, bits: b }) => [name, { inputCols: columns, bits: b }])),
    pairs,
    crossBits,
  };

  const { columnHashes, columnBits, categoryHashes } = columnHashing(inputCols, seed);
  const columns = createHashedSpace(KIND, bits, signed);
  const spaces = namespaces.map((namespace) => createHashedSpace(KIND, namespace.bits, signed));
  const namespaceColumns = namespaces.map((namespace) => namespace.inputCols.map((column) => inputCols.indexOf(column)));
  const pairIndices = pairs.map(([a, b]) => [names.indexOf(a), names.indexOf(b)]);
  const pairSeeds = pairs.map(([a, b]) => pairSeed(a, b, seed));
  const crosses = createHashedSpace(KIND, crossBits, false);
  const size = 2 ** bits + 2 ** crossBits;

  const entries = new HashedEntries(columns);
  const starts = new Int32Array(inputCols.length + 1);
  const spaceOuts = namespaces.map(() => new ReusedStageOutput());
  const spaceVectors: SizedSparseVector[] = new Array(namespaces.length);
  const rowOut = new ReusedStageOutput();

  /** Hashes each column once, in column order, into the columns' space and `entries`. */
  function hashColumns(row: Row): void {
    entries.count = 0;
    columns.clear();
    for (let c = 0; c < inputCols.length; c++) {
      starts[c] = entries.count;
      hashColumn(entries, KIND, inputCols[c], row[inputCols[c]], columnHashes[c], categoryHashes[c]);
    }
    starts[inputCols.length] = entries.count;
  }

  /** Each namespace's vector from the entries of its columns (in its own column order), then their crosses. */
  function crossNamespaces(): void {
    for (let n = 0; n < spaces.length; n++) {
      const space: HashedSpace = spaces[n];
      space.clear();
      const reads = namespaceColumns[n];
      for (let k = 0; k < reads.length; k++) entries.replay(space, starts[reads[k]], starts[reads[k] + 1]);
      spaceVectors[n] = space.buildInto(spaceOuts[n]);
    }
    crosses.clear();
    for (let p = 0; p < pairIndices.length; p++) {
      const [a, b] = pairIndices[p];
      addCrosses(crosses, spaceVectors[a], spaceVectors[b], a === b, pairSeeds[p]);
    }
  }

  /** The columns' space then the crosses', compacted straight into `out`: the output slot of the first non-finite value, or -1. */
  function compact(out: StageOutput): number {
    crossNamespaces();
    const buffers = out.sparse(columns.entryCount() + crosses.entryCount());
    const count = crosses.compactTo(buffers, columns.compactTo(buffers, 0, 0), 2 ** bits);
    vector = out.sparseVector(size, count);
    const values = buffers.values;
    for (let k = 0; k < count; k++) if (!Number.isFinite(values[k])) return k;
    return -1;
  }
  let vector: SizedSparseVector | undefined;

  /** The row's vector in `out`; a sum or product that overflowed is refused. */
  function assemble(row: Row, out: StageOutput): SizedSparseVector {
    hashColumns(row);
    const bad = compact(out);
    const { indices, values } = vector as SizedSparseVector;
    if (bad >= 0) throw new NonFiniteError(`${KIND}: output slot ${indices[bad]} is ${values[bad]} (a sum or product overflowed)`);
    return vector as SizedSparseVector;
  }

  /**
   * The column form, over JSON read into columns: each column's strings come as ids into the chunk's
   * dictionary, whose hashes are looked up once per chunk; a row is then hashed with no string and no Map
   * probe per field. Each cell is added as `hashColumn` adds it (a string at its category's hash, a non-zero
   * number at the column's), in the same order, so the vector is the row form's bit for bit. A cell that is
   * neither (the row form's to read or refuse) or an overflow sends the row to the row form.
   */
  function bindColumns(source: ColumnSource): SparseColumnKernel | undefined {
    const bound = bindHashedColumns(source, inputCols, categoryHashes);
    if (bound === undefined) return undefined;
    const out = new ReusedStageOutput();
    return {
      transform(i: number): boolean {
        entries.count = 0;
        columns.clear();
        for (let c = 0; c < inputCols.length; c++) {
          starts[c] = entries.count;
          if (!hashCell(entries, bound, c, i, columnBits[c])) return false;
        }
        starts[inputCols.length] = entries.count;
        return compact(out) < 0;
      },
      features: () => vector as SizedSparseVector,
      learn(): void {},
    };
  }

  return {
    kind: KIND,
    inputCols,
    outputCols: [outputCol],
    transform(row: Row): boolean {
      const vector = assemble(row, rowOut);
      row[outputCol] = { size, indices: vector.indices.slice(), values: vector.values.slice() } satisfies SizedSparseVector;
      return true;
    },
    transformInto(row: Row, out: StageOutput): boolean {
      row[outputCol] = assemble(row, out);
      return true;
    },
    bindColumns,
    learn(): void {},
    state(): StageState {
      return { kind: KIND, version: 1, config: savedConfig, arrays: {} };
    },
  };
}

export function hashedCrossesFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  return createHashedCrosses(state.config as unknown as HashedCrossesConfig);
}
