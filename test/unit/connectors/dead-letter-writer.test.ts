import { createHash } from 'node:crypto';
import { DEAD_LETTER_HEADERS, createDeadLetterWriter, deadLetterOf, errorCode, letterMessage, type DeadLetterInput } from '../../../connectors/dead-letter';
import { createJsonCodec } from '../../../connectors/codecs/json';
import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { DeadLetterError, DecodeError } from '../../../src/errors';

const letter = (value: Buffer, headers: DeadLetterInput['raw']['headers'] = { trace: Buffer.from([0xff, 0x00]) }): DeadLetterInput => ({
  raw: { key: Buffer.from([0x80, 0x81]), value, headers },
  error: new DecodeError('MALFORMED', 'events/3@42: json: bytes are not valid UTF-8'),
  position: { topic: 'events', partition: 3, offset: '42' },
});

/** A broker error as kafkajs raises it, wrapped the way the sink wraps it. */
const protocolError = (type: string, retriable: boolean) =>
  Object.assign(new Error(`sending 1 messages to dlq: ${type}`), { cause: Object.assign(new Error(type), { type, retriable }) });

function fakeSink(limit: number, failFirst = 0, failure = protocolError('LEADER_NOT_AVAILABLE', true)) {
  const sent: OutgoingMessage[] = [];
  let calls = 0;
  return {
    sent,
    calls: () => calls,
    async send(_topic: string, messages: OutgoingMessage[]) {
      calls++;
      if (calls <= failFirst) throw failure;
      const size = messages.reduce((sum, m) => sum + (m.value?.length ?? 0) + 300, 0);
      if (size > limit) throw protocolError('MESSAGE_TOO_LARGE', false);
      sent.push(...messages);
    },
  };
}

describe('letterMessage', () => {
  it('keeps key, value and headers byte for byte when they fit, and adds the x- headers', () => {
    const input = letter(Buffer.from('{"x": 1.0, "y":  2e0}'));
    const message = letterMessage(input, 1 << 20);
    expect(message.key).toBe(input.raw.key);
    expect(message.value).toBe(input.raw.value);
    expect(message.headers).toMatchObject({
      trace: input.raw.headers.trace,
      'x-error-code': 'MALFORMED',
      'x-source-topic': 'events',
      'x-source-partition': '3',
      'x-source-offset': '42',
    });
    expect(message.headers?.[DEAD_LETTER_HEADERS.truncated]).toBeUndefined();
  });

  it('truncates a value too large for the limit, marked with its size and SHA-256', () => {
    const value = Buffer.alloc(100_000, 7);
    value[99_999] = 1;
    const message = letterMessage(letter(value), 10_000);
    const sent = message.value as Buffer;
    expect(sent.length).toBeGreaterThan(8_000);
    expect(sent.length).toBeLessThan(10_000);
    expect(sent.equals(value.subarray(0, sent.length))).toBe(true);
    expect(message.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.truncated]: 'true',
      [DEAD_LETTER_HEADERS.originalSize]: '100000',
      [DEAD_LETTER_HEADERS.originalSha256]: createHash('sha256').update(value).digest('hex'),
      trace: Buffer.from([0xff, 0x00]),
    });
  });

  it('leaves out original headers that alone exceed the limit, and counts them', () => {
    const message = letterMessage(letter(Buffer.from('v'), { huge: Buffer.alloc(5000) }), 4000);
    expect(message.headers?.huge).toBeUndefined();
    expect(message.headers?.[DEAD_LETTER_HEADERS.headersDropped]).toBe('1');
  });
});

