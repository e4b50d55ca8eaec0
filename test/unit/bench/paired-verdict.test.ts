import { MAX_SHORTFALL, pairedVerdict } from '../../../bench/trees/paired';
import { permuted, shuffledColumns, verdictOnShuffled, verdictPairs, verdictStreamSeeds } from '../../../bench/trees/verdict-grid';

describe('trees bench: paired ARF-vs-MOA verdict', () => {
  it('reports the mean paired difference and its standard error', () => {
    const v = pairedVerdict([0.9, 0.8, 0.7], [0.88, 0.81, 0.67]);
    expect(v.runs).toBe(3);
    expect(v.oursMean).toBeCloseTo(0.8, 12);
    expect(v.peerMean).toBeCloseTo(0.7866666667, 9);
    expect(v.meanDelta).toBeCloseTo(0.0133333333, 9);
    // differences 0.02, −0.01, 0.03: sd 0.0208167, s.e. 0.0120185
    expect(v.standardError).toBeCloseTo(0.0120185, 6);
    expect(v.met).toBe(true);
  });

  it('calls a shortfall within two standard errors and half a point noise, and a larger one not met', () => {
    expect(pairedVerdict([0.95, 0.93, 0.96], [0.94, 0.95, 0.96]).met).toBe(true); // −0.33 point, s.e. 0.88
    expect(pairedVerdict([0.94, 0.93, 0.95], [0.95, 0.94, 0.96]).met).toBe(false); // −1 point every time: s.e. 0
    expect(pairedVerdict([0.9, 0.92, 0.8], [0.92, 0.9, 0.9]).met).toBe(false); // −2.67 points: inside 2 s.e., over the cap
    const spread = [0.9, 0.91, 0.89, 0.9];
    expect(
      pairedVerdict(
        spread,
        spread.map((v) => v + MAX_SHORTFALL * 0.8),
      ).met,
    ).toBe(false); // 0.4 point short, s.e. 0
  });

  it('judges a single pair by its sign alone', () => {
    expect(pairedVerdict([0.9], [0.9]).met).toBe(true);
    expect(pairedVerdict([0.899], [0.9])).toMatchObject({ met: false, standardError: null });
  });

  it('refuses unpaired inputs', () => {
    expect(() => pairedVerdict([0.9, 0.8], [0.9])).toThrow('same number');
    expect(() => pairedVerdict([], [])).toThrow('same number');
  });
});

describe('trees bench: paired verdict over streams × forest seeds', () => {
  it('takes the standard error over the streams, not the pairs', () => {
    // Two streams × two seeds: stream 1 Δ +1 and +3 points (mean +2), stream 2 Δ −1, −3 (mean −2).
    const ours = [0.91, 0.93, 0.89, 0.87];
    const peer = [0.9, 0.9, 0.9, 0.9];
    const v = pairedVerdict(ours, peer, [1, 1, 2, 2]);
    expect(v).toMatchObject({ runs: 4, units: 2 });
    expect(v.meanDelta).toBeCloseTo(0, 12);
    expect(v.unitDeltas[0]).toBeCloseTo(0.02, 12);
    expect(v.unitDeltas[1]).toBeCloseTo(-0.02, 12);
    // stream means +2, −2 points: sd 2.83, s.e. 2 points; over the 4 pairs it would be 1.29.
    expect(v.standardError).toBeCloseTo(0.02, 12);
    expect(pairedVerdict(ours, peer).standardError).toBeCloseTo(0.0129099, 6);
  });

  it('says not met when every stream is short, however the seeds scatter', () => {
    const peer = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
    const ours = [0.88, 0.9, 0.89, 0.91, 0.88, 0.9]; // streams of two seeds: −1, 0, −1 points
    const v = pairedVerdict(ours, peer, [1, 1, 2, 2, 3, 3]);
    expect(v.meanDelta).toBeCloseTo(-0.006667, 6);
    expect(v.met).toBe(false); // 0.67 point short: over the cap
  });

  it('uses the pairs when all share one stream, and refuses groups of the wrong length', () => {
    expect(pairedVerdict([0.9, 0.8, 0.7], [0.88, 0.81, 0.67], [5, 5, 5]).standardError).toBeCloseTo(0.0120185, 6);
    expect(() => pairedVerdict([0.9, 0.8], [0.9, 0.8], [1])).toThrow('same number');
  });
});

describe('trees bench: the verdict grid', () => {
  it('pairs every stream with every forest seed, then the same pairs with a column order of their own', () => {
    const pairs = verdictPairs(3, 2, 9, true);
    expect(pairs).toHaveLength(12);
    expect(pairs.slice(0, 6).map((p) => [p.stream, p.seed, p.perm])).toEqual([
      [0, 1, null],
      [0, 2, null],
      [1, 1, null],
      [1, 2, null],
      [2, 1, null],
      [2, 2, null],
    ]);
    const orders = pairs.slice(6).map((p) => p.perm as number[]);
    for (const perm of orders) expect([...perm].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(orders.map((p) => p.join(','))).size).toBeGreaterThan(1);
    expect(shuffledColumns(9, 1, 2)).toEqual(shuffledColumns(9, 1, 2));
    expect(verdictPairs(2, 3, 3, false)).toHaveLength(6);
  });

  it('permutes columns without touching labels, and spaces stream seeds 1,000 apart', () => {
    const rows = [{ x: Float64Array.of(1, 2, 3), y: 1 }];
    expect(Array.from(permuted(rows, [2, 0, 1])[0].x)).toEqual([3, 1, 2]);
    expect(permuted(rows, [2, 0, 1])[0].y).toBe(1);
    expect(permuted(rows, null)).toBe(rows);
    expect(verdictStreamSeeds(3, 3)).toEqual([3, 1003, 2003]);
  });

  it('takes the verdict over the shuffled column orders when they ran, else over the columns as generated', () => {
    expect(verdictOnShuffled(verdictPairs(2, 3, 3, true))).toBe(true);
    expect(verdictOnShuffled(verdictPairs(2, 3, 3, false))).toBe(false);
  });
});
