import { CheckpointError, ConfigError } from '../errors';
import { integerField } from '../features/config';
import { checkKind, restoreArray } from '../features/restore';
import { binary, probability, windowSize } from './inputs';
import type { Metric, MetricConfig, MetricState } from './metric';

export interface RocAucConfig extends MetricConfig {
  /** Overall only: histogram resolution. */
  bins?: number;
}

const KIND = 'ROCAUC';
const binsOf = (config: RocAucConfig) => integerField(KIND, 'bins', config.bins, 4096, 1, 2 ** 24);

/**
 * Area under the ROC curve of P(class 1), ties counting one half (the Mann-Whitney statistic).
 *
 * Overall it is streaming and approximate: scores are counted in `bins` equal-width buckets over [0, 1]
 * (default 4096, 64 KiB) and pairs within one bucket count as ties, so the error is at most half the share
 * of (positive, negative) pairs sharing a bucket; scores that are multiples of 1/bins, with bins a power
 * of two, give the exact value. Over a window it is exact: the window's scores are kept sorted per
 * class, updates cost O(window) memory moves and `get` a merge in O(window).
 */
export function createRocAuc(config: RocAucConfig = {}): Metric {
  const window = windowSize(KIND, config);
  if (window > 0) {
    if (config.bins !== undefined) throw new ConfigError(`${KIND}: bins applies to the overall metric only`);
    return windowedAuc(window, new Float64Array(window), new Uint8Array(window), new Float64Array(2));
  }
  const bins = binsOf(config);
  return histogramAuc(bins, new Float64Array(bins + 1), new Float64Array(bins + 1));
}

export function rocAucFromState(state: MetricState): Metric {
  checkKind(state, KIND, 1);
  const config = state.config as RocAucConfig;
  const window = windowSize(KIND, config);
  if (window > 0) {
    const scores = restoreArray(state, 'scores', Float64Array, window);
    const labels = restoreArray(state, 'labels', Uint8Array, window);
    const position = restoreArray(state, 'position', Float64Array, 2);
    const [count, head] = position;
    if (!(count >= 0 && count <= window && head >= 0 && head < window && Number.isInteger(count) && Number.isInteger(head))) {
      throw new CheckpointError(`${KIND}: state positions [${position.join(', ')}] are out of range`);
    }
    if (scores.subarray(0, count).some((p) => !(p >= 0 && p <= 1)) || labels.some((y) => y > 1)) {
      throw new CheckpointError(`${KIND}: state holds scores outside [0, 1] or labels other than 0 and 1`);
    }
    return windowedAuc(window, scores, labels, position);
  }
  const bins = binsOf(config);
  const positives = restoreArray(state, 'positives', Float64Array, bins + 1);
  return histogramAuc(bins, positives, restoreArray(state, 'negatives', Float64Array, bins + 1));
}

function histogramAuc(bins: number, positives: Float64Array, negatives: Float64Array): Metric {
  const total = (counts: Float64Array) => counts.reduce((sum, n) => sum + n, 0);
  return {
    kind: KIND,
    needs: 'probability',
    update(yTrue, yPred) {
      const y = binary(KIND, 'yTrue', yTrue);
      const p = probability(KIND, 'yPred', yPred);
      (y === 1 ? positives : negatives)[Math.floor(p * bins)]++;
    },
    get() {
      let negativesBelow = 0;
      let area = 0;
      for (let b = 0; b <= bins; b++) {
        area += positives[b] * (negativesBelow + negatives[b] / 2);
        negativesBelow += negatives[b];
      }
      const pairs = total(positives) * negativesBelow;
      return pairs === 0 ? NaN : area / pairs;
    },
    count: () => total(positives) + total(negatives),
    state: () => ({
      kind: KIND,
      version: 1,
      config: { bins },
      arrays: { positives: positives.slice(), negatives: negatives.slice() },
    }),
  };
}

/**
 * Pairs in a batch from which the windowed AUC sorts its classes once instead of moving each score into
 * place. Measured (window 2,000, random scores): a pair moved into place costs ~270 ns whatever the batch;
 * sorting both classes (`radixSort`) ~70 µs a batch, so 2,230 ns a pair at 32 pairs, 289 at 256, 151 at 512
 * and 83 at 1,000 (the source's chunk). Both costs grow with the window alike.
 */
