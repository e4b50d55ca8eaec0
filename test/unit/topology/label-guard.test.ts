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

  it('gives the state of check-then-accept over random runs, heavy-tailed labels and refusals anywhere in a run', () => {
    const random = createRandom(11);
    const config = { max: 1e6, outliers: { k: 8, warmup: 20 } };
    const guard = createLabelGuard(config, true);
    let reference = createLabelGuard(config, true);
    let accepted = 0;
    let refused = 0;
    for (let run = 0; run < 300; run++) {
      const n = 1 + Math.floor(random.next() * 40);
      const ys = Float64Array.from({ length: n }, () => (random.next() < 0.01 ? 1e5 : 50 + 10 * random.gaussian() ** 3));
      const before = reference.state();
      let passes = true;
      for (let i = 0; i < n && passes; i++) {
        passes = reference.check(ys[i], () => `label ${i}`) === null;
        if (passes) reference.accept(ys[i]);
      }
      // A refused run leaves nothing behind: the reference starts again from its state before the run.
      if (!passes) reference = createLabelGuard(config, true, before);
      expect(guard.acceptAll(ys, n)).toBe(passes);
      expect(guard.state()).toEqual(reference.state());
      if (passes) accepted++;
      else refused++;
    }
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
  });

  it('bounds a run from its first label past the warm-up, not one later', () => {
    const config = { outliers: { k: 2, warmup: 20 } };
    const ys = labels(40, 5);
    const early = ys.slice();
    early[19] = 1e4; // the 20th label: 19 accepted before it, within the warm-up
    expect(createLabelGuard(config, true).acceptAll(early, 40)).toBe(true);
    const late = ys.slice();
    late[20] = 1e4; // the 21st: 20 accepted before it, bounded
    const guard = createLabelGuard(config, true);
    expect(guard.acceptAll(late, 40)).toBe(false);
    expect(guard.state()).toEqual(createLabelGuard(config, true).state());
  });
});
