import { CONCURRENT_MARKING_ENV, HEAP_GROWING_ENV, HEAP_GROWING_PERCENT, chooseConcurrentMarking, chooseHeapGrowing } from '../../src/gc-ergonomics';
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

describe('chooseHeapGrowing', () => {
  test("holds V8's largest factor (4x) by default", () => {
    expect(HEAP_GROWING_PERCENT).toBe(300);
    for (const setting of [undefined, '', 'auto']) expect(chooseHeapGrowing([], setting)).toEqual({ percent: 300, applied: true, reason: 'default' });
  });

  test("the environment sets another percent, or leaves V8's dynamic factor", () => {
    expect(chooseHeapGrowing([], '150')).toEqual({ percent: 150, applied: true, reason: `${HEAP_GROWING_ENV}=150` });
    expect(chooseHeapGrowing([], 'dynamic')).toEqual({ percent: 'dynamic', applied: false, reason: `${HEAP_GROWING_ENV}=dynamic` });
  });

  test.each([
    [['--heap-growing-percent=50'], 50, '--heap-growing-percent=50'],
    [['--heap_growing_percent', '80'], 80, '--heap_growing_percent'],
    [['--heap-growing-percent=0'], 'dynamic', '--heap-growing-percent=0'],
  ])("node's %p wins over the environment and is left to node", (execArgv, percent, flag) => {
    expect(chooseHeapGrowing(execArgv, '300')).toEqual({ percent, applied: false, reason: `node ${flag}` });
  });

  test.each(['0', '-5', '1.5', 'big', '100000'])('%p is a ConfigError naming the variable and the value', (setting) => {
    expect(() => chooseHeapGrowing([], setting)).toThrow(ConfigError);
    expect(() => chooseHeapGrowing([], setting)).toThrow(
      `${HEAP_GROWING_ENV} must be auto, dynamic or a whole percent from 1 to 99999, got ${JSON.stringify(setting)}`,
    );
  });
});
