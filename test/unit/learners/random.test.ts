import { solveSymmetricPositiveDefinite } from '../../../src/linalg/solve';
import { ConfigError } from '../../../src/errors';
import { createRandom } from '../../../src/random';

describe('createRandom (support for the learner tests)', () => {
  test('a seed fixes the sequence; another seed gives another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed).next);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
  });

  test('uniforms lie in [0, 1) with mean ½; gaussians have mean 0 and variance 1', () => {
    const rng = createRandom(42);
    const n = 200000;
    let uniformSum = 0;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      uniformSum += u;
      const g = rng.gaussian();
      sum += g;
      squares += g * g;
    }
    expect(uniformSum / n).toBeCloseTo(0.5, 2);
    expect(sum / n).toBeCloseTo(0, 2);
    expect(squares / n).toBeCloseTo(1, 2);
    const ints = new Set(Array.from({ length: 1000 }, () => rng.nextInt(6)));
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('solveSymmetricPositiveDefinite', () => {
  test('solves A x = b', () => {
    const rng = createRandom(3);
    const n = 6;
    const m = Float64Array.from({ length: n * n }, rng.gaussian);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < n; k++) a[i * n + j] += m[k * n + i] * m[k * n + j];
      }
      a[i * n + i] += 0.1;
    }
    const b = Float64Array.from({ length: n }, rng.gaussian);
    const x = solveSymmetricPositiveDefinite(a, b);
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < n; j++) row += a[i * n + j] * x[j];
      expect(row).toBeCloseTo(b[i], 10);
    }
  });

  test('refuses a matrix that is not positive definite', () => {
    expect(() => solveSymmetricPositiveDefinite(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1))).toThrow(ConfigError);
  });
});