describe('createDeadLetterWriter', () => {
  it('resends a letter the broker finds too large alone and smaller, until it fits', async () => {
    const sink = fakeSink(5_000);
    await createDeadLetterWriter({ sink, topic: 'dlq' }).write(letter(Buffer.alloc(200_000, 1)));
    expect(sink.sent).toHaveLength(1);
    expect(sink.sent[0].headers?.[DEAD_LETTER_HEADERS.truncated]).toBe('true');
    expect((sink.sent[0].value as Buffer).length).toBeLessThan(5_000);
  });

  it('retries other failures a bounded number of times, then stops with one line naming the topic and offset', async () => {
    const sink = fakeSink(1 << 20, Infinity);
    const writer = createDeadLetterWriter({ sink, topic: 'dlq', retry: { retries: 3, initialDelayMs: 1 } });
    const failure = await writer.write(letter(Buffer.from('x'))).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DeadLetterError);
    expect((failure as Error).message).toMatch(
      /^cannot dead-letter events\/3@42 to "dlq" \(4 attempts\): .*LEADER_NOT_AVAILABLE.*; its offset is not committed/,
    );
    expect((failure as Error).message).not.toContain('\n');
    expect(sink.calls()).toBe(4);
  });

  it('retries even errors kafkajs calls fatal, and succeeds when the broker recovers', async () => {
    const sink = fakeSink(1 << 20, 2, protocolError('TOPIC_AUTHORIZATION_FAILED', false));
    await createDeadLetterWriter({ sink, topic: 'dlq', retry: { retries: 3, initialDelayMs: 1 } }).write(letter(Buffer.from('x')));
    expect(sink.sent).toHaveLength(1);
  });

  it('gives up when even the headers alone are too large', async () => {
    const sink = fakeSink(10);
    await expect(createDeadLetterWriter({ sink, topic: 'dlq' }).write(letter(Buffer.from('x')))).rejects.toThrow(/too large even at/);
  });
});

describe('deadLetterOf', () => {
  const record = { topic: 'events', partition: 1, offset: '9', key: 'k', headers: { trace: 'abc' }, timestamp: 0, value: { x: 1 } };
  const error = new DecodeError('SCHEMA', 'events/1@9: label field "y" is missing');

  it('keeps the original bytes of a record that has them', () => {
    const raw = { key: Buffer.from('k'), value: Buffer.from('{"x":1}'), headers: {} };
    expect(deadLetterOf({ ...record, raw }, error)).toEqual({ raw, error, position: { topic: 'events', partition: 1, offset: '9' } });
  });

  it('re-encodes a record that never was bytes, and says so in x-reencoded', () => {
    const letter = deadLetterOf(record, error, createJsonCodec());
    expect(letter.raw).toEqual({ key: Buffer.from('k'), value: Buffer.from('{"x":1}'), headers: { trace: Buffer.from('abc') } });
    expect(letter.extraHeaders).toEqual({ [DEAD_LETTER_HEADERS.reencoded]: 'true' });
    expect(deadLetterOf({ ...record, key: null }, error, createJsonCodec()).raw.key).toBeNull();
  });

  it('says why it could not re-encode: no codec, or the codec failed', () => {
    expect(deadLetterOf(record, error).extraHeaders).toEqual({ [DEAD_LETTER_HEADERS.reencoded]: 'failed: no codec' });
    expect(deadLetterOf(record, error).raw.value).toBeNull();
    const failing = {
      name: 'broken',
      encode: () => {
        throw new Error('x'.repeat(300));
      },
      decode: () => null,
    };
    expect(deadLetterOf(record, error, failing).extraHeaders).toEqual({ [DEAD_LETTER_HEADERS.reencoded]: `failed: ${'x'.repeat(200)}` });
  });
});

describe('errorCode', () => {
  it('takes a streamlearn error’s code, and UNEXPECTED for anything else', () => {
    expect(errorCode(new DecodeError('OVERSIZE', 'too big'))).toBe('OVERSIZE');
    expect(errorCode(new Error('plain'))).toBe('UNEXPECTED');
    expect(errorCode('text')).toBe('UNEXPECTED');
  });
});

