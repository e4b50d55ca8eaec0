import { FORBIDDEN_KEYS } from './decode-failure';
import { columnTable, FNV_OFFSET, fnvStep, type ColumnTable, type TextColumn } from './json-categories';

export type { TextColumn } from './json-categories';

/**
 * JSON messages that are flat objects of numbers and plain strings, read straight into columns (issue 12:
 * "no per-record objects"): no text string, no parsed object and no boxed number per field survive the
 * batch; strings become ids into the chunk's dictionary of interned strings (json-categories.ts). Only a
 * message this scanner is sure about is marked `fast`; anything else (escapes or control or non-ASCII
 * bytes in a string or key, nesting, null, booleans, duplicate or forbidden keys, other keys or another key
 * order than the first fast message, a number that overflows, bad JSON, a message over `maxBytes`) is left
 * to the codec's `JSON.parse`, which decodes it, or refuses it with today's error, as before.
 *
 * Numbers equal `JSON.parse`'s bit for bit: Clinger's fast path (at most 15 significant digits and a
 * decimal exponent within ±22, where `digits * 10^k` or `digits / 10^k` is one correctly rounded operation
 * on exact operands), else `Number` of the number's text, which V8 reads with the same algorithm as
 * `JSON.parse` (the property tests compare both on random and adversarial texts).
 */
export interface NumericColumns {
  /** The keys of the first fast message, in its order: every fast message has exactly these, in this order. */
  readonly names: readonly string[];
  /**
   * The numbers of each name's column, by message; NaN where the message is not fast or the cell is a
   * string. Undefined for a column that holds no number in the chunk.
   */
  readonly columns: readonly (Float64Array | undefined)[];
  /**
   * The strings of each name's column (ids into the chunk's dictionary, -1 where the cell is a number or the
   * message is not fast). Undefined for a column that holds no string in the chunk, or whose strings were
   * not interned (mostly new values: see json-categories.ts); their messages are fast all the same.
   */
  readonly texts: readonly (TextColumn | undefined)[];
  /** 1 where the message was read here; 0 where it is the codec's to decode. */
  readonly fast: Uint8Array;
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const SLOW = -1;

/** 10^0..10^22: every one exact in a double, which Clinger's fast path needs. */
const POWERS_OF_TEN = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const isDigit = (byte: number) => byte >= ZERO && byte <= NINE;
const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * What the scan of one message read last: the number, and the message as text, made the first time a
 * number needs `Number` (most of them do: JSON.stringify writes 16-17 digits). Module state, not an object
 * per message: the scan allocates nothing for a message whose numbers take the fast path.
 */
let text: string | undefined;
/**
 * Doubles the scan hands between its functions: [0] the number read last, [1] the low part of the last
 * `twoProduct`. A typed array, because a double stored in a module variable is boxed: a heap object per
 * store (measured: 1.8 µs a Friedman record with module variables, NaN below with this).
 */
const scratch = new Float64Array(2);
const NUMBER = 0;
const LOW = 1;

function skipSpace(bytes: Buffer, at: number): number {
  while (at < bytes.length && isSpace(bytes[at])) at++;
  return at;
}

/** Skips white space and one expected byte: the position after it, or SLOW when another byte is there. */
function expect(bytes: Buffer, at: number, byte: number): number {
  // Compact JSON (JSON.stringify's) has no white space: the byte is usually right there.
  if (bytes[at] === byte) return at + 1;
  at = skipSpace(bytes, at);
  return at < bytes.length && bytes[at] === byte ? at + 1 : SLOW;
}

/** The position of a key's closing quote (from just after its opening one), or SLOW for escapes, control and non-ASCII bytes. */
function keyEnd(bytes: Buffer, at: number): number {
  for (; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) return at;
    if (byte === BACKSLASH || byte < 0x20 || byte >= 0x80) return SLOW;
  }
  return SLOW;
}

/**
 * Reads the plain string value whose opening quote is at `at`: the position after its closing quote, or
 * SLOW for escapes, control and non-ASCII bytes (JSON.parse's string is then exactly the bytes, read as
 * latin1). Leaves the string's start in `spans[START]` and its FNV-1a hash in `spans[HASH]`.
 */
