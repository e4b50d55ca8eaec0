import { createRandom } from '../../src/random';

export type Task = 'logistic' | 'linear';

export interface Workload {
  name: string;
  task: Task;
  /** Examples streamed. */
  n: number;
  /** Feature dimension: dense width, or size of the hashed space. */
  dim: number;
  /** Non-zero features per example for sparse workloads; null for dense ones. */
  active: number | null;
}

/** Sized so that the slowest peer (River) stays near 10 s per workload on this kind of machine. */
export const WORKLOADS: readonly Workload[] = [
  { name: 'dense-8', task: 'logistic', n: 1_000_000, dim: 8, active: null },
  { name: 'dense-32', task: 'logistic', n: 500_000, dim: 32, active: null },
  { name: 'dense-128', task: 'logistic', n: 200_000, dim: 128, active: null },
  { name: 'hashed-2^18', task: 'logistic', n: 1_000_000, dim: 2 ** 18, active: 20 },
  { name: 'hashed-2^22', task: 'logistic', n: 1_000_000, dim: 2 ** 22, active: 20 },
  { name: 'linear-32', task: 'linear', n: 500_000, dim: 32, active: null },
];

/**
 * One workload's examples, flat: dense rows in `x` (n × dim), or `active` indices and values per
 * example in `indices`/`values`. Labels are 0/1 for logistic workloads.
 */
export interface WorkloadData {
  workload: Workload;
  x: Float64Array | null;
  indices: Int32Array | null;
  values: Float64Array | null;
  y: Float64Array;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Dense: x ~ N(0, I), true weights N(0, s²/d) so the true margin has spread s (2 for logistic, 1 for
 * linear), intercept 0.3, y ~ Bernoulli(σ(margin)) or margin + N(0, 0.5²).
 * Sparse: `active` distinct binary features per example with a long-tailed popularity (index ∝ u²,
 * then scrambled over the space, as hashing spreads them), true weights N(0, 0.5²).
 */
export function generate(workload: Workload, seed: number): WorkloadData {
  const rng = createRandom(seed);
  const { n, dim, active, task } = workload;
  const spread = task === 'logistic' ? 2 : 1;
  const truthScale = active === null ? spread / Math.sqrt(dim) : 0.5;
  const truth = Float64Array.from({ length: dim }, () => truthScale * rng.gaussian());
  const intercept = 0.3;
  const y = new Float64Array(n);
  const label = (margin: number) => (task === 'logistic' ? (rng.next() < sigmoid(margin) ? 1 : 0) : margin + 0.5 * rng.gaussian());

  if (active === null) {
    const x = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      let margin = intercept;
      for (let j = 0; j < dim; j++) {
        const value = rng.gaussian();
        x[i * dim + j] = value;
        margin += truth[j] * value;
      }
      y[i] = label(margin);
    }
    return { workload, x, indices: null, values: null, y };
  }

  const indices = new Int32Array(n * active);
  const values = new Float64Array(n * active).fill(1);
  const mask = dim - 1;
  for (let i = 0; i < n; i++) {
    const row = indices.subarray(i * active, (i + 1) * active);
    let margin = intercept;
    for (let s = 0; s < active; s++) {
      let index: number;
      do {
        const u = rng.next();
        // Multiplying by an odd constant modulo 2^b is a bijection on the space: popularity is kept, position scattered.
        index = Math.imul(Math.floor(dim * u * u), 0x9e3779b1) & mask;
      } while (row.subarray(0, s).includes(index));
      row[s] = index;
      margin += truth[index];
    }
    y[i] = label(margin);
  }
  return { workload, x: null, indices, values, y };
}