describe('dead letters at their edges', () => {
  it('writes the error message on one line, cut to 2,000 characters; extra headers never replace the x- ones', () => {
    const input = {
      ...letter(Buffer.from('v')),
      error: new Error(`first\n  second\r\n${'z'.repeat(3000)}`),
      extraHeaders: { 'x-source-rows': '1,3', 'x-error-code': 'FAKE' },
    };
    const headers = letterMessage(input, 1 << 20).headers!;
    expect(headers['x-error-message']).toBe(`first second ${'z'.repeat(2000 - 'first second '.length)}`);
    expect(headers['x-error-code']).toBe('UNEXPECTED');
    expect(headers['x-source-rows']).toBe('1,3');
  });

  it('keeps repeated original headers, and a null value, when they fit', () => {
    const input = {
      ...letter(Buffer.from('v'), { seen: [Buffer.from('a'), Buffer.from('b')] }),
      raw: { key: null, value: null, headers: { seen: [Buffer.from('a')] } },
    };
    const message = letterMessage(input, 1 << 20);
    expect(message.key).toBeNull();
    expect(message.value).toBeNull();
    expect(message.headers?.seen).toEqual([Buffer.from('a')]);
  });

  it('gives a truncated letter every byte the limit leaves: one byte more of limit, one byte more of value', () => {
    const value = Buffer.alloc(50_000, 3);
    const lengths = [9_000, 9_001, 9_002].map((limit) => (letterMessage(letter(value), limit).value as Buffer).length);
    expect(lengths[1] - lengths[0]).toBe(1);
    expect(lengths[2] - lengths[1]).toBe(1);
  });

  it('counts each value of a repeated header toward the limit', () => {
    const one = letterMessage(letter(Buffer.alloc(50_000), { h: [Buffer.alloc(100)] }), 9_000).value as Buffer;
    const two = letterMessage(letter(Buffer.alloc(50_000), { h: [Buffer.alloc(100), Buffer.alloc(100)] }), 9_000).value as Buffer;
    expect(one.length - two.length).toBeGreaterThanOrEqual(100);
  });

  it('without the original headers, keeps what fits of the value, or none of it', () => {
    const big = { huge: Buffer.alloc(5000) };
    const some = letterMessage(letter(Buffer.alloc(3000, 1), big), 4000);
    expect((some.value as Buffer).length).toBeGreaterThan(2000);
    expect((some.value as Buffer).length).toBeLessThan(4000);
    expect(some.headers).toMatchObject({ 'x-headers-dropped': '1', 'x-truncated': 'true', 'x-original-size': '3000', 'x-source-offset': '42' });
    expect((letterMessage(letter(Buffer.alloc(3000, 1), big), 300).value as Buffer).length).toBe(0);
    expect(letterMessage({ ...letter(Buffer.alloc(0), big), raw: { key: null, value: null, headers: big } }, 300).headers?.['x-original-size']).toBe('0');
  });

  it('refuses an empty topic name and a limit that is not a positive integer', () => {
    const sink = fakeSink(1 << 20);
    expect(() => createDeadLetterWriter({ sink, topic: '' })).toThrow('createDeadLetterWriter: topic must be a non-empty topic name');
    expect(() => createDeadLetterWriter({ sink, topic: 'dlq', maxMessageBytes: 0 })).toThrow(
      'createDeadLetterWriter: maxMessageBytes must be a positive integer, got 0',
    );
    expect(() => createDeadLetterWriter({ sink, topic: 'dlq', maxMessageBytes: 10.5 })).toThrow(/maxMessageBytes/);
  });

  it('retries 5 times by default', async () => {
    const sink = fakeSink(1 << 20, Infinity);
    const failure = await createDeadLetterWriter({ sink, topic: 'dlq', retry: { initialDelayMs: 1 } })
      .write(letter(Buffer.from('x')))
      .catch((err: unknown) => err);
    expect((failure as Error).message).toMatch(/\(6 attempts\)/);
    expect(sink.calls()).toBe(6);
  });

  it('sends a letter at the limit it was given first, then at a quarter of it each time, down to the batch overhead', async () => {
    const limits: number[] = [];
    const sink = {
      async send(_topic: string, messages: OutgoingMessage[]) {
        limits.push((messages[0].value as Buffer).length);
        throw protocolError('MESSAGE_TOO_LARGE', false);
      },
    };
    const failure = await createDeadLetterWriter({ sink, topic: 'dlq', maxMessageBytes: 4096 })
      .write(letter(Buffer.alloc(100_000, 1), {}))
      .catch((err: unknown) => err);
    // 4096, 4096 again alone, then 1024 and 256 (the overhead itself: nothing smaller can hold a record).
    expect((failure as Error).message).toMatch(/^cannot dead-letter events\/3@42 to "dlq" \(too large even at 256 bytes\): .*MESSAGE_TOO_LARGE/);
    expect(limits).toHaveLength(4);
    expect(limits[0]).toBe(limits[1]);
    expect(limits[1]).toBeGreaterThan(limits[2]);
    expect(limits[3]).toBe(0);
  });

  it('stops shrinking at another failure, naming the size it had reached', async () => {
    let calls = 0;
    const sink = {
      async send() {
        calls++;
        throw calls <= 2 ? protocolError('MESSAGE_TOO_LARGE', false) : protocolError('LEADER_NOT_AVAILABLE', true);
      },
    };
    const failure = await createDeadLetterWriter({ sink, topic: 'dlq', maxMessageBytes: 4096, retry: { retries: 1, initialDelayMs: 1 } })
      .write(letter(Buffer.alloc(100_000, 1)))
      .catch((err: unknown) => err);
    expect((failure as Error).message).toMatch(/\(too large even at 1024 bytes\): .*LEADER_NOT_AVAILABLE/);
    expect(calls).toBe(4);
  });

  it('resends oversized letters one at a time, so that they cannot be coalesced again', async () => {
    let calls = 0;
    let inFlight = 0;
    let mostResending = 0;
    const sent: OutgoingMessage[] = [];
    const sink = {
      async send(_topic: string, messages: OutgoingMessage[]) {
        // The first three calls are the letters' first attempts, made together; every later one is a resend.
        const resend = ++calls > 3;
        if (resend) mostResending = Math.max(mostResending, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (resend) inFlight--;
        if ((messages[0].value as Buffer).length > 1000) throw protocolError('MESSAGE_TOO_LARGE', false);
        sent.push(...messages);
      },
    };
    const writer = createDeadLetterWriter({ sink, topic: 'dlq', maxMessageBytes: 8192 });
    await Promise.all([1, 2, 3].map(() => writer.write(letter(Buffer.alloc(100_000, 1)))));
    expect(sent).toHaveLength(3);
    expect(calls).toBeGreaterThan(6);
    expect(mostResending).toBe(1);
  });
  it('counts header text in bytes, not characters, and the key, when it makes room for a truncated value', () => {
    const withMessage = (text: string) => ({ ...letter(Buffer.alloc(50_000, 1)), error: new Error(text) });
    const ascii = (letterMessage(withMessage('e'.repeat(1000)), 9_000).value as Buffer).length;
    const accented = (letterMessage(withMessage('é'.repeat(1000)), 9_000).value as Buffer).length;
    expect(ascii - accented).toBe(1000);
    const keyed = { ...letter(Buffer.alloc(50_000, 1)), raw: { ...letter(Buffer.alloc(50_000, 1)).raw, key: Buffer.alloc(1002) } };
    expect(ascii - (letterMessage({ ...keyed, error: new Error('e'.repeat(1000)) }, 9_000).value as Buffer).length).toBe(1000);
    const big = { huge: Buffer.alloc(5000) };
    const dropped = (key: Buffer | null) =>
      (letterMessage({ ...letter(Buffer.alloc(10_000, 1), big), raw: { key, value: Buffer.alloc(10_000, 1), headers: big } }, 4500).value as Buffer).length;
    expect(dropped(null) - dropped(Buffer.alloc(500))).toBe(500);
  });

  it('keeps the broker error as the cause of the write failure', async () => {
    const failure = protocolError('LEADER_NOT_AVAILABLE', true);
    const sink = fakeSink(1 << 20, Infinity, failure);
    const error = await createDeadLetterWriter({ sink, topic: 'dlq', retry: { retries: 0 } })
      .write(letter(Buffer.from('x')))
      .catch((err: unknown) => err);
    expect((error as Error).cause).toBe(failure);
  });
});
