/**
 * The machinery shared by metrics that are a function of per-pair sums (accuracy, log loss, MAE, RMSE, R²,
 * F1): overall they keep running sums; over a window they keep each pair's contributions in a ring and
 * subtract what leaves. Sums are recomputed from the ring once per window length, so subtraction
 * rounding never builds up beyond one window.
 */

import { CheckpointError } from '../errors';
import { checkKind, restoreArray } from '../features/restore';
import { windowSize } from './inputs';
import type { Metric, MetricConfig, MetricState, PredictionKind } from './metric';

export interface AdditiveSpec {
  kind: string;
  needs: PredictionKind;
  /** Number of sums kept. */
  width: number;
  /** Validates a pair and writes its contribution to each sum into `out`. */
  contribute(yTrue: number, yPred: number, out: Float64Array): void;
  /**
   * Optional batch form of `contribute` for pairs `0..n-1`, all finite (the caller checked): pair i's
   * contributions at `out[i · width ..]`, with `contribute`'s arithmetic. Pairs whose prediction is NaN
   * may get any value: they are skipped. Returns how many leading pairs it took: `n`, or the first pair
   * `contribute` would refuse (a label that is no class, a probability outside [0, 1]), which is then
   * `contribute`'s to refuse.
   */
  contributeMany?(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, n: number, out: Float64Array): number;
  /** The metric from the sums over `count` pairs (count > 0). */
  result(sums: Float64Array, count: number): number;
}

interface Counters {
  sums: Float64Array;
  /** Windowed only: `window × width` contributions, oldest at `head` once full. */
  ring: Float64Array;
  /** [pairs counted, ring head, evictions since the last recomputation]. */
  position: Float64Array;
}

export function createAdditiveMetric(spec: AdditiveSpec, config: MetricConfig = {}): Metric {
  const window = windowSize(spec.kind, config);
  return buildAdditiveMetric(spec, window, {
    sums: new Float64Array(spec.width),
    ring: new Float64Array(window * spec.width),
    position: new Float64Array(3),
  });
}

export function additiveMetricFromState(spec: AdditiveSpec, state: MetricState): Metric {
  checkKind(state, spec.kind, 1);
  const window = windowSize(spec.kind, state.config as MetricConfig);
  const counters = {
    sums: restoreArray(state, 'sums', Float64Array, spec.width),
    ring: restoreArray(state, 'ring', Float64Array, window * spec.width),
    position: restoreArray(state, 'position', Float64Array, 3),
  };
  const [count, head, sinceResum] = counters.position;
  const inRange = (value: number, limit: number) => Number.isInteger(value) && value >= 0 && value <= limit;
  const limit = window === 0 ? Number.MAX_SAFE_INTEGER : window;
  if (!inRange(count, limit) || !inRange(head, Math.max(window - 1, 0)) || !inRange(sinceResum, window)) {
    throw new CheckpointError(`${spec.kind}: state positions [${counters.position.join(', ')}] are out of range`);
  }
  return buildAdditiveMetric(spec, window, counters);
}

/** How many leading pairs a batch kernel may take: up to the first whose label or prediction is not finite (a NaN prediction is skipped, not scored). */
function finitePrefix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  for (let i = 0; i < yPred.length; i++) {
    const prediction = yPred[i];
    if (Number.isNaN(prediction)) continue;
    if (!Number.isFinite(prediction) || !Number.isFinite(yTrue[i])) return i;
  }
  return yPred.length;
}

