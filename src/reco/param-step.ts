import type { ColumnSpec } from './id-table';

const ADAGRAD_EPSILON = 1e-8;

// Bound once, so that hot loops make no global lookups: those are slow inside vm contexts (jest's).
const { sqrt } = Math;
const { isFinite: finite } = Number;

/** One descent step on `w[i]` along gradient `g`: plain SGD, or AdaGrad when `accum` holds the Σg² of each weight. */
export function step(w: Float32Array, accum: Float32Array | null, i: number, g: number, rate: number): void {
  if (accum === null) {
    w[i] -= rate * g;
    return;
  }
  const sum = accum[i] + g * g;
  accum[i] = sum;
  w[i] -= (rate * g) / (sqrt(sum) + ADAGRAD_EPSILON);
}

/** A float32 parameter column, and its AdaGrad accumulator (`<name>Accum`) when the optimizer is AdaGrad. */
export function parameterColumns(name: string, width: number, adagrad: boolean): ColumnSpec[] {
  const column = { name, width, type: Float32Array };
  return adagrad ? [column, { name: `${name}Accum`, width, type: Float32Array }] : [column];
}

/** Whether `w[from .. from+count)` is all finite: its float64 sum is (float32 terms cannot overflow it). */
export function allFinite(w: Float32Array, from: number, count: number): boolean {
  let sum = 0;
  for (let j = from; j < from + count; j++) sum += w[j];
  return finite(sum);
}
