import { MAX_SHORTFALL, pairedVerdict } from '../../../bench/trees/paired';

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
