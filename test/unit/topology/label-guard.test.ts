/** The label guard's batch form: `acceptAll` is `check` then `accept` label by label, or changes nothing. */
import { createLabelGuard } from '../../../src/topology/label-guard';
import { createRandom } from '../../../src/random';

function labels(n: number, seed: number): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: n }, () => 50 + 10 * random.gaussian());
}

function oneByOne(ys: ArrayLike<number>, guard = createLabelGuard({}, true)) {
  for (let i = 0; i < ys.length; i++) {
    expect(guard.check(ys[i], () => `label ${i}`)).toBeNull();
    guard.accept(ys[i]);
  }
  return guard;
}

describe('LabelGuard.acceptAll', () => {
  it('accepts runs (through the warm-up and past it) into the state check-then-accept gives', () => {
    const guard = createLabelGuard({}, true);
    const ys = labels(1000, 3);
    for (const [from, to] of [
      [0, 3],
      [3, 160],
      [160, 1000],
    ])
      expect(guard.acceptAll(ys.subarray(from, to), to - from)).toBe(true);
    expect(guard.state()).toEqual(oneByOne(ys).state());
  });

  it('refuses a run holding an outlier or a label out of range, and leaves the state as it was', () => {
    const guard = createLabelGuard({ max: 1e9 }, true);
    const ys = labels(400, 4);
    expect(guard.acceptAll(ys.subarray(0, 200), 200)).toBe(true);
    const before = guard.state();
    const outlier = ys.slice(200);
    outlier[150] = 2e9;
    expect(guard.acceptAll(outlier, 200)).toBe(false);
    expect(guard.check(2e9, () => 'row 350')?.message).toMatch(/^row 350: label 2000000000 is outside the configured range/);
    const beyond = ys.slice(200);
    beyond[199] = 1e7;
    expect(guard.check(1e7, () => 'row 399')?.message).toMatch(/^row 399: label 10000000 is beyond the outlier bound/);
    expect(guard.acceptAll(beyond, 200)).toBe(false);
    expect(guard.state()).toEqual(before);
    expect(guard.acceptAll(ys.subarray(200), 200)).toBe(true);
    expect(guard.state()).toEqual(oneByOne(ys, createLabelGuard({ max: 1e9 }, true)).state());
  });

  it('accepts anything within the range for a classifier (no outlier bound)', () => {
    const guard = createLabelGuard({ min: 0, max: 2 }, false);
    expect(guard.acceptAll([0, 2, 1, 1], 4)).toBe(true);
    expect(guard.acceptAll([0, 3], 2)).toBe(false);
    expect(guard.state()).toEqual(createLabelGuard({}, false).state());
  });
});
