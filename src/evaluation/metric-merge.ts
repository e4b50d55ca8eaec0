import type { TypedArray } from '../state';
import type { MetricState } from './metric';

/**
 * Whether a metric state can be combined across workers by `addedSince`: an overall metric (no window), whose
 * state is sums and counts (every additive metric: accuracy, log loss, F1, MAE, RMSE, R²; the ROC AUC
 * histogram). A windowed metric keeps its last N pairs in arrival order, which workers learning in
 * parallel do not share: it stays each worker's own (docs/scale-out.md).
 */
export function isSummable(state: MetricState): boolean {
  const window = state.config.window;
  return window === undefined || window === 0;
}

/**
 * base + Σ (stateᵢ − base), array by array: the metric of every pair `base` counted plus every pair each
 * state counted since it. With merged versions this is exact: a worker's metric starts from the version it
 * adopted, so its difference from that version is its own pairs, each counted once. Also what a worker
 * adopting a merged version holds: `addedSince([merged, now], atContribution)` = merged + what it counted
 * since it contributed. Pure; the states must be summable and of one kind and shape.
 */
export function addedSince(states: readonly MetricState[], base: MetricState | undefined): MetricState {
  const first = states[0];
  const arrays: Record<string, TypedArray> = {};
  for (const [key, array] of Object.entries(first.arrays)) {
    const from = base?.arrays[key];
    const out = array.slice();
    for (let j = 0; j < out.length; j++) {
      const start = from?.[j] ?? 0;
      let sum = start;
      for (const state of states) sum += (state.arrays[key]?.[j] ?? 0) - start;
      out[j] = sum;
    }
    arrays[key] = out;
  }
  return { kind: first.kind, version: first.version, config: first.config, arrays };
}
