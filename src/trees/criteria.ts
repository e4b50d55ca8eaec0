/**
 * Split criteria over class-weight vectors and (n, mean, M2) moments, and the Hoeffding bound. Pure
 * functions on typed arrays: the split search calls them once per candidate threshold, so they allocate nothing.
 */

/** ε such that the true mean of a variable with range `range` is within ε of the mean of `n` draws with probability 1 − δ. */
export function hoeffdingBound(range: number, delta: number, n: number): number {
  return Math.sqrt((range * range * Math.log(1 / delta)) / (2 * n));
}

function entropy(counts: Float64Array, offset: number, k: number, total: number): number {
  if (total <= 0) return 0;
  let h = 0;
  for (let c = 0; c < k; c++) {
    const p = counts[offset + c] / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

function gini(counts: Float64Array, offset: number, k: number, total: number): number {
  if (total <= 0) return 0;
  let s = 0;
  for (let c = 0; c < k; c++) {
    const p = counts[offset + c] / total;
    s += p * p;
  }
  return 1 - s;
}

/**
 * Merit of splitting a leaf whose class weights are `pre` into the post-split weights `left` and `right`
 * (both from the observer, as MOA and River compute them: a leaf's statistics may hold weight its
 * observers never saw, inherited at its creation). Splits that leave under 1% of the observed weight on a
 * side score −∞ (MOA's and River's minimum branch fraction).
 */
export function classMerit(criterion: 'infoGain' | 'gini', pre: Float64Array, preOffset: number, left: Float64Array, right: Float64Array, k: number): number {
  let total = 0;
  let totalLeft = 0;
  let totalRight = 0;
  for (let c = 0; c < k; c++) {
    total += pre[preOffset + c];
    totalLeft += left[c];
    totalRight += right[c];
  }
  const observed = totalLeft + totalRight;
  if (totalLeft < 0.01 * observed || totalRight < 0.01 * observed) return Number.NEGATIVE_INFINITY;
  const impurity = criterion === 'gini' ? gini : entropy;
  const before = impurity(pre, preOffset, k, total);
  const after = (totalLeft * impurity(left, 0, k, totalLeft) + totalRight * impurity(right, 0, k, totalRight)) / observed;
  return before - after;
}

/** Range of the merit, for the Hoeffding bound. */
export function classMeritRange(criterion: 'infoGain' | 'gini', k: number): number {
  return criterion === 'gini' ? 1 : Math.log2(Math.max(k, 2));
}

/** Adds weight `w` of value `y` to the moments (n, mean, M2) at `o` (West's weighted Welford update). */
export function addMoment(m: Float64Array, o: number, y: number, w: number): void {
  const n = m[o] + w;
  const delta = y - m[o + 1];
  m[o] = n;
  m[o + 1] += (delta * w) / n;
  m[o + 2] += w * delta * (y - m[o + 1]);
}

/** Merges moments at `from` into `into` (Chan et al.); `into` may be a scratch vector. */
export function mergeMoments(into: Float64Array, io: number, from: Float64Array, fo: number): void {
  const nb = from[fo];
  if (nb <= 0) return;
  const na = into[io];
  const n = na + nb;
  const delta = from[fo + 1] - into[io + 1];
  into[io + 1] += (delta * nb) / n;
  into[io + 2] += from[fo + 2] + (delta * delta * na * nb) / n;
  into[io] = n;
}

/**
 * Variance reduction of splitting moments `pre` into the observed `left` and `right` moments:
 * var(pre) − (n_l var(left) + n_r var(right)) / (n_l + n_r); −∞ when a side holds under 1% of the weight.
 */
export function varianceReduction(pre: Float64Array, po: number, left: Float64Array, right: Float64Array): number {
  const nl = left[0];
  const nr = right[0];
  const n = nl + nr;
  if (nl < 0.01 * n || nr < 0.01 * n || nr <= 0 || pre[po] <= 0) return Number.NEGATIVE_INFINITY;
  return pre[po + 2] / pre[po] - (left[2] + right[2]) / n;
}

/** Writes into `out` the moments of `total` without those of `part` (Chan's merge, inverted). */
export function subtractMoments(total: Float64Array, part: Float64Array, out: Float64Array): void {
  const n = total[0];
  const nl = part[0];
  const nr = n - nl;
  if (!(nr > 0)) {
    out.fill(0, 0, 3);
    return;
  }
  const mean = (n * total[1] - nl * part[1]) / nr;
  const delta = mean - part[1];
  out[0] = nr;
  out[1] = mean;
  out[2] = Math.max(0, total[2] - part[2] - (delta * delta * nl * nr) / n);
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) * Math.SQRT1_2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
