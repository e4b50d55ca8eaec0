import type { Metric, MetricState } from '../evaluation/metric';
import { metricFromState } from '../evaluation/registry';
import type { JsonObject, JsonValue } from '../state';
import { typedArrayFromJson, typedArrayToJson } from '../state-json';

/**
 * Prequential metric state travels in the checkpoint manifest (`extra.metricState`), so that a restart
 * resumes the metrics where the model resumes: windows, sums and counts included. Arrays are base64 of
 * their little-endian bytes: exact (NaN, -0 and ±Infinity included, which JSON numbers cannot carry) and
 * readable from Python with `numpy.frombuffer(base64.b64decode(data), dtype)`.
 */
export const METRIC_STATE_KEY = 'metricState';

/** Every metric's state, for `extra.metricState`. */
export function encodeMetricStates(metrics: Record<string, Metric>): JsonObject {
  const out: JsonObject = {};
  for (const [name, metric] of Object.entries(metrics)) {
    const { kind, version, config, arrays } = metric.state();
    out[name] = { kind, version, config, arrays: Object.fromEntries(Object.entries(arrays).map(([key, array]) => [key, typedArrayToJson(array)])) };
  }
  return out;
}

/**
 * The topology's metrics resumed from a checkpoint's `extra.metricState`: each metric the topology defines
 * takes its stored state when one of the same name and kind is there, and starts fresh otherwise (a metric
 * added since the checkpoint, or a checkpoint written before metric state was kept).
 */
export function resumeMetrics(fresh: Record<string, Metric>, stored: JsonValue | undefined): Record<string, Metric> {
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return fresh;
  const out: Record<string, Metric> = {};
  for (const [name, metric] of Object.entries(fresh)) {
    const entry = stored[name] as { kind?: unknown; version?: unknown; config?: unknown; arrays?: Record<string, JsonValue> } | undefined;
    if (entry === undefined || entry.kind !== metric.kind || typeof entry.arrays !== 'object' || entry.arrays === null) {
      out[name] = metric;
      continue;
    }
    const arrays = Object.fromEntries(
      Object.entries(entry.arrays).map(([key, encoded]) => [key, typedArrayFromJson(encoded, `metric state array "${name}.${key}"`)]),
    );
    out[name] = metricFromState({ kind: metric.kind, version: entry.version as number, config: (entry.config ?? {}) as JsonObject, arrays } as MetricState);
  }
  return out;
}
