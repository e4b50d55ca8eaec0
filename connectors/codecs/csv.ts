import { ConfigError } from '../../src/errors';
import type { Codec, DecodeContext } from '../types';
import { FORBIDDEN_KEYS, decodeFailure, decodeUtf8, encodeFailure, sample } from './decode-failure';

export type CsvColumnType = 'number' | 'string';
export type CsvRecord = Record<string, string | number>;

export interface CsvCodecOptions {
  columns: readonly string[];
  /** One character, not a quote or line break. Default ','. */
  delimiter?: string;
  /** Columns not listed are strings. */
  types?: Readonly<Record<string, CsvColumnType>>;
}

const QUOTE = '"';
/** Decimal numbers only: `Number()` would also accept '', '0x1f' and ' '. Whitespace around a number is common in CSV. */
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const NON_FINITE_WORD = /^\s*[+-]?(?:nan|inf|infinity)\s*$/i;
/** A message may end with the line break it was written with; a file line arrives with its CR when the file is CRLF. */
const TRAILING_NEWLINE = /(?:\r\n|\n|\r)$/;

export function validateDelimiter(owner: string, delimiter: string): void {
  if (delimiter.length !== 1 || delimiter === QUOTE || delimiter === '\r' || delimiter === '\n') {
    throw new ConfigError(`${owner}: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
}

/**
 * Splits one RFC 4180 record into fields: a field is quoted if it starts with a quote, and a quote inside
 * a quoted field is doubled. Returns a description of the first syntax error instead of throwing.
 */
export function splitCsvLine(line: string, delimiter: string): string[] | { problem: string } {
  if (!line.includes(QUOTE)) return line.split(delimiter);
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (line[at] === QUOTE) {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = line.indexOf(QUOTE, from);
        if (quote < 0) return { problem: `quoted field starting at character ${at} is not closed` };
        if (line[quote + 1] === QUOTE) {
          value += line.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        value += line.slice(from, quote);
        at = quote + 1;
        break;
      }
      fields.push(value);
      if (at === line.length) return fields;
      if (line[at] !== delimiter) return { problem: `character ${at} follows a closing quote but is not the delimiter` };
      at++;
    } else {
      const next = line.indexOf(delimiter, at);
      const end = next < 0 ? line.length : next;
      const field = line.slice(at, end);
      if (field.includes(QUOTE)) return { problem: `quote inside the unquoted field starting at character ${at}` };
      fields.push(field);
      if (next < 0) return fields;
      at = next + 1;
    }
  }
}

function quoteIfNeeded(field: string, delimiter: string): string {
  return field.includes(delimiter) || field.includes(QUOTE) || field.includes('\n') || field.includes('\r')
    ? `${QUOTE}${field.replaceAll(QUOTE, QUOTE + QUOTE)}${QUOTE}`
    : field;
}

function parseNumber(column: string, field: string, context: DecodeContext): number {
  if (!DECIMAL.test(field)) {
    const code = NON_FINITE_WORD.test(field) ? 'NONFINITE' : 'SCHEMA';
    throw decodeFailure('csv', code, context, `column ${JSON.stringify(column)}: ${sample(field)} is not a finite number`);
  }
  const value = Number(field);
  if (!Number.isFinite(value)) throw decodeFailure('csv', 'NONFINITE', context, `column ${JSON.stringify(column)}: ${sample(field)} overflows to ${value}`);
  return value;
}

/** One CSV line per message, as a record keyed by column name; numeric columns become numbers. */
export function createCsvCodec({ columns, delimiter = ',', types = {} }: CsvCodecOptions): Codec<CsvRecord> {
  const owner = 'createCsvCodec';
  validateDelimiter(owner, delimiter);
  if (columns.length === 0) throw new ConfigError(`${owner}: columns must name at least one column`);
  const seen = new Set<string>();
  for (const column of columns) {
    if (column.length === 0) throw new ConfigError(`${owner}: column names must be non-empty`);
    if (FORBIDDEN_KEYS.has(column)) throw new ConfigError(`${owner}: column name ${JSON.stringify(column)} is forbidden (prototype pollution)`);
    if (seen.has(column)) throw new ConfigError(`${owner}: column ${JSON.stringify(column)} appears twice`);
    seen.add(column);
  }
  for (const [column, type] of Object.entries(types)) {
    if (!seen.has(column)) throw new ConfigError(`${owner}: types names ${JSON.stringify(column)}, which is not among the columns (${columns.join(', ')})`);
    if (type !== 'number' && type !== 'string')
      throw new ConfigError(`${owner}: type of column ${JSON.stringify(column)} must be 'number' or 'string', got ${JSON.stringify(type)}`);
  }
  const numeric = columns.map((column) => types[column] === 'number');

  return {
    name: 'csv',
    encode(record) {
      const fields = columns.map((column, i) => {
        const value = record[column];
        if (numeric[i]) {
          if (typeof value !== 'number') throw encodeFailure('csv', 'SCHEMA', `column ${JSON.stringify(column)} must be a number, got ${typeof value}`);
          if (!Number.isFinite(value)) throw encodeFailure('csv', 'NONFINITE', `column ${JSON.stringify(column)} is ${value}`);
          return String(value);
        }
        if (typeof value !== 'string') throw encodeFailure('csv', 'SCHEMA', `column ${JSON.stringify(column)} must be a string, got ${typeof value}`);
        return quoteIfNeeded(value, delimiter);
      });
      return Buffer.from(fields.join(delimiter));
    },
    decode(bytes, context) {
      const line = decodeUtf8('csv', bytes, context).replace(TRAILING_NEWLINE, '');
      const fields = splitCsvLine(line, delimiter);
      if (!Array.isArray(fields)) throw decodeFailure('csv', 'MALFORMED', context, fields.problem);
      if (fields.length !== columns.length) {
        throw decodeFailure('csv', 'SCHEMA', context, `expected ${columns.length} fields (${columns.join(', ')}), got ${fields.length}`);
      }
      const record: CsvRecord = {};
      for (let i = 0; i < columns.length; i++) {
        record[columns[i]] = numeric[i] ? parseNumber(columns[i], fields[i], context) : fields[i];
      }
      return record;
    },
  };
}
