import { ConfigError, DecodeError, NonFiniteError } from '../errors';
import { choiceField } from '../learners/config-checks';
import { columnList, columnName, describeValue, distinctOutputs, integerField } from './config';
import { checkKind } from './restore';
import type { ColumnKernel, ColumnSource } from './column-form';
import type { Row, Stage, StageOutput, StageState } from './stage';
import { isDenseVector, isSparseVector, type SizedSparseVector } from './vector';

export type HandleInvalid = 'error' | 'skip' | 'keep';

export interface VectorAssemblerConfig {
  /** Columns concatenated in this order. Numbers and booleans (1/0) take one slot each. */
  inputCols: string[];
  outputCol?: string;
  /**
   * What a missing (null/undefined) or non-finite value does — 'error': throws naming the column and value;
   * 'skip': `transform` returns false and the pipeline drops the row; 'keep' (Spark's semantics): the
   * column's slots become NaN, for a model that handles NaN. A value of the wrong type or vector width
   * throws in every mode, since no slot can hold it.
   */
  handleInvalid?: HandleInvalid;
  /** Columns holding vectors (number arrays, dense or sparse vectors) and their widths, like Spark's VectorSizeHint. */
  vectorSizes?: Record<string, number>;
}

const KIND = 'VectorAssembler';
const MAX_WIDTH = 2 ** 30;

/** Why a value cannot be used as it is. */
interface Invalid {
  nonFinite: boolean;
  detail: string;
}

/**
 * Concatenates numeric columns and vector columns into one vector (Spark's VectorAssembler). The output
 * is a sparse vector (with `size`) when any input in the row is sparse, else a dense Float64Array.
 * Stateless.
 */
