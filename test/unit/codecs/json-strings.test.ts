/** String cells of the JSON column reader: exactly JSON.parse's strings, only plain ones, and a bounded intern table. */
import { INTERNED_COLUMNS, INTERNED_PER_COLUMN, internedSizes } from '../../../connectors/codecs/json-categories';
import { readNumericColumns, type NumericColumns } from '../../../connectors/codecs/json-columns';
import { createRandom } from '../../../src/random';

/** Message `row`'s cell of column `c` as the reader has it: a string, a number, or undefined when neither. */
function cell(read: NumericColumns, c: number, row: number): string | number | undefined {
  const text = read.texts[c];
  const id = text === undefined ? -1 : text.ids[row];
  if (id >= 0) return text!.strings[id];
  const number = read.columns[c]?.[row];
  return number === undefined || Number.isNaN(number) ? undefined : number;
}

const KEYS = ['a', 'b', 'y'];
const PLAIN = ' !#$%&()*+,-./0123456789:;<=>?@ABCXYZ[]^_`abcxyz{|}~\x7f';

describe('readNumericColumns on strings', () => {
  it('reads plain ASCII strings as JSON.parse does, and leaves escapes, control and non-ASCII bytes, null and booleans to it (5,000 seeded messages)', () => {
    const next = createRandom(12).next;
    const plain = () => Array.from({ length: Math.floor(next() * 10) }, () => PLAIN[Math.floor(next() * PLAIN.length)]).join('');
    // Each odd value makes its message the codec's; `JSON.stringify` writes the escapes.
    const odd = ['a"b', 'a\\b', 'tab\there', 'new\nline', 'é', '日本', '\u0001', '😀', null, true, false, [], {}, ['x']];
    const texts: string[] = [];
    const expectedFast: boolean[] = [];
    for (let i = 0; i < 5000; i++) {
      const isOdd = next() < 0.2;
      const values = KEYS.map(() => (next() < 0.5 ? plain() : Math.round((next() - 0.5) * 1e6) / 100));
      if (isOdd) values[Math.floor(next() * 2)] = odd[Math.floor(next() * odd.length)] as never;
      texts.push(JSON.stringify(Object.fromEntries(KEYS.map((key, k) => [key, values[k]]))));
      expectedFast.push(!isOdd);
    }
    // A literal `\u` escape of a plain letter gives the same string after JSON.parse, but is still left to it.
    texts.push('{"a":"\\u0061","b":"b","y":1}');
    expectedFast.push(false);
    const read = readNumericColumns(
      texts.map((text) => Buffer.from(text)),
      1_048_576,
    )!;
    expect(read.names).toEqual(KEYS);
    texts.forEach((text, row) => {
      expect([text, read.fast[row] === 1]).toEqual([text, expectedFast[row]]);
      if (read.fast[row] === 0) {
        KEYS.forEach((_, c) => expect([text, cell(read, c, row)]).toEqual([text, undefined]));
        return;
      }
      const parsed = JSON.parse(text) as Record<string, string | number>;
      KEYS.forEach((key, c) => expect([text, key, Object.is(cell(read, c, row), parsed[key])]).toEqual([text, key, true]));
    });
  });

  it('gives each distinct string of a chunk one id, and the same string object to every chunk', () => {
    const chunk = (labels: string[]) =>
      readNumericColumns(
        labels.map((label, i) => Buffer.from(`{"k":"${label}","i":${i}}`)),
        1_048_576,
      )!;
    const first = chunk(['p', 'q', 'p', 'r', 'q']);
    expect(Array.from(first.texts[0]!.ids)).toEqual([0, 1, 0, 2, 1]);
    expect(first.texts[0]!.strings).toEqual(['p', 'q', 'r']);
    expect(first.texts[1]).toBeUndefined();
    const second = chunk(['r', 'p']);
    expect(second.texts[0]!.strings).toEqual(['r', 'p']);
    expect(Object.is(second.texts[0]!.strings[0], first.texts[0]!.strings[2])).toBe(true);
  });

  it('keeps memory flat on an endless stream of new categories: bounded tables, and an id column stops being interned', () => {
    let serial = 0;
    let idChunks = 0;
    for (let c = 0; c < 200; c++) {
      // `id` always new, `zip` cycling over 60,000 values (more than a table holds), `kind` over 10.
      const values = Array.from({ length: 1000 }, (_, i) => {
        serial++;
        return Buffer.from(`{"id":"e${serial}","zip":"z${(serial * 7919) % 60_000}","kind":"k${i % 10}","y":${i % 2}}`);
      });
      const read = readNumericColumns(values, 1_048_576)!;
      expect(read.fast.every((fast) => fast === 1)).toBe(true);
      expect(read.texts[2]!.strings.length).toBe(10);
      // An id column gives up after 1,024 new values (in the second chunk) and is tried again later and later.
      if (read.texts[0] !== undefined) idChunks++;
      const zip = read.texts[1];
      if (zip !== undefined) values.forEach((value, row) => expect(zip.strings[zip.ids[row]]).toBe((JSON.parse(value.toString()) as { zip: string }).zip));
      const { columns, strings } = internedSizes();
      expect(columns).toBeLessThanOrEqual(INTERNED_COLUMNS);
      expect(strings).toBeLessThanOrEqual(columns * INTERNED_PER_COLUMN);
    }
    expect(internedSizes().strings).toBeLessThan(3 * INTERNED_PER_COLUMN);
    expect(idChunks).toBeGreaterThan(0);
    // Tried again after 16, then 32, then 64 chunks: interned in chunks 0, 18, 52 and 118 only.
    expect(idChunks).toBe(4);
  });

  it('forgets columns beyond the bound: keys come from the data', () => {
    for (let i = 0; i < INTERNED_COLUMNS + 10; i++) readNumericColumns([Buffer.from(`{"key${i}":"v"}`)], 1_048_576);
    expect(internedSizes().columns).toBeLessThanOrEqual(INTERNED_COLUMNS);
  });
});
