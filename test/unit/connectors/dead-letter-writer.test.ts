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