export function createVectorAssembler(config: VectorAssemblerConfig): Stage {
  const inputCols = columnList(KIND, 'inputCols', config.inputCols);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'features');
  distinctOutputs(KIND, inputCols, [outputCol]);
  const handleInvalid = choiceField(KIND, 'handleInvalid', config.handleInvalid, 'error', ['error', 'skip', 'keep']);
  const vectorSizes = config.vectorSizes ?? {};
  if (typeof vectorSizes !== 'object' || vectorSizes === null || Array.isArray(vectorSizes)) {
    throw new ConfigError(`${KIND}: vectorSizes must map column names to widths, got ${describeValue(vectorSizes)}`);
  }
  for (const [name, size] of Object.entries(vectorSizes)) {
    if (!inputCols.includes(name)) throw new ConfigError(`${KIND}: vectorSizes names "${name}", which is not an input`);
    integerField(KIND, `vectorSizes.${name}`, size, 0, 1, MAX_WIDTH);
  }
  // 0 marks a scalar column, which takes one slot.
  const widths = inputCols.map((name) => vectorSizes[name] ?? 0);
  const slots = widths.map((width) => Math.max(width, 1));
  const totalWidth = slots.reduce((sum, width) => sum + width, 0);
  if (totalWidth > MAX_WIDTH) throw new ConfigError(`${KIND}: total width ${totalWidth} exceeds ${MAX_WIDTH}`);
  const savedConfig = { inputCols, outputCol, handleInvalid, vectorSizes: { ...vectorSizes } };
  // Per-row scratch, reused: transform is synchronous.
  const usable = new Array<boolean>(inputCols.length);

  function wrongShape(name: string, got: string, expected: string): never {
    throw new DecodeError('SCHEMA', `${KIND}: column "${name}" must hold ${expected}, got ${got}`);
  }

  function checkScalar(name: string, value: unknown): Invalid | null {
    if (typeof value === 'boolean') return null;
    if (typeof value === 'number') return Number.isFinite(value) ? null : { nonFinite: true, detail: `holds ${value}` };
    if (value === null || value === undefined) return { nonFinite: false, detail: `is missing (${value})` };
    return wrongShape(name, describeValue(value), 'a number or boolean');
  }

  function checkVector(name: string, value: unknown, width: number): Invalid | null {
    if (value === null || value === undefined) return { nonFinite: false, detail: `is missing (${value})` };
    if (isSparseVector(value)) {
      for (const index of value.indices) {
        if (index >= width) wrongShape(name, `index ${index}`, `a vector of width ${width}`);
      }
      return checkElements(name, value.values);
    }
    if (!isDenseVector(value) && !Array.isArray(value)) {
      return wrongShape(name, describeValue(value), `a vector of width ${width}`);
    }
    if (value.length !== width) wrongShape(name, `width ${value.length}`, `a vector of width ${width}`);
    return checkElements(name, value);
  }

  function checkElements(name: string, elements: ArrayLike<unknown>): Invalid | null {
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i];
      if (typeof element !== 'number') wrongShape(name, `${describeValue(element)} at ${i}`, 'numbers');
      if (!Number.isFinite(element)) return { nonFinite: true, detail: `holds ${element} at ${i}` };
    }
    return null;
  }

  function dense(row: Row, out: Float64Array): Float64Array {
    let offset = 0;
    for (let c = 0; c < inputCols.length; c++) {
      const value = row[inputCols[c]];
      if (!usable[c]) out.fill(NaN, offset, offset + slots[c]);
      else if (widths[c] === 0) out[offset] = Number(value);
      else out.set(value as ArrayLike<number>, offset);
      offset += slots[c];
    }
    return out;
  }

  /** Room the row's sparse form needs. */
  function sparseCapacity(row: Row): number {
    let capacity = 0;
    for (let c = 0; c < inputCols.length; c++) {
      const value = row[inputCols[c]];
      capacity += usable[c] && isSparseVector(value) ? value.indices.length : slots[c];
    }
    return capacity;
  }

  /** Writes the row's non-zero entries into `indices`/`values`; returns how many. */
  function sparse(row: Row, indices: Int32Array, values: Float64Array): number {
    let count = 0;
    let offset = 0;
    for (let c = 0; c < inputCols.length; c++) {
      const value = row[inputCols[c]];
      if (usable[c] && isSparseVector(value)) {
        for (let k = 0; k < value.indices.length; k++, count++) {
          indices[count] = offset + value.indices[k];
          values[count] = value.values[k];
        }
      } else {
        for (let i = 0; i < slots[c]; i++) {
          const x = !usable[c] ? NaN : widths[c] === 0 ? Number(value) : (value as ArrayLike<number>)[i];
          if (x === 0) continue;
          indices[count] = offset + i;
          values[count++] = x;
        }
      }
      offset += slots[c];
    }
    return count;
  }

  /** Checks the row's inputs (filling `usable`); false when the row is to be skipped, 'sparse' when an input is sparse. */
  function check(row: Row): boolean | 'sparse' {
    let anySparse = false;
    for (let c = 0; c < inputCols.length; c++) {
      const name = inputCols[c];
      const value = row[name];
      // The common case, a finite number in a scalar column, without the checks' calls.
      if (widths[c] === 0 && typeof value === 'number' && Number.isFinite(value)) {
        usable[c] = true;
        continue;
      }
      const problem = widths[c] === 0 ? checkScalar(name, value) : checkVector(name, value, widths[c]);
      usable[c] = problem === null;
      anySparse ||= isSparseVector(value);
      if (problem === null || handleInvalid === 'keep') continue;
      if (handleInvalid === 'skip') return false;
      const message = `${KIND}: column "${name}" ${problem.detail}`;
      throw problem.nonFinite ? new NonFiniteError(message) : new DecodeError('SCHEMA', message);
    }
    return anySparse ? 'sparse' : true;
  }

  /**
   * Column form, for scalar inputs that are all numeric columns: copies each row's numbers into one
   * buffer. A non-finite number goes to the row form, whose `handleInvalid` decides (error, skip or keep).
   */
  function bindColumns(source: ColumnSource): ColumnKernel | undefined {
    if (widths.some((width) => width !== 0)) return undefined;
    const columns = inputCols.map((name) => source.numeric(name));
    if (columns.some((column) => column === undefined)) return undefined;
    const values = columns as ArrayLike<number>[];
    const output = new Float64Array(totalWidth);
    return {
      output,
      transform(i: number): boolean {
        for (let c = 0; c < values.length; c++) {
          const x = values[c][i];
          if (!Number.isFinite(x)) return false;
          output[c] = x;
        }
        return true;
      },
      learn(): void {},
      transformRun(out: Float64Array): boolean {
        const width = values.length;
        // Read once: sources of several shapes (a table's, iPFI's) made it a polymorphic load every row.
        const rows = source.length;
        for (let c = 0; c < width; c++) {
          const column = values[c];
          for (let i = 0, at = c; i < rows; i++, at += width) {
            const x = column[i];
            if (!Number.isFinite(x)) return false;
            out[at] = x;
          }
        }
        return true;
      },
      commitRun(): void {},
    };
  }

  return {
    kind: KIND,
    inputCols,
    outputCols: [outputCol],
    bindColumns,
    transform(row: Row): boolean {
      const checked = check(row);
      if (checked === false) return false;
      if (checked === true) row[outputCol] = dense(row, new Float64Array(totalWidth));
      else {
        const capacity = sparseCapacity(row);
        const indices = new Int32Array(capacity);
        const values = new Float64Array(capacity);
        const count = sparse(row, indices, values);
        row[outputCol] = { size: totalWidth, indices: indices.slice(0, count), values: values.slice(0, count) } satisfies SizedSparseVector;
      }
      return true;
    },
    transformInto(row: Row, out: StageOutput): boolean {
      const checked = check(row);
      if (checked === false) return false;
      if (checked === true) row[outputCol] = dense(row, out.dense(totalWidth));
      else {
        const { indices, values } = out.sparse(sparseCapacity(row));
        row[outputCol] = out.sparseVector(totalWidth, sparse(row, indices, values));
      }
      return true;
    },
    learn(): void {},
    state(): StageState {
      return { kind: KIND, version: 1, config: savedConfig, arrays: {} };
    },
  };
}

export function vectorAssemblerFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  return createVectorAssembler(state.config as unknown as VectorAssemblerConfig);
}
