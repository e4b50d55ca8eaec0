import {
  ConfigError,
  DeadLetterError,
  DecodeError,
  DivergedError,
  FencedError,
  isRetriable,
  LabelOutOfRangeError,
  MergeError,
  StreamlearnError,
} from '../../src/errors';

describe('the errors module', () => {
  it.each([
    [new ConfigError('bad stepSize'), 'ConfigError', 'CONFIG'],
    [new DeadLetterError('dlq rejected'), 'DeadLetterError', 'DEAD_LETTER'],
    [new LabelOutOfRangeError('y=1e308'), 'LabelOutOfRangeError', 'LABEL_OUT_OF_RANGE'],
    [new DivergedError('weights 1e299'), 'DivergedError', 'DIVERGED'],
    [new DecodeError('MALFORMED', 'bad json'), 'DecodeError', 'MALFORMED'],
    [new MergeError('other config'), 'MergeError', 'MERGE'],
    [new FencedError('writer fenced'), 'FencedError', 'FENCED'],
  ])('%s carries its class name and stable code, and is a StreamlearnError', (error, name, code) => {
    expect([error.name, error.code, error instanceof StreamlearnError, error.retriable]).toEqual([name, code, true, false]);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it('keeps the cause and the retriable flag that retry() honours, for ours and for kafkajs-style errors', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new DeadLetterError('write failed', { retriable: true, cause });
    expect([error.cause, isRetriable(error), isRetriable(new ConfigError('x')), isRetriable({ retriable: true }), isRetriable('text')]).toEqual([
      cause,
      true,
      false,
      true,
      false,
    ]);
  });

  it('classes with different codes are not instances of each other', () => {
    expect(new DivergedError('d') instanceof ConfigError).toBe(false);
  });
});