function readString(bytes: Buffer, at: number): number {
  let hash = FNV_OFFSET;
  spans[START] = ++at;
  for (; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) {
      spans[HASH] = hash;
      return at + 1;
    }
    if (byte === BACKSLASH || byte < 0x20 || byte >= 0x80) return SLOW;
    hash = fnvStep(hash, byte);
  }
  return SLOW;
}

/** Where `readString` leaves the string's start and hash: integers, kept in a typed array so that no store boxes them. */
const spans = new Int32Array(2);
const START = 0;
const HASH = 1;

const SPLITTER = 134_217_729; // 2^27 + 1, Veltkamp's split of a double into two 26-bit halves
/** a × b: returns fl(a × b) and leaves the exact rest in `scratch[LOW]` (Dekker's product, no FMA needed). */
function twoProduct(a: number, b: number): number {
  const product = a * b;
  let split = SPLITTER * a;
  const aHigh = split - (split - a);
  const aLow = a - aHigh;
  split = SPLITTER * b;
  const bHigh = split - (split - b);
  const bLow = b - bHigh;
  scratch[LOW] = aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
  return product;
}

/**
 * `(high + rest) × 10^power` rounded to the nearest double, for an exact integer `high + rest` below 2^64
 * and |power| ≤ 22, or NaN when it lies too near a halfway point to decide here. The product (or quotient)
 * is carried in double-double: its leading double `q` plus a correction `delta` known to within far less
 * than ulp(q) / 2^40. Rounding is monotonic, so when q + delta rounds to the same double at both ends of
 * that interval, the exact value rounds there too: the double JSON.parse makes.
 */
function nearest(high: number, rest: number, power: number): number {
  const scale = POWERS_OF_TEN[power < 0 ? -power : power];
  let q: number;
  let delta: number;
  if (power >= 0) {
    q = twoProduct(high, scale);
    delta = scratch[LOW] + rest * scale;
  } else {
    q = high / scale;
    const product = twoProduct(q, scale);
    // high - product is exact (Sterbenz: they differ by at most one part in 2^52).
    delta = (high - product - scratch[LOW] + rest) / scale;
  }
  const margin = Math.abs(q) * 2 ** -96 + Math.abs(delta) * 2 ** -40;
  const below = q + (delta - margin);
  return below === q + (delta + margin) ? below : NaN;
}

/**
 * A number of `digits` significant digits, the first 15 in `head` and the next 4 at most in `tail`, times
 * 10^power: Clinger's fast path up to 15 digits, the double-double path up to 19; NaN beyond, or when
 * undecided (the caller then asks `Number`).
 */
function decimal(head: number, tail: number, digits: number, power: number): number {
  if (digits === 0) return 0;
  if (power > 22 || power < -22 || digits > 19) return NaN;
  if (digits <= 15) return power >= 0 ? head * POWERS_OF_TEN[power] : head / POWERS_OF_TEN[-power];
  // head × 10^(digits - 15) + tail, exactly, as a double and an integer rest (both parts are integers below 2^64).
  const shifted = twoProduct(head, POWERS_OF_TEN[digits - 15]);
  const sum = shifted + tail;
  const rest = scratch[LOW] + (tail - (sum - shifted));
  return nearest(sum, rest, power);
}

/** Reads the JSON number at `start` into `scratch[NUMBER]`: the position after it, or SLOW for anything else or a number `JSON.parse` makes infinite. */
function readNumber(bytes: Buffer, start: number): number {
  const end = bytes.length;
  let at = start;
  const negative = bytes[at] === MINUS;
  if (negative) at++;
  if (at >= end || !isDigit(bytes[at])) return SLOW;
  // The first 15 significant digits in head, the next 4 at most in tail (more: `Number` reads it).
  let head = 0;
  let tail = 0;
  let digits = 0;
  let scale = 0;
  if (bytes[at] === ZERO) {
    at++;
    if (at < end && isDigit(bytes[at])) return SLOW; // a leading zero: not JSON
  } else {
    for (; at < end && isDigit(bytes[at]); at++, digits++) {
      if (digits < 15) head = head * 10 + (bytes[at] - ZERO);
      else if (digits < 19) tail = tail * 10 + (bytes[at] - ZERO);
    }
  }
  if (at < end && bytes[at] === DOT) {
    at++;
    if (at >= end || !isDigit(bytes[at])) return SLOW;
    // Zeros before the first significant digit only move the exponent.
    for (; at < end && isDigit(bytes[at]); at++, scale++) {
      if (digits === 0 && bytes[at] === ZERO) continue;
      if (digits < 15) head = head * 10 + (bytes[at] - ZERO);
      else if (digits < 19) tail = tail * 10 + (bytes[at] - ZERO);
      digits++;
    }
  }
  let exponent = 0;
  if (at < end && (bytes[at] === 0x65 || bytes[at] === 0x45)) {
    at++;
    const sign = bytes[at] === MINUS ? -1 : 1;
    if (bytes[at] === MINUS || bytes[at] === PLUS) at++;
    if (at >= end || !isDigit(bytes[at])) return SLOW;
    for (; at < end && isDigit(bytes[at]); at++) if (exponent < 100_000) exponent = exponent * 10 + (bytes[at] - ZERO);
    exponent *= sign;
  }
  const value = decimal(head, tail, digits, exponent - scale);
  if (value === value) scratch[NUMBER] = negative ? -value : value;
  else {
    text ??= bytes.toString('latin1', 0, end);
    const read = Number(text.slice(start, at));
    if (!Number.isFinite(read)) return SLOW;
    scratch[NUMBER] = read;
  }
  return at;
}

