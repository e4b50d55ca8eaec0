import { hashedGaussian, keyHash } from './hashed-init';
import { IdTable, type ColumnSpec } from './id-table';
import { parameterColumns } from './param-step';

export interface FactorRowsConfig {
  capacity: number;
  factors: number;
  initStd: number;
  seed: number;
  adagrad: boolean;
  /** Whether rows carry a `bias` column besides `factors`. */
  withBias: boolean;
}

/**
 * An id table of latent rows: `bias` (starting at 0, the cold-start value) and `factors`, drawn from
 * N(0, initStd²) as a function of (seed, id) only, plus their AdaGrad accumulators when asked.
 */
export function createFactorRows({ capacity, factors, initStd, seed, adagrad, withBias }: FactorRowsConfig): IdTable {
  const columns: ColumnSpec[] = [...(withBias ? parameterColumns('bias', 1, adagrad) : []), ...parameterColumns('factors', factors, adagrad)];
  const table: IdTable = new IdTable(capacity, columns, (row, key) => {
    const values = table.column<Float32Array>('factors');
    const hash = keyHash(key, seed);
    for (let f = 0; f < factors; f++) values[row * factors + f] = initStd * hashedGaussian(hash, f, seed);
  });
  return table;
}

/** The AdaGrad accumulator of a column, or null under SGD. */
export function accumulator(table: IdTable, name: string, adagrad: boolean): Float32Array | null {
  return adagrad ? table.column<Float32Array>(`${name}Accum`) : null;
}

/**
 * `scores[j] = base + bias[j] + p·q_j` for the first `count` item rows, `q` row-major with `k` factors;
 * without a user vector `p` (an unknown user), the biases alone rank the items.
 */
export function scoreItemRows(base: number, bias: Float32Array, p: Float32Array | null, q: Float32Array, k: number, count: number, scores: Float64Array): void {
  if (p === null) {
    for (let j = 0; j < count; j++) scores[j] = base + bias[j];
    return;
  }
  for (let j = 0, jo = 0; j < count; j++, jo += k) {
    let score = base + bias[j];
    for (let f = 0; f < k; f++) score += p[f] * q[jo + f];
    scores[j] = score;
  }
}

/** A user's factor vector (a view, not a copy), or null for an unknown user. */
export function userVector(users: IdTable, userKey: string, k: number): Float32Array | null {
  const u = users.rowOf(userKey);
  return u < 0 ? null : users.column<Float32Array>('factors').subarray(u * k, (u + 1) * k);
}

/** p_u·q_i for row u of `p` and row i of `q`, both row-major with `k` factors. */
export function rowDot(p: Float32Array, u: number, q: Float32Array, i: number, k: number): number {
  let dot = 0;
  for (let f = 0; f < k; f++) dot += p[u * k + f] * q[i * k + f];
  return dot;
}
