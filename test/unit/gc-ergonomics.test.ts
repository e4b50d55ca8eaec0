import { CONCURRENT_MARKING_ENV, chooseConcurrentMarking } from '../../src/gc-ergonomics';
import { ConfigError } from '../../src/errors';

describe('chooseConcurrentMarking', () => {
  test.each([1, 2])('turns concurrent marking off on %i cores', (cores) => {
    expect(chooseConcurrentMarking(cores, [], undefined)).toEqual({ concurrentMarking: 'off', applied: true, reason: `${cores} cores` });
  });

  test('leaves V8 its default on more cores', () => {
    expect(chooseConcurrentMarking(4, [], 'auto')).toEqual({ concurrentMarking: 'on', applied: false, reason: '4 cores' });
  });

  test('the environment overrides the core count, both ways', () => {
    expect(chooseConcurrentMarking(2, [], 'on')).toMatchObject({ concurrentMarking: 'on', applied: false });
    expect(chooseConcurrentMarking(16, [], 'off')).toMatchObject({ concurrentMarking: 'off', applied: true });
  });

  test.each([
    ['--concurrent-marking', 'on'],
    ['--no-concurrent-marking', 'off'],
    ['--single-threaded-gc', 'off'],
    ['--single_threaded', 'off'],
  ])("node's %s wins over the environment and is left to node", (flag, concurrentMarking) => {
    expect(chooseConcurrentMarking(2, ['--trace-gc', flag], concurrentMarking === 'on' ? 'off' : 'on')).toEqual({
      concurrentMarking,
      applied: false,
      reason: `node ${flag}`,
    });
  });

  test('a flag that only mentions concurrent marking does not decide it', () => {
    expect(chooseConcurrentMarking(2, ['--trace-concurrent-marking'], undefined)).toMatchObject({ applied: true });
  });

  test('an unknown setting is a ConfigError naming the variable and the value', () => {
    expect(() => chooseConcurrentMarking(2, [], 'of')).toThrow(ConfigError);
    expect(() => chooseConcurrentMarking(2, [], 'of')).toThrow(`${CONCURRENT_MARKING_ENV} must be one of auto, on, off, got "of"`);
  });
});
