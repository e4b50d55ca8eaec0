import { CheckpointError } from '../errors';
import type { Metric, MetricState } from '../evaluation/metric';
import { metricFromState } from '../evaluation/registry';
import type { JsonObject, JsonValue, TypedArray } from '../state';

/**
 * Prequential metric state travels in the checkpoint manifest (`extra.metricState`), so that a restart
 * resumes the metrics where the model resumes: windows, sums and counts included. Arrays are base64 of
 * their little-endian bytes: exact (NaN, -0 and ±Infinity included, which JSON numbers cannot carry) and
 * readable from Python with `numpy.frombuffer(base64.b64decode(data), dtype)`.
 */
export const METRIC_STATE_KEY = 'metricState';

const ARRAY_TYPES = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type ArrayType = keyof typeof ARRAY_TYPES;

function encodeArray(array: TypedArray): JsonObject {
  return { type: array.constructor.name, base64: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64') };
}

function decodeArray(name: string, encoded: JsonValue): TypedArray {
  const { type, base64 } = (encoded ?? {}) as { type?: unknown; base64?: unknown };
  if (typeof type !== 'string' || !(type in ARRAY_TYPES) || typeof base64 !== 'string') {
    throw new CheckpointError(`metric state array "${name}" is not {type, base64} with a typed-array type`);
  }
  const bytes = Buffer.from(base64, 'base64');
  const Type = ARRAY_TYPES[type as ArrayType];
  if (bytes.length % Type.BYTES_PER_ELEMENT !== 0)
    throw new CheckpointError(`metric state array "${name}" has ${bytes.length} bytes, not a whole number of ${type} elements`);
  // Copied into a fresh, aligned buffer: a Buffer may start at any offset of Node's pool.
  const copy = new Uint8Array(bytes);
  return new Type(copy.buffer, 0, copy.length / Type.BYTES_PER_ELEMENT);
}

/** Every metric's state, for `extra.metricState`. */
export function encodeMetricStates(metrics: Record<string, Metric>): JsonObject {
  const out: JsonObject = {};
  for (const [name, metric] of Object.entries(metrics)) {
    const { kind, version, config, arrays } = metric.state();
    out[name] = { kind, version, config, arrays: Object.fromEntries(Object.entries(arrays).map(([key, array]) => [key, encodeArray(array)])) };
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
    const arrays = Object.fromEntries(Object.entries(entry.arrays).map(([key, encoded]) => [key, decodeArray(`${name}.${key}`, encoded)]));
    out[name] = metricFromState({ kind: metric.kind, version: entry.version as number, config: (entry.config ?? {}) as JsonObject, arrays } as MetricState);
  }
  return out;
}
