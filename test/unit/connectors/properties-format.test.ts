import { parseProperties } from '../../../connectors/kafka/properties-format';
import { ConfigError } from '../../../src/errors';

/**
 * Java's `Properties.load` rules, one at a time. Each expected map below is what Java 17's `Properties.load`
 * returned for the same text (checked with a throw-away `java P.java` while writing these tests).
 */
const read = (text: string) => Object.fromEntries([...parseProperties(text, 'p')].map(([key, property]) => [key, property.value]));
const origins = (text: string) => Object.fromEntries([...parseProperties(text, 'p')].map(([key, property]) => [key, property.origin]));

function refusal(text: string): string {
  try {
    parseProperties(text, 'client.properties');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected the text to be refused');
}

describe('parseProperties: \\u escapes', () => {
  it('refuses \\u without 4 hex digits (Java: "Malformed \\uxxxx encoding"), naming the file and line, in a value or a key', () => {
    const malformed = /^client\.properties:2: malformed \\u escape \(\\u must be followed by 4 hex digits\)$/;
    expect(refusal('a=1\nk=abc\\u')).toMatch(malformed);
    expect(refusal('a=1\nk=\\u12')).toMatch(malformed);
    expect(refusal('a=1\nk=\\u12zz')).toMatch(malformed);
    expect(refusal('a=1\nk=\\uG000')).toMatch(malformed);
    expect(refusal('a=1\n\\u=1')).toMatch(malformed);
  });

  it('decodes \\uXXXX in keys and values, upper or lower case, and reads what follows the 4 digits as text', () => {
    expect(read('\\u0041=1')).toEqual({ A: '1' });
    expect(read('k=\\u00e9\\u00C9\\u00411')).toEqual({ k: 'éÉA1' });
  });

  it('keeps any other escaped character as itself, a doubled backslash as one backslash', () => {
    expect(read('k=\\b\\\\')).toEqual({ k: 'b\\' });
    expect(read('k=\\t\\n\\r\\f|\\#\\!\\ \\x')).toEqual({ k: '\t\n\r\f|#! x' });
  });
});

describe('parseProperties: lines', () => {
  it('skips # and ! comments (after leading blanks) and blank lines, but keeps # inside a value', () => {
    expect(read('# c\n  ! c\n\n \t \na=b#c\n!x=1')).toEqual({ a: 'b#c' });
  });

  it('never continues a comment line, even one ending in a backslash', () => {
    expect(read('# c \\\na=1')).toEqual({ a: '1' });
  });

  it('continues a line ending in an odd number of backslashes, dropping the next line’s leading blanks', () => {
    expect(read('a=x\\\\\nb=2')).toEqual({ a: 'x\\', b: '2' });
    expect(read('a=x\\\\\\\n  y')).toEqual({ a: 'x\\y' });
    expect(read('a=1\\\n \t\fb')).toEqual({ a: '1b' });
    expect(read('a=1\\\n#b')).toEqual({ a: '1#b' });
    expect(read('a=1\\\n  \\\n  2\nb=3')).toEqual({ a: '12', b: '3' });
    expect(read(' \\\na=1')).toEqual({ a: '1' });
    // Only the blanks at the start of the next line are dropped, not ones inside it.
    expect(read('a=x\\\nb c\\\n  d e')).toEqual({ a: 'xb cd e' });
  });

  it('ends a continued line at an empty line, and at the end of the text', () => {
    expect(read('a=1\\\n\nb=2')).toEqual({ a: '1', b: '2' });
    expect(read('a=1\\')).toEqual({ a: '1' });
    expect(read('b=2\na=1\\')).toEqual({ b: '2', a: '1' });
  });

  it('splits lines at \\n, \\r\\n and \\r, and names each property by the line it starts on', () => {
    expect(read('a=1\r\nb=2\rc=3')).toEqual({ a: '1', b: '2', c: '3' });
    expect(origins('# head\r\n\r\na=1\\\r\n  2\r\nb=3')).toEqual({ a: 'p:3', b: 'p:5' });
  });

  it('lets a later key win, with its own line as origin', () => {
    expect(read('a=1\na=2')).toEqual({ a: '2' });
    expect(origins('a=1\na=2')).toEqual({ a: 'p:2' });
  });
});

describe('parseProperties: key and value', () => {
  it('ends the key at the first unescaped =, : or blank, and drops blanks and one separator after it', () => {
    expect(read('key   value')).toEqual({ key: 'value' });
    expect(read('key\t=\tvalue')).toEqual({ key: 'value' });
    expect(read('key\f:\fvalue')).toEqual({ key: 'value' });
    expect(read('key = = v')).toEqual({ key: '= v' });
    expect(read('key:=v')).toEqual({ key: '=v' });
    expect(read('k:v:w')).toEqual({ k: 'v:w' });
    expect(read('key')).toEqual({ key: '' });
    expect(read('   a=1')).toEqual({ a: '1' });
  });

  it('keeps the value’s trailing blanks', () => {
    expect(read('a=v  ')).toEqual({ a: 'v  ' });
  });

  it('reads escaped separators and blanks as part of the key', () => {
    expect(read('a\\:b\\=c\\ d=v')).toEqual({ 'a:b=c d': 'v' });
  });

  it('takes only space, tab and form feed as blanks: a no-break space or a vertical tab stays in the key', () => {
    expect(read('a\u00a0b=1')).toEqual({ 'a\u00a0b': '1' });
    expect(read('a\u000bb=1')).toEqual({ 'a\u000bb': '1' });
    expect(read('a=\u00a0v')).toEqual({ a: '\u00a0v' });
  });

  it('refuses a line without a property name (Java would store the empty key; no Kafka property has one)', () => {
    expect(refusal('a=1\n\n=v')).toBe('client.properties:3: a line without a property name');
    expect(refusal(': v')).toBe('client.properties:1: a line without a property name');
  });
});