/** Reads a number or a plain string at `at` (after white space): the position after it, or SLOW. */
function skipValue(bytes: Buffer, at: number): number {
  at = skipSpace(bytes, at);
  return bytes[at] === QUOTE ? readString(bytes, at) : readNumber(bytes, at);
}

/** The keys of a flat object of numbers and plain strings, in order, or undefined when the message is not one (or has a repeated or forbidden key). */
function templateOf(bytes: Buffer, maxBytes: number): string[] | undefined {
  if (bytes.length > maxBytes) return undefined;
  text = undefined;
  let at = expect(bytes, 0, OPEN);
  const names: string[] = [];
  while (at !== SLOW) {
    at = expect(bytes, at, QUOTE);
    const close = at === SLOW ? SLOW : keyEnd(bytes, at);
    if (close === SLOW) return undefined;
    const name = bytes.toString('latin1', at, close);
    if (FORBIDDEN_KEYS.has(name) || names.includes(name)) return undefined;
    names.push(name);
    at = expect(bytes, close + 1, COLON);
    at = at === SLOW ? SLOW : skipValue(bytes, at);
    if (at === SLOW) return undefined;
    const closed = expect(bytes, at, CLOSE);
    if (closed !== SLOW) return skipSpace(bytes, closed) === bytes.length ? names : undefined;
    at = expect(bytes, at, COMMA);
  }
  return undefined;
}

/**
 * The position of the closing quote of the key that starts at `at` (after its opening quote) when that key
 * is `key`, else SLOW. One pass: `key` is a key `templateOf` read (no escape, control or non-ASCII byte, no
 * quote), so bytes equal to it followed by a quote are that key and nothing else (it was `keyEnd` then a
 * compare, two passes over each of the 11 keys of a ctr event).
 */
function keyAt(bytes: Buffer, at: number, key: Buffer): number {
  const close = at + key.length;
  if (close >= bytes.length || bytes[close] !== QUOTE) return SLOW;
  for (let i = 0; i < key.length; i++) if (bytes[at + i] !== key[i]) return SLOW;
  return close;
}

/** The columns a chunk is read into, and the interning tables of its string cells. */
interface Target {
  readonly columns: (Float64Array | undefined)[];
  readonly tables: readonly ColumnTable[];
  readonly rows: number;
}

/** Reads the value at `at` (after white space) into row `row` of column `c`: the position after it, or SLOW. */
function readCell(bytes: Buffer, at: number, target: Target, c: number, row: number): number {
  at = skipSpace(bytes, at);
  if (bytes[at] === QUOTE) {
    const end = readString(bytes, at);
    if (end !== SLOW) target.tables[c].intern(row, bytes, spans[START], end - 1, spans[HASH]);
    return end;
  }
  at = readNumber(bytes, at);
  if (at !== SLOW) (target.columns[c] ??= new Float64Array(target.rows).fill(NaN))[row] = scratch[NUMBER];
  return at;
}

