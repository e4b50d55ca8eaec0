import { CheckpointError, DecodeError, NonFiniteError } from '../errors';
import { columnList, columnName, describeValue, distinctOutputs, integerField } from './config';
import { checkKind, restoreArray } from './restore';
import type { Row, Stage, StageState } from './stage';

export interface OneHotEncoderConfig {
  /** Categorical columns: strings, numbers or booleans, compared by their string form ("1" equals 1). */
  inputCols: string[];
  outputCol?: string;
  /** Distinct values each column learns; later new values, and values not learnt yet, share the overflow slot. */
  maxCategories?: number;
}

const KIND = 'OneHotEncoder';

/**
 * One-hot encoding with a learnt, capped vocabulary. Column c owns slots [c·(cap+1), (c+1)·(cap+1)): a
 * value's slot is its order of first appearance in `learn`, and slot `cap` is the overflow bucket for
 * values beyond the cap or not learnt yet (prequentially, a value's first row lands there). A missing
 * value (null/undefined) sets no slot.
 */
export function createOneHotEncoder(config: OneHotEncoderConfig): Stage {
  return buildOneHotEncoder(config, null);
}

function buildOneHotEncoder(config: OneHotEncoderConfig, learnt: string[][] | null): Stage {
  const inputCols = columnList(KIND, 'inputCols', config.inputCols);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'features');
  distinctOutputs(KIND, inputCols, [outputCol]);
  const maxCategories = integerField(KIND, 'maxCategories', config.maxCategories, 100, 1, 2 ** 20);
  const savedConfig = { inputCols, outputCol, maxCategories };
  const block = maxCategories + 1;
  const size = block * inputCols.length;
  const vocabularies = inputCols.map((_, c) => new Map((learnt?.[c] ?? []).map((key, slot) => [key, slot])));
  vocabularies.forEach((vocabulary, c) => {
    if (vocabulary.size !== (learnt?.[c].length ?? 0) || vocabulary.size > maxCategories) {
      throw new CheckpointError(`${KIND}: vocabulary of column ${c} has duplicates or exceeds maxCategories`);
    }
  });

  function category(name: string, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new NonFiniteError(`${KIND}: column "${name}" holds ${value}`);
      return String(value);
    }
    throw new DecodeError('SCHEMA', `${KIND}: column "${name}" must hold a category, got ${describeValue(value)}`);
  }

  function learnCategory(c: number, key: string): void {
    const vocabulary = vocabularies[c];
    if (vocabulary.size < maxCategories && !vocabulary.has(key)) vocabulary.set(key, vocabulary.size);
  }

  return {
    kind: KIND,
    inputCols,
    outputCols: [outputCol],
    transform(row: Row): boolean {
      const indices = new Int32Array(inputCols.length);
      let count = 0;
      for (let c = 0; c < inputCols.length; c++) {
        const key = category(inputCols[c], row[inputCols[c]]);
        if (key === null) continue;
        indices[count++] = c * block + (vocabularies[c].get(key) ?? maxCategories);
      }
      row[outputCol] = { size, indices: indices.slice(0, count), values: new Float64Array(count).fill(1) };
      return true;
    },
    learn(row: Row): void {
      for (let c = 0; c < inputCols.length; c++) {
        const key = category(inputCols[c], row[inputCols[c]]);
        if (key !== null) learnCategory(c, key);
      }
    },
    state(): StageState {
      // Vocabularies as UTF-8 bytes with offsets, so state stays typed arrays.
      const encoded = vocabularies.flatMap((vocabulary) => [...vocabulary.keys()].map((key) => Buffer.from(key, 'utf8')));
      const offsets = new Uint32Array(encoded.length + 1);
      encoded.forEach((bytes, k) => (offsets[k + 1] = offsets[k] + bytes.length));
      return {
        kind: KIND,
        version: 1,
        config: savedConfig,
        arrays: {
          vocabularySizes: Int32Array.from(vocabularies, (vocabulary) => vocabulary.size),
          vocabularyOffsets: offsets,
          vocabularyBytes: new Uint8Array(Buffer.concat(encoded)),
        },
      };
    },
  };
}

export function oneHotEncoderFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  const config = state.config as unknown as OneHotEncoderConfig;
  const columns = Array.isArray(config.inputCols) ? config.inputCols.length : 0;
  const sizes = restoreArray(state, 'vocabularySizes', Int32Array, columns);
  if (sizes.some((n) => n < 0)) throw new CheckpointError(`${KIND}: negative vocabulary size`);
  const total = sizes.reduce((sum, n) => sum + n, 0);
  const offsets = restoreArray(state, 'vocabularyOffsets', Uint32Array, total + 1);
  const bytes = restoreArray(state, 'vocabularyBytes', Uint8Array, offsets[total]);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const learnt: string[][] = [];
  let k = 0;
  for (let c = 0; c < columns; c++) {
    const keys: string[] = [];
    for (let slot = 0; slot < sizes[c]; slot++, k++) {
      if (offsets[k + 1] < offsets[k]) throw new CheckpointError(`${KIND}: vocabulary offsets decrease at ${k}`);
      try {
        keys.push(decoder.decode(bytes.subarray(offsets[k], offsets[k + 1])));
      } catch (err) {
        throw new CheckpointError(`${KIND}: vocabulary entry ${k} is not UTF-8`, { cause: err });
      }
    }
    learnt.push(keys);
  }
  return buildOneHotEncoder(config, learnt);
}
