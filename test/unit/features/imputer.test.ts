import '../../../src/builtins';
import { ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import { createImputer } from '../../../src/features/imputer';
import { stageFromState } from '../../../src/features/registry';
import type { Row, Stage } from '../../../src/features/stage';
import { createRandom } from '../../../src/random';

function impute(stage: Stage, record: Row): Row {
  const row = { ...record };
  stage.transform(row);
  return row;
}

const exactMedian = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
};

describe('createImputer', () => {
  it('fills missing values with the running mean of the values seen before', () => {
    const random = createRandom(1);
    const stage = createImputer({ inputCols: ['a', 'b'], outputCols: ['a_filled', 'b_filled'] });
    const seen: number[] = [];
    for (let t = 0; t < 300; t++) {
      const a = random.next() < 0.3 ? [null, undefined, NaN][t % 3] : 10 + random.gaussian();
      const row = impute(stage, { a, b: 5 });
      const expected = typeof a === 'number' && !Number.isNaN(a) ? a : seen.length ? seen.reduce((s, v) => s + v, 0) / seen.length : 0;
      expect(row.a_filled).toBeCloseTo(expected, 10);
      expect(row.b_filled).toBe(5);
      expect(row).toHaveProperty('a', a);
      stage.learn({ a, b: 5 });
      if (typeof a === 'number' && !Number.isNaN(a)) seen.push(a);
    }
  });

  it('tracks the median of a skewed stream with the P² estimate, exactly for the first five values', () => {
    const random = createRandom(2);
    const stage = createImputer({ inputCols: ['x'], outputCols: ['y'], strategy: 'median' });
    const values: number[] = [];
    for (let t = 0; t < 20000; t++) {
      const x = -Math.log(1 - random.next()) * 3; // exponential, median 3 ln 2
      stage.learn({ x });
      values.push(x);
      if (t < 5) expect(impute(stage, { x: null }).y).toBe(exactMedian(values));
    }
    const estimate = impute(stage, { x: null }).y as number;
    expect(Math.abs(estimate - exactMedian(values)) / exactMedian(values)).toBeLessThan(0.02);
    // A mean imputer on the same stream lands elsewhere (mean 3 vs median 2.08).
    expect(Math.abs(estimate - 3)).toBeGreaterThan(0.5);
  });

  it('fills the constant, and fillValue before any value is seen', () => {
    const constant = createImputer({ inputCols: ['x'], outputCols: ['y'], strategy: 'constant', fillValue: -1 });
    constant.learn({ x: 100 });
    expect(impute(constant, { x: null }).y).toBe(-1);
    expect(impute(createImputer({ inputCols: ['x'], outputCols: ['y'], fillValue: 7 }), {}).y).toBe(7);
  });

  it('rejects infinities and non-numbers naming the column, and bad configs', () => {
    const stage = createImputer({ inputCols: ['x'], outputCols: ['y'] });
    expect(() => stage.transform({ x: -Infinity })).toThrow(NonFiniteError);
    expect(() => stage.learn({ x: '3' })).toThrow(DecodeError);
    expect(() => stage.learn({ x: '3' })).toThrow(/"x" must hold a number, got "3"/);
    expect(() => createImputer({ inputCols: ['x'], outputCols: ['x'] })).toThrow(ConfigError);
    expect(() => createImputer({ inputCols: ['x', 'z'], outputCols: ['y'] })).toThrow(/1 outputCols for 2 inputCols/);
    expect(() => createImputer({ inputCols: ['x'], outputCols: ['y'], strategy: 'mode' as never })).toThrow(/strategy/);
  });

  it('continues identically after a state round trip', () => {
    const random = createRandom(3);
    const stage = createImputer({ inputCols: ['x'], outputCols: ['y'], strategy: 'median' });
    for (let t = 0; t < 50; t++) stage.learn({ x: random.gaussian() });
    const restored = stageFromState(stage.state());
    for (let t = 0; t < 50; t++) {
      const x = random.gaussian();
      stage.learn({ x });
      restored.learn({ x });
      expect(impute(restored, {}).y).toBe(impute(stage, {}).y);
    }
  });
});