/** Reads one message whose keys must be `keys` (as bytes), in order, into row `row` of the target; false when it is not such a message. */
function readRow(bytes: Buffer, keys: readonly Buffer[], target: Target, row: number): boolean {
  text = undefined;
  let at = expect(bytes, 0, OPEN);
  for (let c = 0; c < keys.length && at !== SLOW; c++) {
    if (c > 0) at = expect(bytes, at, COMMA);
    at = at === SLOW ? SLOW : expect(bytes, at, QUOTE);
    const close = at === SLOW ? SLOW : keyAt(bytes, at, keys[c]);
    if (close === SLOW) return false;
    at = expect(bytes, close + 1, COLON);
    at = at === SLOW ? SLOW : readCell(bytes, at, target, c, row);
  }
  at = at === SLOW ? SLOW : expect(bytes, at, CLOSE);
  return at !== SLOW && skipSpace(bytes, at) === bytes.length;
}

/** Messages tried for the keys before a chunk is left to the codec whole. */
const TEMPLATE_TRIES = 16;

/**
 * Reads the messages that are flat objects of numbers and plain strings, all with the keys of the first
 * such message in its order, into columns; undefined when none of the first 16 is (the caller then decodes
 * every message as before).
 */
export function readNumericColumns(values: readonly (Buffer | null)[], maxBytes: number): NumericColumns | undefined {
  let first = 0;
  let names: string[] | undefined;
  // Other shapes fail at their first odd value; 16 tries bound what that costs a chunk.
  for (; first < Math.min(values.length, TEMPLATE_TRIES) && names === undefined; first++) {
    const value = values[first];
    if (value !== null) names = templateOf(value, maxBytes);
  }
  if (names === undefined) return undefined;
  first--;
  const keys = names.map((name) => Buffer.from(name, 'latin1'));
  const n = values.length;
  const tables = names.map(columnTable);
  for (const table of tables) table.begin(n);
  const target: Target = { columns: names.map(() => undefined), tables, rows: n };
  const fast = new Uint8Array(n);
  for (let row = first; row < n; row++) {
    const value = values[row];
    if (value !== null && value.length <= maxBytes && readRow(value, keys, target, row)) fast[row] = 1;
    else forgetRow(target, row);
  }
  return { names, columns: target.columns, texts: tables.map((table) => table.end()), fast };
}

/**
 * Message `row`'s object as `JSON.parse` makes it of its bytes (`bytes`), from the columns: the same keys in
 * the same order (every fast message has the template's), the same numbers bit for bit and the same strings
 * (a fast string has no escape and is ASCII: its text is its bytes). A string that was not interned (its
 * column gave up on the chunk: an id, new in every message) is read from the bytes. Undefined when the
 * message is not fast.
 */
export function rowOfColumns({ names, columns, texts, fast }: NumericColumns, row: number, bytes: Buffer): Record<string, unknown> | undefined {
  if (fast[row] !== 1) return undefined;
  const value: Record<string, unknown> = {};
  let spans: Int32Array | undefined;
  for (let c = 0; c < names.length; c++) {
    const text = texts[c];
    const id = text === undefined ? -1 : text.ids[row];
    const number = columns[c]?.[row] ?? NaN;
    if (id >= 0) value[names[c]] = (text as TextColumn).strings[id];
    // NaN: the cell is a string (JSON has no NaN), here not interned.
    else if (number === number) value[names[c]] = number;
    else {
      spans ??= stringCells(bytes, names.length);
      value[names[c]] = bytes.toString('latin1', spans[2 * c], spans[2 * c + 1]);
    }
  }
  return value;
}

/**
 * Where each cell's string starts and ends (its quotes excluded) in a fast message; numbers' cells are left 0.
 * A fast message is flat and its keys and strings hold no quote (no escape): a colon outside quotes starts
 * the next cell, and a quote after it opens the cell's string, which the next quote closes.
 */
function stringCells(bytes: Buffer, cells: number): Int32Array {
  const spans = new Int32Array(2 * cells);
  let cell = -1;
  let valueNext = false;
  for (let at = 0; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) {
      const close = bytes.indexOf(QUOTE, at + 1);
      if (valueNext) {
        spans[2 * cell] = at + 1;
        spans[2 * cell + 1] = close;
      }
      valueNext = false;
      at = close;
    } else if (byte === COLON) {
      cell++;
      valueNext = true;
    } else if (!isSpace(byte)) valueNext = false;
  }
  return spans;
}

/** Clears what a message that turned out not to be fast left in the columns. */
function forgetRow({ columns, tables }: Target, row: number): void {
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c];
    if (column !== undefined) column[row] = NaN;
    tables[c].forget(row);
  }
}
