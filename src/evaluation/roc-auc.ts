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

function windowedAuc(window: number, scores: Float64Array, labels: Uint8Array, position: Float64Array): Metric {
  // Sorted scores per class, rebuilt from the ring so that state holds only the ring.
  const sorted = [new Float64Array(window), new Float64Array(window)];
  const sizes = [0, 0];
  const insert = (y: 0 | 1, p: number) => {
    const at = lowerBound(sorted[y], sizes[y], p);
    sorted[y].copyWithin(at + 1, at, sizes[y]);
    sorted[y][at] = p;
    sizes[y]++;
  };
  const remove = (y: 0 | 1, p: number) => {
    const at = lowerBound(sorted[y], sizes[y], p);
    sorted[y].copyWithin(at, at + 1, sizes[y]);
    sizes[y]--;
  };
  /**
   * `remove(y, old)` then `insert(y, p)` in one move: only the scores between the two places shift, about
   * a third of the class's window on average instead of the tail twice (the windowed AUC was 4% of the
   * ctr step). Equal scores are the same number, so the sorted array is the same whichever equal one moves.
   */
  const replace = (y: 0 | 1, old: number, p: number) => {
    const values = sorted[y];
    const from = lowerBound(values, sizes[y], old);
    const to = lowerBound(values, sizes[y], p);
    if (to > from) {
      values.copyWithin(from, from + 1, to);
      values[to - 1] = p;
    } else {
      values.copyWithin(to + 1, to, from);
      values[to] = p;
    }
  };
  const count = position[0];
  const oldest = count === window ? position[1] : 0;
  for (let k = 0; k < count; k++) insert(labels[(oldest + k) % window] as 0 | 1, scores[(oldest + k) % window]);

  return {
    kind: KIND,
    needs: 'probability',
    update(yTrue, yPred) {
      // Checked one by one (no pair object per update): both throw before anything changes.
      const y = binary(KIND, 'yTrue', yTrue);
      const p = probability(KIND, 'yPred', yPred);
      const head = position[1];
      if (position[0] < window) {
        position[0]++;
        insert(y, p);
      } else if (labels[head] === y) {
        replace(y, scores[head], p);
      } else {
        remove(labels[head] as 0 | 1, scores[head]);
        insert(y, p);
      }
      scores[head] = p;
      labels[head] = y;
      position[1] = (head + 1) % window;
    },
    get() {
      const [negatives, positives] = sorted;
      const [negativeCount, positiveCount] = sizes;
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
