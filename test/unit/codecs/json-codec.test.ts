import { createJsonCodec, type JsonValue } from '../../../connectors/codecs/json';
import { ConfigError, NonFiniteError, StreamlearnError } from '../../../src/errors';
import { createRandom } from '../../../src/random';
import { decodeError } from './decode-error';

const context = { topic: 'events', partition: 3, offset: '42' };

function randomValue(random: ReturnType<typeof createRandom>, depth: number): JsonValue {
  const kind = random.nextInt(depth > 3 ? 4 : 6);
  if (kind === 0) return null;
  if (kind === 1) return random.next() < 0.5;
  if (kind === 2) return random.gaussian() * 10 ** random.nextInt(300);
  if (kind === 3) return `s${random.nextInt(1000)}\u00e9"\\\n`;
  if (kind === 4) return Array.from({ length: random.nextInt(5) }, () => randomValue(random, depth + 1));
  const object: Record<string, JsonValue> = {};
  for (let i = random.nextInt(5); i > 0; i--) object[`k${random.nextInt(100)}`] = randomValue(random, depth + 1);
  return object;
}

describe('createJsonCodec', () => {
  const codec = createJsonCodec();

  it('round-trips values, numbers bit for bit', () => {
    const random = createRandom(7);
    for (let i = 0; i < 200; i++) {
      const value = randomValue(random, 0);
      expect(codec.decode(codec.encode(value), context)).toEqual(value);
    }
  });

  it('rejects messages over maxBytes before parsing (OVERSIZE)', () => {
    const small = createJsonCodec({ maxBytes: 8 });
    expect(small.decode(Buffer.from('[1,2,3]'), context)).toEqual([1, 2, 3]);
    const error = decodeError(() => small.decode(Buffer.from('[1,2,3,4]'), context));
    expect(error.code).toBe('OVERSIZE');
    expect(error.message).toContain('events/3@42');
    expect(error.message).toContain('9 bytes');
  });

  it('rejects invalid JSON and invalid UTF-8 (MALFORMED), naming the position', () => {
    for (const bytes of [Buffer.from('{"a": 1'), Buffer.from(''), Buffer.from([0x22, 0xff, 0xfe, 0x22])]) {
      const error = decodeError(() => codec.decode(bytes, context));
      expect(error.code).toBe('MALFORMED');
      expect(error.message).toMatch(/^events\/3@42: json: /);
      expect(error.retriable).toBe(false);
    }
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the key %s at any depth (FORBIDDEN_KEY), naming its path', (key) => {
    const text = `{"a":{"b":[0,{"ok":1,"${key}":{"polluted":true}}]}}`;
    const error = decodeError(() => codec.decode(Buffer.from(text), context));
    expect(error.code).toBe('FORBIDDEN_KEY');
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain('$.a.b[1]');
    expect(error.message).toContain('events/3@42');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects forbidden keys spelled with unicode escapes, and at the top level', () => {
    expect(decodeError(() => codec.decode(Buffer.from('{"\\u005f_proto__":{}}'), context)).code).toBe('FORBIDDEN_KEY');
    expect(decodeError(() => codec.decode(Buffer.from('{"constructor":1}'), context)).message).toContain('at $');
  });

  it('accepts the forbidden words as values and inside longer keys', () => {
    const value = { proto: '__proto__', constructors: 'prototype', 'a.__proto__': 1 };
    expect(codec.decode(Buffer.from(JSON.stringify(value)), context)).toEqual(value);
  });

  it('rejects numbers that overflow to Infinity (NONFINITE), keeps underflow to zero', () => {
    const error = decodeError(() => codec.decode(Buffer.from('{"x":[1, -1e400]}'), context));
    expect(error.code).toBe('NONFINITE');
    expect(error.message).toContain('-Infinity at $.x[1]');
    expect(decodeError(() => codec.decode(Buffer.from('1e309'), context)).code).toBe('NONFINITE');
    expect(codec.decode(Buffer.from('[1e-400, 1.7976931348623157e308]'), context)).toEqual([0, Number.MAX_VALUE]);
  });

  it('rejects nesting deeper than maxDepth (OVERSIZE) without overflowing the stack', () => {
    const nested = (levels: number) => Buffer.from('['.repeat(levels) + ']'.repeat(levels));
    const shallow = createJsonCodec({ maxDepth: 3 });
    expect(shallow.decode(nested(3), context)).toEqual([[[]]]);
    expect(decodeError(() => shallow.decode(nested(4), context)).code).toBe('OVERSIZE');
    const error = decodeError(() => codec.decode(nested(200_000), context));
    expect(error.code).toBe('OVERSIZE');
    expect(error.message).toContain('64 levels');
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => codec.encode({ x: [1, Number.NaN] })).toThrow(NonFiniteError);
    expect(() => codec.encode({ x: [1, Number.NaN] })).toThrow('NaN at $.x[1]');
    const polluting = JSON.parse('{"__proto__":{}}') as JsonValue;
    expect(() => codec.encode(polluting)).toThrow(StreamlearnError);
  });

  it('validates its options at construction', () => {
    expect(() => createJsonCodec({ maxBytes: 0 })).toThrow(ConfigError);
    expect(() => createJsonCodec({ maxDepth: 1.5 })).toThrow(ConfigError);
  });
});
