import { averageRanks, spearman } from '../../../src/importance';

describe('Spearman rank correlation', () => {
  it('is 1 for the same order, −1 for the reverse, whatever the values', () => {
    expect(spearman([1, 5, 9], [0.1, 0.2, 30])).toBeCloseTo(1, 12);
    expect(spearman([1, 5, 9], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('gives ties the mean of their ranks', () => {
    expect(Array.from(averageRanks([10, 20, 10, 30]))).toEqual([1.5, 3, 1.5, 4]);
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('rejects unequal lengths and NaN', () => {
    expect(() => spearman([1, 2], [1])).toThrow(/2 values against 1/);
    expect(() => spearman([1, NaN], [1, 2])).toThrow(/value 1 is NaN/);
  });
});