const REBUILD_FROM = 320;

/**
 * Sorts the first `n` of `values`, numbers in [0, 1] (no -0, no NaN), ascending: an LSD radix sort on their
 * bytes (the bit patterns of non-negative doubles order as the doubles do), skipping the bytes all of them
 * share. `spare` holds at least `n`. Measured on 2,000 scores: ~20 µs against ~110 µs for `TypedArray` sort.
 */
function radixSort(values: Float64Array, n: number, spare: Float64Array): void {
  if (!LITTLE_ENDIAN) {
    values.subarray(0, n).sort();
    return;
  }
  let from = values;
  let to = spare;
  // Both arrays' bytes viewed once a call, not once a pass (8 views a call were ~1 B a ctr event).
  let bytes = new Uint8Array(values.buffer, values.byteOffset, n * 8);
  let spareBytes = new Uint8Array(spare.buffer, spare.byteOffset, n * 8);
  const counts = radixCounts;
  for (let byte = 0; byte < 8; byte++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[bytes[i * 8 + byte]]++;
    if (n === 0 || counts[bytes[byte]] === n) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const count = counts[d];
      counts[d] = sum;
      sum += count;
    }
    for (let i = 0; i < n; i++) to[counts[bytes[i * 8 + byte]]++] = from[i];
    const swap = from;
    from = to;
    to = swap;
    const swapBytes = bytes;
    bytes = spareBytes;
    spareBytes = swapBytes;
  }
  if (from !== values) values.set(from.subarray(0, n));
}
const radixCounts = new Int32Array(256);
/** The radix sort reads a double's bytes least significant first: so they are laid out on every platform Node runs on but s390x. */
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[0] === 0;

/** First index whose value is >= `value` among the first `length` entries. */
function lowerBound(sorted: Float64Array, length: number, value: number): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** `lowerBound` of `source[at]`: the kernels below pass an array and an index, so that no double crosses a call boxed. */
function lowerBoundOf(sorted: Float64Array, length: number, source: ArrayLike<number>, at: number): number {
  return lowerBound(sorted, length, source[at]);
}

