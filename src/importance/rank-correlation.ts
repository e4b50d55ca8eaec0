import { DecodeError } from '../errors';

/** Ranks from 1 (smallest); tied values share the mean of their ranks. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    for (let k = start; k < end; k++) ranks[order[k]] = (start + end + 1) / 2;
    start = end;
  }
  return ranks;
}

/** Spearman's ρ: Pearson's correlation of the average ranks; NaN when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new DecodeError('SCHEMA', `spearman: ${a.length} values against ${b.length}`);
  for (const side of [a, b]) {
    for (let i = 0; i < side.length; i++) if (Number.isNaN(side[i])) throw new DecodeError('NONFINITE', `spearman: value ${i} is NaN`);
  }
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (ra.length + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < ra.length; i++) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) ** 2;
    vb += (rb[i] - mean) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
