/** Writes [P(0), P(1)] of a binary margin at `offset`, each computed without cancellation. */
export function writeSigmoidRow(margins: Float64Array, out: Float64Array, offset: number): void {
  const m = margins[0];
  const e = Math.exp(-Math.abs(m));
  const small = e / (1 + e);
  const large = 1 / (1 + e);
  out[offset] = m > 0 ? small : large;
  out[offset + 1] = m > 0 ? large : small;
}

/** Writes softmax(margins) at `offset`, shifted by the largest margin so that nothing overflows. */
export function writeSoftmaxRow(margins: Float64Array, out: Float64Array, offset: number): void {
  let largest = -Infinity;
  for (let k = 0; k < margins.length; k++) largest = Math.max(largest, margins[k]);
  let sum = 0;
  for (let k = 0; k < margins.length; k++) {
    const e = Math.exp(margins[k] - largest);
    out[offset + k] = e;
    sum += e;
  }
  for (let k = 0; k < margins.length; k++) out[offset + k] /= sum;
}