function windowedAuc(window: number, scores: Float64Array, labels: Uint8Array, position: Float64Array): Metric {
  // Sorted scores per class, rebuilt from the ring so that state holds only the ring.
  const sorted = [new Float64Array(window), new Float64Array(window)];
  const sizes = [0, 0];
  /** Inserts `source[at]` among class y's scores. */
  const insert = (y: 0 | 1, source: ArrayLike<number>, at: number) => {
    const values = sorted[y];
    const to = lowerBoundOf(values, sizes[y], source, at);
    values.copyWithin(to + 1, to, sizes[y]);
    values[to] = source[at];
    sizes[y]++;
  };
  /** Removes the score of the ring's slot `slot` from class y's scores. */
  const remove = (y: 0 | 1, slot: number) => {
    const from = lowerBoundOf(sorted[y], sizes[y], scores, slot);
    sorted[y].copyWithin(from, from + 1, sizes[y]);
    sizes[y]--;
  };
  /**
   * `remove(y, slot)` then `insert(y, source, at)` in one move: only the scores between the two places shift, about
   * a third of the class's window on average instead of the tail twice (the windowed AUC was 4% of the
   * ctr step). Equal scores are the same number, so the sorted array is the same whichever equal one moves.
   */
  const replace = (y: 0 | 1, slot: number, source: ArrayLike<number>, at: number) => {
    const values = sorted[y];
    const from = lowerBoundOf(values, sizes[y], scores, slot);
    const to = lowerBoundOf(values, sizes[y], source, at);
    if (to > from) {
      values.copyWithin(from, from + 1, to);
      values[to - 1] = source[at];
    } else {
      values.copyWithin(to + 1, to, from);
      values[to] = source[at];
    }
  };
  /** Writes pair `at` of `ys`/`ps` into the ring's head slot (the oldest pair's once the window is full) and moves the head on. */
  const advance = (ys: ArrayLike<number>, ps: ArrayLike<number>, at: number) => {
    // Positions are below the window's size: int32 (`| 0`, exact), not doubles boxed in the loop.
    const head = position[1] | 0;
    if (position[0] < window) position[0]++;
    scores[head] = ps[at];
    labels[head] = ys[at];
    position[1] = head + 1 === window ? 0 : head + 1;
  };
  /** Scores pair `at` of `ys`/`ps` (checked by the caller) into the sorted classes, then the ring. */
  const add = (ys: ArrayLike<number>, ps: ArrayLike<number>, at: number) => {
    const y = ys[at] as 0 | 1;
    const head = position[1] | 0;
    if (position[0] < window) insert(y, ps, at);
    else if (labels[head] === y) replace(y, head, ps, at);
    else {
      remove(labels[head] as 0 | 1, head);
      insert(y, ps, at);
    }
    advance(ys, ps, at);
  };
  const count = position[0];
  const oldest = count === window ? position[1] : 0;
  for (let k = 0; k < count; k++) insert(labels[(oldest + k) % window] as 0 | 1, scores, (oldest + k) % window);
  /** Each class's sorted scores again from the ring (whose first `position[0]` slots are filled). */
  const rebuild = () => {
    sizes[0] = 0;
    sizes[1] = 0;
    const filled = position[0];
    for (let k = 0; k < filled; k++) {
      const y = labels[k];
      // +0 for -0: the radix sort orders bit patterns, and every comparison here takes them as equal anyway.
      sorted[y][sizes[y]++] = scores[k] + 0;
    }
    radixSort(sorted[0], sizes[0], spare);
    radixSort(sorted[1], sizes[1], spare);
  };
  const spare = new Float64Array(window);
  // One pair for `update`, as arrays the kernels read.
  const label = new Float64Array(1);
  const score = new Float64Array(1);

  function update(yTrue: number, yPred: number): void {
    // Checked one by one (no pair object per update): both throw before anything changes.
    label[0] = binary(KIND, 'yTrue', yTrue);
    score[0] = probability(KIND, 'yPred', yPred);
    add(label, score, 0);
  }

  return {
    kind: KIND,
    needs: 'probability',
    update,
    /**
     * `update` pair by pair, read in place; a pair `update` would refuse is left to it (its error, after the
     * pairs before). A batch of {@link REBUILD_FROM} pairs or more moves only the ring, then sorts each
     * class's scores once: O(window · log window) a batch instead of a shift of a third of the window per pair
     * (the windowed AUC was 5.5% of the ctr trainer through Kafka; 270 -> 83 ns a pair in chunks of 1,000). The sorted arrays hold the same numbers
     * either way, and `get` reads only their order (ties by `<` and `===`), so every value is the same.
     */
    updateMany(yTrue, yPred) {
      if (yPred.length < REBUILD_FROM) {
        for (let i = 0; i < yPred.length; i++) {
          const p = yPred[i];
          if (p !== p) continue;
          const y = yTrue[i];
          if ((y === 0 || y === 1) && p >= 0 && p <= 1) add(yTrue, yPred, i);
          else update(y, p);
        }
        return;
      }
      for (let i = 0; i < yPred.length; i++) {
        const p = yPred[i];
        if (p !== p) continue;
        const y = yTrue[i];
        if (!((y === 0 || y === 1) && p >= 0 && p <= 1)) {
          // The sorted classes first, so that the state is the pairs before this one's, as pair by pair.
          rebuild();
          update(y, p); // refuses it: throws
          continue;
        }
        advance(yTrue, yPred, i);
      }
      rebuild();
    },
    get() {
      // Read by index: array destructuring made iterators in this once-a-batch (unoptimised) call, ~1 B a ctr event.
      const negatives = sorted[0];
      const positives = sorted[1];
      const negativeCount = sizes[0];
      const positiveCount = sizes[1];
      if (negativeCount === 0 || positiveCount === 0) return NaN;
      let below = 0;
      let atOrBelow = 0;
      let area = 0;
      for (let i = 0; i < positiveCount; i++) {
        const p = positives[i];
        while (below < negativeCount && negatives[below] < p) below++;
        if (atOrBelow < below) atOrBelow = below;
        while (atOrBelow < negativeCount && negatives[atOrBelow] === p) atOrBelow++;
        area += (below + atOrBelow) / 2;
      }
      return area / (positiveCount * negativeCount);
    },
    count: () => position[0],
    state: () => ({
      kind: KIND,
      version: 1,
      config: { window },
      arrays: { scores: scores.slice(), labels: labels.slice(), position: position.slice() },
    }),
  };
}
