/** Rebuilds metrics from stored states by kind. */

import { createRegistry } from '../registry';
import type { Metric, MetricState } from './metric';

export type MetricFromState = (state: MetricState) => Metric;

const metrics = createRegistry<MetricFromState>('metric');

/** Makes `metricFromState` able to rebuild a metric kind; built-in kinds are registered by src/builtins.ts. */
export function registerMetric(kind: string, fromState: MetricFromState): void {
  metrics.register(kind, fromState);
}

export function metricKinds(): string[] {
  return metrics.kinds();
}

/** Rebuilds the metric a `state()` came from. */
export function metricFromState(state: MetricState): Metric {
  return metrics.get(state.kind)(state);
}
