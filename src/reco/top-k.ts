/**
 * Top-K selection over a catalog's scores. Order: score descending, ties by row ascending (the order
 * ids entered the table), so that results are deterministic. A score of -Infinity marks an excluded row.
 */

/** True when row a (score sa) ranks below row b (score sb). */
const below = (sa: number, a: number, sb: number, b: number): boolean => sa < sb || (sa === sb && a > b);

/** The best `k` rows of `scores[0..count)`, best first: a size-k min-heap, O(count · log k). */
export function topK(scores: Float64Array, count: number, k: number): Int32Array {
  const heap = new Int32Array(Math.min(k, count));
  let size = 0;
  const siftDown = (from: number): void => {
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && below(scores[heap[right]], heap[right], scores[heap[left]], heap[left]) ? right : left;
      if (!below(scores[heap[child]], heap[child], scores[heap[i]], heap[i])) return;
      [heap[i], heap[child]] = [heap[child], heap[i]];
      i = child;
    }
  };
  for (let row = 0; row < count; row++) {
    const score = scores[row];
    if (score === -Infinity) continue;
    if (size < heap.length) {
      let i = size++;
      heap[i] = row;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!below(score, row, scores[heap[parent]], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (size > 0 && below(scores[heap[0]], heap[0], score, row)) {
      heap[0] = row;
      siftDown(0);
    }
  }
  const best = heap.slice(0, size);
  best.sort((a, b) => (below(scores[a], a, scores[b], b) ? 1 : -1));
  return best;
}

/** The 1-based position `row` would take in the full ranking of `scores[0..count)`; Infinity when excluded. */
export function rankOf(scores: Float64Array, count: number, row: number): number {
  const score = scores[row];
  if (score === -Infinity) return Infinity;
  let rank = 1;
  for (let other = 0; other < count; other++) if (below(score, row, scores[other], other)) rank++;
  return rank;
}
