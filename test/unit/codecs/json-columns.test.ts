/** The JSON column reader against JSON.parse: every number bit for bit, and only what JSON.parse reads as a flat object of numbers. */
import { readNumericColumns } from '../../../connectors/codecs/json-columns';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { createRandom } from '../../../src/random';

/** A seeded generator (mulberry32), so that a failure names a case that can be run again. */
const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)];
const digitsOf = (next: () => number, n: number, first = '123456789') =>
  pick(next, [...first]) + Array.from({ length: n - 1 }, () => pick(next, [...'0123456789'])).join('');

/** A JSON number text of many shapes: doubles as JSON.stringify writes them, long mantissas, exponents, zeros, halfway cases. */
function numberText(next: () => number): string {
  const sign = next() < 0.3 ? '-' : '';
  switch (Math.floor(next() * 7)) {
    case 0:
      return JSON.stringify((next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    case 1:
      return JSON.stringify(next());
    case 2:
      return `${sign}${digitsOf(next, 1 + Math.floor(next() * 25))}`;
    case 3:
      return `${sign}0.${'0'.repeat(Math.floor(next() * 6))}${digitsOf(next, 1 + Math.floor(next() * 22))}`;
    case 4: {
      const e = Math.floor(next() * 60 - 30);
      return `${sign}${digitsOf(next, 1)}.${digitsOf(next, 1 + Math.floor(next() * 20), '0123456789')}${pick(next, ['e', 'E'])}${e < 0 ? '-' : pick(next, ['', '+'])}${Math.abs(e)}`;
    }
    case 5:
      return pick(
        next,
        [
          '0',
          '-0',
          '0.0',
          '-0.0e5',
          '0e-400',
          '1e22',
          '1e23',
          '9007199254740993',
          '9007199254740992.5',
          '2.2250738585072014e-308',
          '1.7976931348623157e308',
          '123456789012345678901234567890',
          '0.1',
          '5e-324',
          '4.9406564584124654e-324',
          '1e-22',
          '8.589973e9',
          '18446744073709551615',
          '9999999999999999999',
          '0.30000000000000004',
          '1e308',
          '1.0000000000000002',
          '0.9999999999999999',
        ].map((t) => t),
      );
    default: {
      // Near a halfway point between two doubles: the decimal expansion of (d + ulp/2), cut at 17-19 digits.
      const d = next() * 2 ** Math.floor(next() * 60 - 30);
      const half = d + d * 2 ** -53;
      return `${sign}${half.toPrecision(17 + Math.floor(next() * 3))}`.replace('+', '');
    }
  }
}

const buffers = (texts: string[]) => texts.map((text) => Buffer.from(text));

describe('readNumericColumns', () => {
  it('reads every number as JSON.parse does, bit for bit (20,000 seeded random and edge texts)', () => {
    const next = createRandom(21).next;
    const texts = Array.from({ length: 20_000 }, () => numberText(next));
    // One message per text, keyed like a two-field event so keys and separators are read too.
    const messages = texts.map((text) => `{"x": ${text} ,"y":1}`);
    const read = readNumericColumns(buffers(messages), 1_048_576)!;
    let fast = 0;
    texts.forEach((text, i) => {
      const parsed = JSON.parse(text) as number;
      if (!Number.isFinite(parsed)) {
        expect([text, read.fast[i]]).toEqual([text, 0]);
        return;
      }
      expect([text, read.fast[i]]).toEqual([text, 1]);
      fast++;
      if (!Object.is(read.columns[0]![i], parsed)) throw new Error(`${text}: read ${read.columns[0]![i]}, JSON.parse ${parsed}`);
    });
    expect(fast).toBeGreaterThan(19_000);
  });

  it('reads flat objects of numbers with the first fast message keys, in its order, and leaves everything else to JSON.parse', () => {
    const cases: Array<[string, boolean]> = [
      ['{"a":1,"b":2.5,"y":-3e2}', true],
      [' \n{ "a" : 1 ,\t"b":2 , "y":3 }\r\n', true],
      ['{"a":1,"b":2}', false], // a key missing
      ['{"a":1,"b":2,"y":3,"z":4}', false], // a key more
      ['{"b":2,"a":1,"y":3}', false], // another order
      ['{"a":1,"b":2,"y":3,"a":5}', false], // a repeated key: JSON.parse keeps the last
      ['{"a":1,"b":"2","y":3}', true], // a plain string: read as an id (json-strings.test.ts)
      ['{"a":1,"b":"\\u0032","y":3}', false], // an escape in a string
      ['{"a":1,"b":null,"y":3}', false],
      ['{"a":1,"b":true,"y":3}', false],
      ['{"a":1,"b":[2],"y":3}', false],
      ['{"a":1,"b":{"c":2},"y":3}', false],
      ['{"\\u0061":1,"b":2,"y":3}', false], // an escaped key
      ['{"a":1,"b":2,"y":3', false], // bad JSON
      ['{"a":1,"b":2,"y":3}x', false],
      ['{"a":01,"b":2,"y":3}', false],
      ['{"a":1.,"b":2,"y":3}', false],
      ['{"a":.5,"b":2,"y":3}', false],
      ['{"a":+1,"b":2,"y":3}', false],
      ['{"a":1e,"b":2,"y":3}', false],
      ['{"a":1e400,"b":2,"y":3}', false], // Infinity: the codec refuses it (NONFINITE)
      ['{"a":NaN,"b":2,"y":3}', false],
      ['{"a":1,,"b":2,"y":3}', false],
      ['{"a":1,"b":2,"y":3,}', false],
      ['\ufeff{"a":1,"b":2,"y":3}', false], // a BOM: the codec strips it
      ['{"a":1,"b":2,"y":3} {}', false],
      ['{"a":-0,"b":0e5,"y":1E-2}', true],
    ];
    const read = readNumericColumns(buffers(cases.map(([text]) => text)), 1_048_576)!;
    expect(read.names).toEqual(['a', 'b', 'y']);
    cases.forEach(([text, fast], i) => {
      expect([text, read.fast[i] === 1]).toEqual([text, fast]);
      if (!fast) return;
      const parsed = JSON.parse(text) as Record<string, number>;
      read.names.forEach((name, c) => {
        const cell = typeof parsed[name] === 'string' ? read.texts[c]!.strings[read.texts[c]!.ids[i]] : read.columns[c]![i];
        expect([text, name, Object.is(cell, parsed[name])]).toEqual([text, name, true]);
      });
    });
  });

  it('takes its keys from the first message that is a flat object of numbers, and refuses forbidden, repeated and non-ASCII keys', () => {
    const read = readNumericColumns(buffers(['{"a":null}', '[1]', '{"p":1,"q":2}', '{"p":3,"q":4}']), 1_048_576)!;
    expect(read.names).toEqual(['p', 'q']);
    expect(Array.from(read.fast)).toEqual([0, 0, 1, 1]);
    expect(Array.from(read.columns[1]!)).toEqual([NaN, NaN, 2, 4]);
    for (const text of ['{"__proto__":1}', '{"constructor":1}', '{"a":1,"a":2}', '{"é":1}', '{}', 'null', '3']) {
      expect([text, readNumericColumns(buffers([text]), 1_048_576)]).toEqual([text, undefined]);
    }
  });

  it('leaves tombstones and messages over maxBytes to the codec', () => {
    const read = readNumericColumns([Buffer.from('{"a":1}'), null, Buffer.from('{"a":12345}')], 10)!;
    expect(Array.from(read.fast)).toEqual([1, 0, 0]);
    expect(readNumericColumns([null, Buffer.from('{"a":12345}')], 10)).toBeUndefined();
  });

  it('is what the JSON codec reads columns with: every fast message decodes to the same numbers', () => {
    const codec = createJsonCodec({ maxBytes: 64 });
    const texts = ['{"a":0.1,"y":2}', '{"a":"no\\n","y":2}', `{"a":${'1'.repeat(70)},"y":2}`, '{"a":-1.5e-7,"y":0}'];
    const read = codec.readColumns!(buffers(texts))!;
    expect(Array.from(read.fast)).toEqual([1, 0, 0, 1]);
    for (const i of [0, 3]) {
      const decoded = codec.decode(Buffer.from(texts[i]), { topic: 't', partition: 0, offset: String(i) }) as Record<string, number>;
      expect([read.columns[0]![i], read.columns[1]![i]]).toEqual([decoded.a, decoded.y]);
    }
  });
});

describe('readNumericColumns on other shapes', () => {
  it('gives up on a chunk whose first 16 messages are not flat objects of numbers and strings, and reads one whose 16th is', () => {
    const strings = Array.from({ length: 16 }, (_, i) => `{"id":[${i}]}`);
    expect(readNumericColumns(buffers([...strings, '{"a":1}']), 1_048_576)).toBeUndefined();
    const read = readNumericColumns(buffers([...strings.slice(1), '{"a":1}', '{"a":2}']), 1_048_576)!;
    expect(Array.from(read.fast.slice(15))).toEqual([1, 1]);
  });
});
