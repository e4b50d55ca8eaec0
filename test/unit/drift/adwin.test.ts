import { Adwin } from '../../../src/drift';
import { createRandom } from '../../../src/random';
import { abruptStream, bernoulli, normal } from './streams';

describe('ADWIN', () => {
  it('keeps exactly the most recent values: its mean and variance are those of the last `width` inputs', () => {
    const xs = abruptStream(6000, 3000, 7, normal(0, 1), normal(3, 2));
    const adwin = new Adwin();
    xs.forEach((x) => adwin.update(x));
    const window = xs.subarray(xs.length - adwin.width);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    const variance = window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length;
    // It dropped (nearly) all of the first concept: at most a few dozen old values are left, too few to test.
    expect(adwin.width).toBeGreaterThan(2900);
    expect(adwin.width).toBeLessThan(3064);
    expect(adwin.estimate).toBeCloseTo(mean, 9);
    expect(adwin.variance).toBeCloseTo(variance, 6);
  });

  it('signals on River’s doc example at the first clock tick that sees the change, and shrinks to the new concept', () => {
    // River's docstring: 1000 draws from {0, 1} then 1000 from {4..7}: change detected at index 1023.
    const rng = createRandom(12345);
    const xs = Array.from({ length: 2000 }, (_, i) => (i < 1000 ? rng.nextInt(2) : 4 + rng.nextInt(4)));
    const adwin = new Adwin();
    const drifts: number[] = [];
    xs.forEach((x, i) => adwin.update(x) === 'drift' && drifts.push(i));
    expect(drifts[0]).toBe(1023);
    expect(adwin.estimate).toBeGreaterThan(5);
    expect(adwin.width).toBeLessThan(1000);
    expect(adwin.statistic).toBeLessThanOrEqual(adwin.threshold);
  });

  it('tests only every `clock` updates and not before the grace period', () => {
    const adwin = new Adwin({ clock: 1, gracePeriod: 100 });
    const statuses = Array.from({ length: 100 }, (_, i) => adwin.update(i < 50 ? 0 : 1));
    expect(statuses).not.toContain('drift');
    expect(adwin.update(1)).toBe('drift');
  });

  it('holds a long stationary stream in O(M log W) buckets', () => {
    const adwin = new Adwin();
    const xs = abruptStream(100000, 100000, 3, bernoulli(0.3), bernoulli(0.3));
    xs.forEach((x) => adwin.update(x));
    expect(adwin.width).toBe(100000);
    const { counts } = adwin.state().arrays;
    expect(counts!.length).toBeLessThanOrEqual(Math.ceil(Math.log2(100000 / 5)) + 1);
    expect([...counts!].every((c) => c >= 1 && c <= 5)).toBe(true);
  });
});
