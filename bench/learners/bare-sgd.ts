import type { WorkloadData } from './workloads';

/** Clipping of log loss, as streamlearn's LogLoss metric. */
const LOG_LOSS_EPSILON = 1e-15;

/** The speed of light: logistic or least-squares SGD written out over the flat arrays, nothing else. */
export function bareDense(data: WorkloadData, n: number, stepSize: number): number {
  const x = data.x as Float64Array;
  const y = data.y;
  const d = data.workload.dim;
  const logistic = data.workload.task === 'logistic';
  const w = new Float64Array(d);
  let bias = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let z = bias;
    for (let j = 0; j < d; j++) z += w[j] * x[base + j];
    let g: number;
    if (logistic) {
      const p = 1 / (1 + Math.exp(-z));
      const q = Math.min(Math.max(y[i] === 1 ? p : 1 - p, LOG_LOSS_EPSILON), 1);
      loss -= Math.log(q);
      g = p - y[i];
    } else {
      g = z - y[i];
      loss += g * g;
    }
    const step = stepSize * g;
    for (let j = 0; j < d; j++) w[j] -= step * x[base + j];
    bias -= step;
  }
  return logistic ? loss / n : Math.sqrt(loss / n);
}

/** Logistic SGD over flat sparse examples (the sparse workloads are all logistic). */
export function bareSparse(data: WorkloadData, n: number, stepSize: number): number {
  const indices = data.indices as Int32Array;
  const values = data.values as Float64Array;
  const y = data.y;
  const k = data.workload.active as number;
  const w = new Float64Array(data.workload.dim);
  let bias = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let z = bias;
    for (let s = base; s < base + k; s++) z += w[indices[s]] * values[s];
    const p = 1 / (1 + Math.exp(-z));
    const q = Math.min(Math.max(y[i] === 1 ? p : 1 - p, LOG_LOSS_EPSILON), 1);
    loss -= Math.log(q);
    const step = stepSize * (p - y[i]);
    for (let s = base; s < base + k; s++) w[indices[s]] -= step * values[s];
    bias -= step;
  }
  return loss / n;
}
