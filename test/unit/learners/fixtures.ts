import type { FeatureVector, SparseVector } from '../../../src/learners';
import { solveSymmetricPositiveDefinite } from '../../../src/linalg/solve';
import type { Random } from '../../../src/random';
import { createRandom } from '../../../src/random';

export interface Dataset {
  xs: Float64Array[];
  ys: number[];
}

export interface LinearTruth {
  weights: Float64Array;
  intercept: number;
}

function gaussianVector(rng: Random, d: number): Float64Array {
  return Float64Array.from({ length: d }, () => rng.gaussian());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** y = w·x + b + noise·N(0,1), x ~ N(0, I). */
export function regressionData(seed: number, n: number, truth: LinearTruth, noise: number): Dataset {
  const rng = createRandom(seed);
  const xs = Array.from({ length: n }, () => gaussianVector(rng, truth.weights.length));
  const ys = xs.map((x) => dot(truth.weights, x) + truth.intercept + noise * rng.gaussian());
  return { xs, ys };
}

/** Labels 0/1 by the side of w·x + b, keeping only points at least `margin` away from the plane. */
export function separableBinaryData(seed: number, n: number, truth: LinearTruth, margin: number): Dataset {
  const rng = createRandom(seed);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  while (xs.length < n) {
    const x = gaussianVector(rng, truth.weights.length);
    const z = dot(truth.weights, x) + truth.intercept;
    if (Math.abs(z) < margin) continue;
    xs.push(x);
    ys.push(z > 0 ? 1 : 0);
  }
  return { xs, ys };
}

/** y ~ Bernoulli(σ(w·x + b)): a logistic model's own data. */
export function logisticData(seed: number, n: number, truth: LinearTruth): Dataset {
  const rng = createRandom(seed);
  const xs = Array.from({ length: n }, () => gaussianVector(rng, truth.weights.length));
  const ys = xs.map((x) => (rng.next() < 1 / (1 + Math.exp(-(dot(truth.weights, x) + truth.intercept))) ? 1 : 0));
  return { xs, ys };
}

/** `numClasses` well-separated Gaussian blobs (centres 4 apart on the axes, spread 0.5). */
export function blobData(seed: number, n: number, d: number, numClasses: number): Dataset {
  const rng = createRandom(seed);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % numClasses;
    const x = Float64Array.from({ length: d }, () => 0.5 * rng.gaussian());
    x[y % d] += 4 * (y < d ? 1 : -1);
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/** The nonzero entries of a dense vector, as a sparse vector. */
export function toSparse(x: ArrayLike<number>): SparseVector {
  const indices: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < x.length; j++) {
    if (x[j] !== 0) {
      indices.push(j);
      values.push(x[j]);
    }
  }
  return { indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/** Sparse hashed-style vectors: `active` random features of `d`, values ±1. */
export function sparseVectors(seed: number, n: number, d: number, active: number): { indices: Int32Array; values: Float64Array }[] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => ({
    indices: Int32Array.from({ length: active }, () => rng.nextInt(d)),
    values: Float64Array.from({ length: active }, () => (rng.next() < 0.5 ? -1 : 1)),
  }));
}

/**
 * Minimiser of ½·mean((w·x + b - y)²) + ridge/2·|w|², intercept unpenalised: centre the data, then
 * solve the normal equations (XcᵀXc/n + ridge·I) w = Xcᵀyc/n; b = ȳ - x̄·w.
 */
export function ridgeSolution(data: Dataset, ridge: number): LinearTruth {
  const { xs, ys } = data;
  const n = xs.length;
  const d = xs[0].length;
  const meanX = new Float64Array(d);
  for (const x of xs) for (let j = 0; j < d; j++) meanX[j] += x[j] / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  xs.forEach((x, i) => {
    for (let a = 0; a < d; a++) {
      rhs[a] += ((x[a] - meanX[a]) * (ys[i] - meanY)) / n;
      for (let b = 0; b < d; b++) gram[a * d + b] += ((x[a] - meanX[a]) * (x[b] - meanX[b])) / n;
    }
  });
  for (let a = 0; a < d; a++) gram[a * d + a] += ridge;
  const weights = solveSymmetricPositiveDefinite(gram, rhs);
  return { weights, intercept: meanY - dot(meanX, weights) };
}

/** Minimiser of mean logistic loss (labels 0/1) + ridge/2·|w|², by Newton's method on [w, b]. */
export function logisticSolution(data: Dataset, ridge: number): LinearTruth {
  const { xs, ys } = data;
  const n = xs.length;
  const d = xs[0].length;
  const size = d + 1;
  const theta = new Float64Array(size);
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    xs.forEach((x, i) => {
      const row = [...x, 1];
      const p = 1 / (1 + Math.exp(-dot(theta, row)));
      for (let a = 0; a < size; a++) {
        gradient[a] += ((p - ys[i]) * row[a]) / n;
        for (let b = 0; b < size; b++) hessian[a * size + b] += (p * (1 - p) * row[a] * row[b]) / n;
      }
    });
    for (let a = 0; a < d; a++) {
      gradient[a] += ridge * theta[a];
      hessian[a * size + a] += ridge;
    }
    const step = solveSymmetricPositiveDefinite(hessian, gradient);
    for (let a = 0; a < size; a++) theta[a] -= step[a];
    if (Math.max(...step.map(Math.abs)) < 1e-13) break;
  }
  return { weights: theta.slice(0, d), intercept: theta[d] };
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

export function accuracy(predictions: ArrayLike<number>, ys: readonly number[]): number {
  let correct = 0;
  for (let i = 0; i < ys.length; i++) if (predictions[i] === ys[i]) correct++;
  return correct / ys.length;
}

export type Vectors = readonly FeatureVector[];
