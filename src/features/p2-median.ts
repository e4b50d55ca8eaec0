/**
 * The P² running median (Jain & Chlamtac, CACM 1985): five markers whose heights track the minimum,
 * quartiles, median and maximum in O(1) memory. Markers live in caller-owned arrays at `base`, so many
 * medians share two flat Float64Arrays (heights, positions) that serialise as they are.
 */

// Desired-position increments per observation for the 0.5 quantile.
const INCREMENTS = [0, 0.25, 0.5, 0.75, 1];

/** Adds x as observation number `count` (1-based, counting this one). */
export function p2Add(heights: Float64Array, positions: Float64Array, base: number, count: number, x: number): void {
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
  const q = heights;
  const n = positions;
  let k: number;
  if (x < q[base]) {
    q[base] = x;
    k = 0;
  } else if (x >= q[base + 4]) {
    q[base + 4] = x;
    k = 3;
  } else {
    k = 0;
    while (x >= q[base + k + 1]) k++;
  }
  for (let i = k + 1; i < 5; i++) n[base + i]++;
  for (let i = 1; i <= 3; i++) {
    const desired = 1 + (count - 1) * INCREMENTS[i];
    const drift = desired - n[base + i];
    const roomAbove = n[base + i + 1] - n[base + i];
    const roomBelow = n[base + i - 1] - n[base + i];
    if ((drift >= 1 && roomAbove > 1) || (drift <= -1 && roomBelow < -1)) {
      const d = Math.sign(drift);
      const candidate = parabolic(q, n, base + i, d);
      q[base + i] = q[base + i - 1] < candidate && candidate < q[base + i + 1] ? candidate : linear(q, n, base + i, d);
      n[base + i] += d;
    }
  }
}

/** The median estimate after `count` observations; exact for the first five. */
export function p2Median(heights: Float64Array, base: number, count: number): number {
  if (count >= 5) return heights[base + 2];
  const mid = (count - 1) / 2;
  return (heights[base + Math.floor(mid)] + heights[base + Math.ceil(mid)]) / 2;
}

function parabolic(q: Float64Array, n: Float64Array, i: number, d: number): number {
  return (
    q[i] +
    (d / (n[i + 1] - n[i - 1])) *
      ((n[i] - n[i - 1] + d) * ((q[i + 1] - q[i]) / (n[i + 1] - n[i])) + (n[i + 1] - n[i] - d) * ((q[i] - q[i - 1]) / (n[i] - n[i - 1])))
  );
}

function linear(q: Float64Array, n: Float64Array, i: number, d: number): number {
  return q[i] + (d * (q[i + d] - q[i])) / (n[i + d] - n[i]);
}
