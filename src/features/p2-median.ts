/**
 * The P² running median (Jain & Chlamtac, CACM 1985): five markers whose heights track the minimum,
 * quartiles, median and maximum in O(1) memory. Markers live in caller-owned arrays at `base`, so many
 * medians share two flat Float64Arrays (heights, positions) that serialise as they are.
 */

// Desired-position increments per observation for the 0.5 quantile.
const INCREMENTS = [0, 0.25, 0.5, 0.75, 1];

/** Where `p2Add` puts x for `p2AddFrom`. */
const single = new Float64Array(1);

/** Adds x as observation number `count` (1-based, counting this one). */
export function p2Add(heights: Float64Array, positions: Float64Array, base: number, count: number, x: number): void {
  single[0] = x;
  p2AddFrom(heights, positions, base, count, single, 0);
}

/**
 * `p2Add` of `xs[at]`: a caller in a hot loop passes its array and index, not the number, because a double
 * handed to a call V8 does not inline is boxed (the label guard's two calls a row made 32 bytes of garbage).
 */
export function p2AddFrom(heights: Float64Array, positions: Float64Array, base: number, count: number, xs: ArrayLike<number>, at: number): void {
  const x = xs[at];
  if (count <= 5) {
    // Warm-up: keep the first five values sorted.
    let i = count - 1;
    while (i > 0 && heights[base + i - 1] > x) {
      heights[base + i] = heights[base + i - 1];
      i--;
    }
    heights[base + i] = x;
    positions[base + count - 1] = count;
    return;
  }
  p2AddRun(heights, positions, base, count - 1, xs, at, at + 1, null);
}

/**
 * `p2AddFrom` of `xs[from..to)` in order, past the warm-up (`seen`, the observations before the run, >= 5),
 * writing the median before each observation to `medians[i - from]` when given: the label guard's batch form.
 * The five markers and positions stay in locals across the run, written back once: the same operations in the
 * same order as one call a row, so the same bits (tested against row-at-a-time in `label-guard.test.ts`).
 */
export function p2AddRun(
  heights: Float64Array,
  positions: Float64Array,
  base: number,
  seen: number,
  xs: ArrayLike<number>,
  from: number,
  to: number,
  medians: Float64Array | null,
): void {
  // The adjustments unrolled and written out (the parabolic estimate, else the linear one): 37 -> 28 ns a
  // call against the indexed loop. Not a helper function: one V8 does not inline boxes its seven doubles.
  const b = base;
  const q = heights;
  const n = positions;
  let q0 = q[b];
  let q1 = q[b + 1];
  let q2 = q[b + 2];
  let q3 = q[b + 3];
  let q4 = q[b + 4];
  const n0 = n[b];
  let n1 = n[b + 1];
  let n2 = n[b + 2];
  let n3 = n[b + 3];
  let n4 = n[b + 4];
  let count = seen;
  for (let i = from; i < to; i++) {
    const x = xs[i];
    if (medians !== null) medians[i - from] = q2;
    count++;
    // The cell x falls in (k: between markers k and k + 1), the outer markers moved to take it.
    let k: number;
    if (x < q0) {
      q0 = x;
      k = 0;
    } else if (x >= q4) {
      q4 = x;
      k = 3;
    } else k = x >= q1 ? (x >= q2 ? (x >= q3 ? 3 : 2) : 1) : 0;
    if (k < 1) n1++;
    if (k < 2) n2++;
    if (k < 3) n3++;
    n4++;
    let drift = 1 + (count - 1) * INCREMENTS[1] - n1;
    if ((drift >= 1 && n2 - n1 > 1) || (drift <= -1 && n0 - n1 < -1)) {
      const d = Math.sign(drift);
      const c = q1 + (d / (n2 - n0)) * ((n1 - n0 + d) * ((q2 - q1) / (n2 - n1)) + (n2 - n1 - d) * ((q1 - q0) / (n1 - n0)));
      q1 = q0 < c && c < q2 ? c : d > 0 ? q1 + (d * (q2 - q1)) / (n2 - n1) : q1 + (d * (q0 - q1)) / (n0 - n1);
      n1 += d;
    }
    drift = 1 + (count - 1) * INCREMENTS[2] - n2;
    if ((drift >= 1 && n3 - n2 > 1) || (drift <= -1 && n1 - n2 < -1)) {
      const d = Math.sign(drift);
      const c = q2 + (d / (n3 - n1)) * ((n2 - n1 + d) * ((q3 - q2) / (n3 - n2)) + (n3 - n2 - d) * ((q2 - q1) / (n2 - n1)));
      q2 = q1 < c && c < q3 ? c : d > 0 ? q2 + (d * (q3 - q2)) / (n3 - n2) : q2 + (d * (q1 - q2)) / (n1 - n2);
      n2 += d;
    }
    drift = 1 + (count - 1) * INCREMENTS[3] - n3;
    if ((drift >= 1 && n4 - n3 > 1) || (drift <= -1 && n2 - n3 < -1)) {
      const d = Math.sign(drift);
      const c = q3 + (d / (n4 - n2)) * ((n3 - n2 + d) * ((q4 - q3) / (n4 - n3)) + (n4 - n3 - d) * ((q3 - q2) / (n3 - n2)));
      q3 = q2 < c && c < q4 ? c : d > 0 ? q3 + (d * (q4 - q3)) / (n4 - n3) : q3 + (d * (q2 - q3)) / (n2 - n3);
      n3 += d;
    }
  }
  q[b] = q0;
  q[b + 1] = q1;
  q[b + 2] = q2;
  q[b + 3] = q3;
  q[b + 4] = q4;
  n[b + 1] = n1;
  n[b + 2] = n2;
  n[b + 3] = n3;
  n[b + 4] = n4;
}

/** The median estimate after `count` observations; exact for the first five. */
export function p2Median(heights: Float64Array, base: number, count: number): number {
  if (count >= 5) return heights[base + 2];
  const mid = (count - 1) / 2;
  return (heights[base + Math.floor(mid)] + heights[base + Math.ceil(mid)]) / 2;
}
