import { createCsvCodec, splitCsvLine } from '../../../connectors/codecs/csv';
import { ConfigError, NonFiniteError } from '../../../src/errors';
import { decodeError } from './decode-error';

const context = { topic: 'rows', partition: 0, offset: '17' };

describe('createCsvCodec', () => {
  const codec = createCsvCodec({ columns: ['id', 'x', 'label'], types: { x: 'number' } });

  it('round-trips records, quoting what needs it and numbers exactly', () => {
    const labels = ['plain', 'with,comma', 'with "quotes"', 'multi\nline', '', ' padded ', 'crlf\r\n'];
    // eslint-disable-next-line no-loss-of-precision -- a literal with more digits than a double holds, on purpose
    const numbers = [0, -0.1, 5e-324, Number.MAX_VALUE, 123456789.123456789, -1e-300];
    for (const label of labels) {
      for (const x of numbers) {
        const record = { id: `id-${x}`, x, label };
        expect(codec.decode(codec.encode(record), context)).toEqual(record);
      }
    }
  });

  it('writes RFC 4180 lines', () => {
    expect(codec.encode({ id: 'a', x: 1.5, label: 'say "hi", bye' }).toString()).toBe('a,1.5,"say ""hi"", bye"');
  });

  it('decodes with another delimiter, a trailing line break and spaces around numbers', () => {
    const tabs = createCsvCodec({ columns: ['a', 'b'], delimiter: '\t', types: { b: 'number' } });
    expect(tabs.decode(Buffer.from('x,y\t 2.5e3 \r\n'), context)).toEqual({ a: 'x,y', b: 2500 });
    expect(tabs.decode(Buffer.from('"q\tq"\t-4\n'), context)).toEqual({ a: 'q\tq', b: -4 });
    expect(codec.decode(Buffer.from('a,1,b\r'), context)).toEqual({ id: 'a', x: 1, label: 'b' });
  });

  it('rejects a wrong number of fields (SCHEMA), naming the position', () => {
    for (const line of ['a,1', 'a,1,b,c']) {
      const error = decodeError(() => codec.decode(Buffer.from(line), context));
      expect(error.code).toBe('SCHEMA');
      expect(error.message).toMatch(/^rows\/0@17: csv: expected 3 fields \(id, x, label\), got \d/);
    }
  });

  it.each(['abc', '', ' ', '0x10', '1,5', '1e', '--1'])('rejects %j in a numeric column (SCHEMA)', (field) => {
    const single = createCsvCodec({ columns: ['x'], types: { x: 'number' }, delimiter: ';' });
    const error = decodeError(() => single.decode(Buffer.from(field), context));
    expect(error.code).toBe('SCHEMA');
    expect(error.message).toContain('rows/0@17');
    expect(error.message).toContain('column "x"');
  });

  it.each(['NaN', '-inf', 'Infinity', '1e999', '-2e308'])('rejects %j in a numeric column (NONFINITE)', (field) => {
    const error = decodeError(() => codec.decode(Buffer.from(`a,${field},b`), context));
    expect(error.code).toBe('NONFINITE');
    expect(error.message).toContain('rows/0@17');
    expect(error.message).toContain(field);
  });

  it.each([
    ['an unclosed quote', 'a,1,"open'],
    ['a quote inside an unquoted field', 'a,1,b"c'],
    ['text after a closing quote', 'a,1,"b"c'],
  ])('rejects %s (MALFORMED)', (_what, line) => {
    const error = decodeError(() => codec.decode(Buffer.from(line), context));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toContain('rows/0@17');
  });

  it('rejects invalid UTF-8 (MALFORMED)', () => {
    expect(decodeError(() => codec.decode(Buffer.from([0x61, 0x2c, 0x31, 0x2c, 0xc3]), context)).code).toBe('MALFORMED');
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => codec.encode({ id: 'a', x: Number.POSITIVE_INFINITY, label: 'b' })).toThrow(NonFiniteError);
    expect(() => codec.encode({ id: 'a', x: '1', label: 'b' })).toThrow('column "x" must be a number');
    expect(() => codec.encode({ id: 'a', x: 1 })).toThrow('column "label" must be a string');
  });

  it('validates its options at construction', () => {
    expect(() => createCsvCodec({ columns: [] })).toThrow(ConfigError);
    expect(() => createCsvCodec({ columns: ['a', 'a'] })).toThrow('appears twice');
    expect(() => createCsvCodec({ columns: ['a', '__proto__'] })).toThrow('forbidden');
    expect(() => createCsvCodec({ columns: ['a'], types: { b: 'number' } })).toThrow('not among the columns');
    for (const delimiter of ['', ';;', '"', '\n']) expect(() => createCsvCodec({ columns: ['a'], delimiter })).toThrow(ConfigError);
  });
});

describe('splitCsvLine', () => {
  it('splits quoted and empty fields', () => {
    expect(splitCsvLine('"",a,,"b""",', ',')).toEqual(['', 'a', '', 'b"', '']);
    expect(splitCsvLine('', ',')).toEqual(['']);
  });
});
