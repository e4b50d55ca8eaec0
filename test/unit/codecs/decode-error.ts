import { DecodeError } from '../../../src/errors';

/** The DecodeError that `decode` throws; fails the test when it throws something else, or nothing. */
export function decodeError(decode: () => unknown): DecodeError {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}
