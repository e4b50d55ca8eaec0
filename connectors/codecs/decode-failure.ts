import { DecodeError, NonFiniteError, StreamlearnError, type DecodeErrorCode } from '../../src/errors';
import type { DecodeContext } from '../types';

/** Keys that reach `Object.prototype` when a decoded object is merged or assigned into another. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Fatal, so invalid UTF-8 is reported instead of silently becoming U+FFFD. Strips a leading BOM. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The error a codec throws: `topic/partition@offset: codec: problem`, the format the Kafka source uses too. */
export function decodeFailure(codec: string, code: DecodeErrorCode, context: DecodeContext, problem: string, cause?: unknown): DecodeError {
  return new DecodeError(code, `${context.topic}/${context.partition}@${context.offset}: ${codec}: ${problem}`, { cause });
}

/** An encoder was handed a value its decoder would reject; there is no position yet, only the value. */
export function encodeFailure(codec: string, code: DecodeErrorCode, problem: string): StreamlearnError {
  const message = `${codec}: cannot encode: ${problem}`;
  return code === 'NONFINITE' ? new NonFiniteError(message) : new StreamlearnError(code, message);
}

export function decodeUtf8(codec: string, bytes: Buffer, context: DecodeContext): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw decodeFailure(codec, 'MALFORMED', context, 'bytes are not valid UTF-8', err);
  }
}

/** Quotes a piece of input for an error message, cut short: messages end up in dead-letter headers. */
export function sample(text: string, maxChars = 40): string {
  return JSON.stringify(text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`);
}