function buildAdditiveMetric(spec: AdditiveSpec, window: number, { sums, ring, position }: Counters): Metric {
  const { width } = spec;
  const contribution = new Float64Array(width);

  function resum(): void {
    sums.fill(0);
    for (let k = 0; k < ring.length; k++) sums[k % width] += ring[k];
    position[2] = 0;
  }

  function update(yTrue: number, yPred: number): void {
    spec.contribute(yTrue, yPred, contribution);
    for (let s = 0; s < width; s++) sums[s] += contribution[s];
    if (window === 0) {
      position[0]++;
      return;
    }
    const slot = position[1] * width;
    if (position[0] === window) {
      for (let s = 0; s < width; s++) sums[s] -= ring[slot + s];
      position[2]++;
    } else {
      position[0]++;
    }
    // A loop, not `ring.set`: the windowed metrics' update was 4.4% of the Arrow step, most of it the call.
    for (let s = 0; s < width; s++) ring[slot + s] = contribution[s];
    position[1] = (position[1] + 1) % window;
    if (position[2] === window) resum();
  }

  /**
   * Adds pairs `[from, to)` whose contributions are already in `values` (pair i's at `(i - from) · width`),
   * skipping those whose prediction is NaN, with the ring's positions in locals (4.1% of the Arrow step as
   * calls to `update`). The same additions in the same order as `update`.
   */
  function addPairs(values: Float64Array, yPred: ArrayLike<number>, from: number, to: number): void {
    // Windowed, the positions are below the window's size: int32 locals (`| 0`, exact). Read as the doubles
    // they are stored as, they were boxed in the loop: 51 bytes of garbage a row over the 2 windowed metrics.
    let count = position[0] | 0;
    let head = position[1] | 0;
    let evicted = position[2] | 0;
    // One sum at a time, as `addOverall`: a sum, its ring column and its recomputation depend on no other
    // sum, and the positions move the same way for each.
    for (let s = 0; s < width; s++) {
      count = position[0] | 0;
      head = position[1] | 0;
      evicted = position[2] | 0;
      let sum = sums[s];
      for (let i = from; i < to; i++) {
        if (Number.isNaN(yPred[i])) continue;
        const value = values[(i - from) * width + s];
        sum += value;
        const slot = head * width + s;
        if (count === window) {
          sum -= ring[slot];
          evicted++;
        } else {
          count++;
        }
        ring[slot] = value;
        // Not `% window`: the positions are doubles (read from a Float64Array), and a double's remainder is a call.
        head = head + 1 === window ? 0 : head + 1;
        if (evicted === window) {
          // Through `sums`, not a returned number: when V8 did not inline the call, its result (of unknown
          // type) merged into `sum` made `sum` a boxed double on every pair (32 MB per 1M Arrow rows).
          sums[s] = ringColumnSum(s);
          sum = sums[s];
          evicted = 0;
        }
      }
      sums[s] = sum;
    }
    position[0] = count;
    position[1] = head;
    position[2] = evicted;
  }

  /** Sum `s` recomputed from the ring, with `resum`'s additions in `resum`'s order. */
  function ringColumnSum(s: number): number {
    let sum = 0;
    for (let k = s; k < ring.length; k += width) sum += ring[k];
    return sum;
  }

  /**
   * `addPairs` without a window: each sum added up in a local, one sum at a time. A sum's additions are the
   * same, in the same order, as pair by pair (the sums do not depend on each other), so the same bits.
   */
  function addOverall(values: Float64Array, yPred: ArrayLike<number>, from: number, to: number): void {
    for (let s = 0; s < width; s++) {
      let sum = sums[s];
      for (let i = from; i < to; i++) if (!Number.isNaN(yPred[i])) sum += values[(i - from) * width + s];
      sums[s] = sum;
    }
    let count = position[0];
    for (let i = from; i < to; i++) if (!Number.isNaN(yPred[i])) count++;
    position[0] = count;
  }

  // Chosen once: with the choice inside one `addPairs`, its optimised code (shared by the 5 metrics) was made
  // before an overall metric took the branch and was thrown away (deopt: "insufficient type feedback for
  // call"); its loops then ran unoptimised, boxing each sum: 34.5 MB of garbage per 1M Arrow rows.
  const add = window === 0 ? addOverall : addPairs;

  /** Contributions of a batch, reused from one batch to the next. */
  let batchValues = new Float64Array(0);

  /**
   * `update` over a batch: the spec's batch kernel for the leading pairs that are finite, then pair by pair
   * from the first pair it cannot take (whose error is then `update`'s, after the pairs before it counted).
   * The kernel writes numbers into an array: called pair by pair through one call site shared by every
   * metric, `contribute` boxed its arguments (5 metrics: ~200 bytes of garbage a row, most of the step's GC).
   */
  function updateMany(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, checked = false): void {
    const many = spec.contributeMany;
    // `checked`: scanned once per batch by `scoreBatch` instead of once per metric (5 scans of the same arrays).
    let taken = many === undefined ? 0 : checked ? yPred.length : finitePrefix(yTrue, yPred);
    if (many !== undefined && taken > 0) {
      if (batchValues.length < taken * width) batchValues = new Float64Array(Math.max(taken * width, 2 * batchValues.length));
      taken = many(yTrue, yPred, taken, batchValues);
      add(batchValues, yPred, 0, taken);
    }
    for (let i = taken; i < yPred.length; i++) {
      if (Number.isNaN(yPred[i])) continue;
      spec.contribute(yTrue[i], yPred[i], contribution);
      add(contribution, yPred, i, i + 1);
    }
  }

  return {
    kind: spec.kind,
    needs: spec.needs,
    update,
    // One loop per metric instead of one call per pair and metric: 4.4% + 1.1% of the Arrow step's profile
    // went to scoring 5 metrics row by row.
    updateMany,
    get(): number {
      return position[0] === 0 ? NaN : spec.result(sums, position[0]);
    },
    count(): number {
      return position[0];
    },
    state(): MetricState {
      return {
        kind: spec.kind,
        version: 1,
        config: window === 0 ? {} : { window },
        arrays: { sums: sums.slice(), ring: ring.slice(), position: position.slice() },
      };
    },
  };
}
