import { DecodeError } from '../errors';
import { booleanField, choiceField } from '../learners/config-checks';
import { columnName, describeValue, distinctOutputs, integerField } from './config';
import { createHashedSpace } from './hashed-space';
import { murmur3Pair, murmur3String } from './murmur3';
import { checkKind } from './restore';
import type { Row, Stage, StageState } from './stage';

export type TermNorm = 'none' | 'l1' | 'l2';

export interface HashingTokenizerConfig {
  /** A text column; null or undefined yields an empty vector. */
  inputCol: string;
  outputCol?: string;
  bits?: number;
  seed?: number;
  /** 1: unigrams only; 2: unigrams and bigrams of adjacent tokens. */
  ngrams?: number;
  /** Term frequencies as counts ('none') or divided by the row's l1 or l2 norm. */
  norm?: TermNorm;
  signed?: boolean;
}

const KIND = 'HashingTokenizer';
// Seeds the bigram hashes apart from the unigram ones.
const BIGRAM_SALT = 0x9e3779b9;
// Sticky: tests the one code point at lastIndex, allocating nothing.
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}]/uy;

function isWordCharacter(text: string, i: number, code: number): boolean {
  if (code < 0x80) return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
  WORD_CHARACTER.lastIndex = i;
  return WORD_CHARACTER.test(text);
}

/**
 * Text to hashed term frequencies: lowercases, splits on anything that is not a Unicode letter, mark or
 * number, and hashes each token (and each pair of adjacent tokens) into 2^bits signed slots. Tokens are
 * hashed in place, never sliced out of the text.
 */
export function createHashingTokenizer(config: HashingTokenizerConfig): Stage {
  const inputCol = columnName(KIND, 'inputCol', config.inputCol);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'features');
  distinctOutputs(KIND, [inputCol], [outputCol]);
  const bits = integerField(KIND, 'bits', config.bits, 18, 1, 30);
  const seed = integerField(KIND, 'seed', config.seed, 0, 0, 0xffffffff);
  const ngrams = integerField(KIND, 'ngrams', config.ngrams, 2, 1, 2);
  const norm = choiceField(KIND, 'norm', config.norm, 'none', ['none', 'l1', 'l2']);
  const signed = booleanField(KIND, 'signed', config.signed, true);
  const savedConfig = { inputCol, outputCol, bits, seed, ngrams, norm, signed };
  const space = createHashedSpace(KIND, bits, signed);
  const bigramSeed = (seed ^ BIGRAM_SALT) >>> 0;

  function addTokens(text: string): void {
    let previous = 0;
    let hasPrevious = false;
    let i = 0;
    while (i < text.length) {
      const code = text.codePointAt(i) as number;
      const step = code > 0xffff ? 2 : 1;
      if (!isWordCharacter(text, i, code)) {
        i += step;
        continue;
      }
      const start = i;
      i += step;
      while (i < text.length) {
        const next = text.codePointAt(i) as number;
        if (!isWordCharacter(text, i, next)) break;
        i += next > 0xffff ? 2 : 1;
      }
      const token = murmur3String(text, seed, start, i);
      space.add(token, 1);
      if (ngrams === 2 && hasPrevious) space.add(murmur3Pair(previous, token, bigramSeed), 1);
      previous = token;
      hasPrevious = true;
    }
  }

  return {
    kind: KIND,
    inputCols: [inputCol],
    outputCols: [outputCol],
    transform(row: Row): boolean {
      const text = row[inputCol];
      if (text !== null && text !== undefined && typeof text !== 'string') {
        throw new DecodeError('SCHEMA', `${KIND}: column "${inputCol}" must hold text, got ${describeValue(text)}`);
      }
      space.clear();
      if (text) addTokens(text.toLowerCase());
      const vector = space.build();
      if (norm !== 'none') {
        let total = 0;
        for (const value of vector.values) total += norm === 'l1' ? Math.abs(value) : value * value;
        const scale = norm === 'l1' ? total : Math.sqrt(total);
        if (scale > 0) for (let k = 0; k < vector.values.length; k++) vector.values[k] /= scale;
      }
      row[outputCol] = vector;
      return true;
    },
    learn(): void {},
    state(): StageState {
      return { kind: KIND, version: 1, config: savedConfig, arrays: {} };
    },
  };
}

export function hashingTokenizerFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  return createHashingTokenizer(state.config as unknown as HashingTokenizerConfig);
}
