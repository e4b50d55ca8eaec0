import type { Metric, MetricState } from '../evaluation/metric';
import { metricFromState } from '../evaluation/registry';
import type { JsonObject, JsonValue } from '../state';
import { typedArrayFromJson, typedArrayToJson } from '../state-json';
import { addedSince, isSummable } from '../evaluation/metric-merge';

/**
 * Prequential metric state travels in the checkpoint manifest (`extra.metricState`), so that a restart
 * resumes the metrics where the model resumes: windows, sums and counts included. Arrays are base64 of
 * their little-endian bytes: exact (NaN, -0 and ±Infinity included, which JSON numbers cannot carry) and
 * readable from Python with `numpy.frombuffer(base64.b64decode(data), dtype)`.
 */
export const METRIC_STATE_KEY = 'metricState';

/** Every metric's state, for `extra.metricState`; with `windows: false`, only the overall (summable) metrics'. */
export function encodeMetricStates(metrics: Record<string, Metric>, { windows = true }: { windows?: boolean } = {}): JsonObject {
  const out: JsonObject = {};
  for (const [name, metric] of Object.entries(metrics)) {
    const { kind, version, config, arrays } = metric.state();
    if (!windows && !isSummable({ kind, version, config, arrays } as MetricState)) continue;
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
  const out: Record<string, Metric> = {};
  for (const [name, metric] of Object.entries(fresh)) {
    const state = storedState(stored, name, metric.kind);
    out[name] = state ? metricFromState(state) : metric;
  }
  return out;
}

/** The state stored under `name` in an `extra.metricState`, when it is there and of `kind`. */
function storedState(stored: JsonValue | undefined, name: string, kind: string): MetricState | undefined {
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return undefined;
  const entry = stored[name] as { kind?: unknown; version?: unknown; config?: unknown; arrays?: Record<string, JsonValue> } | undefined;
  if (entry === undefined || entry.kind !== kind || typeof entry.arrays !== 'object' || entry.arrays === null) return undefined;
  const arrays = Object.fromEntries(
    Object.entries(entry.arrays).map(([key, encoded]) => [key, typedArrayFromJson(encoded, `metric state array "${name}.${key}"`)]),
  );
  return { kind, version: entry.version as number, config: (entry.config ?? {}) as JsonObject, arrays } as MetricState;
}

/**
 * The metric state of a merged version (docs/scale-out.md): each overall metric is the base's plus what every
 * worker counted since (exact); a windowed metric is the window of the worker that learned most among those
 * that sent their windows this round (workers do not share one order of pairs), or the base's when none did
 * (a worker sends its windows at most once a second). `weights` are the examples each worker learned.
 */
export function mergeMetricStates(contributions: readonly JsonObject[], weights: readonly number[], base: JsonValue | undefined): JsonObject {
  const byWeight = contributions.map((c, i) => ({ c, w: weights[i] })).sort((a, b) => b.w - a.w);
  const out: JsonObject = {};
  for (const name of new Set(byWeight.flatMap(({ c }) => Object.keys(c)))) {
    const entry = byWeight.find(({ c }) => c[name] !== undefined)!.c[name];
    const kind = (entry as { kind?: unknown } | null)?.kind;
    const states = typeof kind === 'string' ? contributions.map((c) => storedState(c, name, kind)) : [];
    const summable = states.length > 0 && states.every((state) => state !== undefined && isSummable(state));
    out[name] = summable
      ? encodeMetricStates({ [name]: metricFromState(addedSince(states as MetricState[], storedState(base, name, kind as string))) })[name]
      : entry;
  }
  // A windowed metric no worker sent this round: the base's window goes on.
  if (isJsonObject(base)) for (const [name, entry] of Object.entries(base)) if (!(name in out) && isWindowed(base, name, entry)) out[name] = entry;
  return out;
}

function isWindowed(stored: JsonObject, name: string, entry: JsonValue): boolean {
  const kind = (entry as { kind?: unknown } | null)?.kind;
  const state = typeof kind === 'string' ? storedState(stored, name, kind) : undefined;
  return state !== undefined && !isSummable(state);
}

/** Whether `stored[name]` is a windowed metric's state, from its config alone: its arrays are not decoded. */
function isWindowedEntry(stored: JsonValue | undefined, name: string): boolean {
  const window = isJsonObject(stored) ? (stored[name] as { config?: { window?: unknown } } | null | undefined)?.config?.window : undefined;
  return typeof window === 'number' && window !== 0;
}

const isJsonObject = (value: JsonValue | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each metric's value from a stored `extra.metricState`. */
export function metricValuesOf(stored: JsonObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, entry] of Object.entries(stored)) {
    const kind = (entry as { kind?: unknown } | null)?.kind;
    const state = typeof kind === 'string' ? storedState(stored, name, kind) : undefined;
    if (state) out[name] = metricFromState(state).get();
  }
  return out;
}

/** The states of the summable metrics, as they are now: what a worker adopting a merged version adds on to. */
export function summableStates(metrics: Record<string, Metric>): Record<string, MetricState> {
  const out: Record<string, MetricState> = {};
  for (const [name, metric] of Object.entries(metrics)) {
    const state = metric.state();
    if (isSummable(state)) out[name] = state;
  }
  return out;
}

/**
 * A worker's metrics once it adopts a merged version: each summable metric becomes the version's plus what the
 * worker counted since `at` (its contribution; none for a reset, where what it counted since is learned again).
 * Windowed metrics, and any the version does not carry, stay the worker's own.
 */
export function adoptMetrics(
  metrics: Record<string, Metric>,
  stored: JsonValue | undefined,
  at: Record<string, MetricState> | undefined,
): Record<string, Metric> {
  const out: Record<string, Metric> = {};
  for (const [name, metric] of Object.entries(metrics)) {
    // A window stays the worker's own: not decoded (two 2,000-pair windows were half of adopting a version, measured).
    if (isWindowedEntry(stored, name)) {
      out[name] = metric;
      continue;
    }
    const version = storedState(stored, name, metric.kind);
    const now = metric.state();
    if (!version || !isSummable(now) || !isSummable(version)) out[name] = metric;
    else out[name] = metricFromState(at?.[name] ? addedSince([version, now], at[name]) : version);
  }
  return out;
}
