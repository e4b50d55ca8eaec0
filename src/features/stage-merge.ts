import { arraysOf, carryState, mergeStates, MergeError, requireSameConfig, requireSameKeys, type CarryFn, type MergeFn } from '../learners/merge';
import type { JsonObject, ModelState, TypedArray } from '../state';

/**
 * The StandardScaler's running statistics (count, mean, M2 per column) are merged exactly: each worker's
 * statistics since the base are recovered by reversing Chan et al.'s pairwise update, and the base plus
 * every worker's part are combined again. The result is what one scaler that had seen every example
 * would hold, whatever the weights (counts carry their own).
 */
export const mergeStandardScalerStates: MergeFn = (states, _weights, base) => {
  requireSameConfig(states);
  // A worker that has seen no row yet has no statistics: it adds nothing.
  const seen = states.filter((state) => state.arrays.mean !== undefined);
  if (seen.length === 0) return states[0];
  const width = arraysOf(seen, 'mean')[0].length;
  const start =
    base && base.arrays.mean?.length === width ? moments(base) : { count: new Float64Array(width), mean: new Float64Array(width), m2: new Float64Array(width) };
  const total = { count: start.count.slice(), mean: start.mean.slice(), m2: start.m2.slice() };
  for (const state of seen) combine(total, since(moments(state), start));
  return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays: total };
};

interface Moments {
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

function moments(state: ModelState): Moments {
  const [count, mean, m2] = ['count', 'mean', 'm2'].map((key) => {
    const array = state.arrays[key];
    if (array === undefined) throw new MergeError(`merge: ${state.kind} state has no array '${key}'`);
    return Float64Array.from(array);
  });
  return { count, mean, m2 };
}

/** The part of `after` learned since `before` (Chan's update solved for the second part). */
function since(after: Moments, before: Moments): Moments {
  const width = after.count.length;
  const part: Moments = { count: new Float64Array(width), mean: new Float64Array(width), m2: new Float64Array(width) };
  for (let j = 0; j < width; j++) {
    const n = after.count[j] - before.count[j];
    if (n <= 0) continue;
    const mean = (after.count[j] * after.mean[j] - before.count[j] * before.mean[j]) / n;
    const delta = mean - before.mean[j];
    part.count[j] = n;
    part.mean[j] = mean;
    part.m2[j] = Math.max(0, after.m2[j] - before.m2[j] - (delta * delta * before.count[j] * n) / after.count[j]);
  }
  return part;
}

/** Chan et al.'s pairwise combination, in place into `total`. */
function combine(total: Moments, part: Moments): void {
  for (let j = 0; j < total.count.length; j++) {
    const n = part.count[j];
    if (n === 0) continue;
    const count = total.count[j] + n;
    const delta = part.mean[j] - total.mean[j];
    total.mean[j] += (delta * n) / count;
    total.m2[j] += part.m2[j] + (delta * delta * total.count[j] * n) / count;
    total.count[j] = count;
  }
}

/** A stage that learns nothing (assembler, hasher, tokenizer, interactions) merges to itself. */
export const mergeStatelessStage: MergeFn = (states) => {
  requireSameConfig(states);
  if (requireSameKeys(states).length > 0) throw new MergeError(`merge: ${states[0].kind} has learned state and no merge`);
  return states[0];
};

/** The part of a composite state (a pipeline's stage or model) stored under `prefix` with its header. */
export function partOf(state: ModelState, header: JsonObject, prefix: string): ModelState {
  const arrays: Record<string, TypedArray> = {};
  for (const [name, array] of Object.entries(state.arrays)) if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = array;
  return { kind: header.kind as string, version: header.version as number, config: header.config as JsonObject, arrays };
}

/** Merges the part under `prefix` of every state through the registry and writes it back under the prefix. */
export function mergePart(
  states: readonly ModelState[],
  weights: readonly number[],
  base: ModelState | undefined,
  header: (state: ModelState) => JsonObject,
  prefix: string,
  into: Record<string, TypedArray>,
): void {
  const parts = states.map((state) => partOf(state, header(state), prefix));
  const basePart = base ? partOf(base, header(base), prefix) : undefined;
  const merged = mergeStates(parts, weights, basePart);
  for (const [name, array] of Object.entries(merged.arrays)) into[prefix + name] = array;
}

/** A pipeline: each stage and the model merged by their own kinds; every worker's pipeline has one shape. */
export const mergePipelineStates: MergeFn = (states, weights, base) => {
  requireSameConfig(states);
  const config = states[0].config as { stages: JsonObject[]; model: JsonObject };
  const arrays: Record<string, TypedArray> = {};
  config.stages.forEach((_, i) => mergePart(states, weights, base, (s) => (s.config.stages as JsonObject[])[i], `stage${i}/`, arrays));
  mergePart(states, weights, base, (s) => s.config.model as JsonObject, 'model/', arrays);
  return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays };
};

/**
 * `indexLabels(...)`: the wrapped model is merged; the label indices must agree between workers (a label
 * first met in another order on another worker would mean another class), so declare the labels up front.
 */
export const mergeLabelIndexedStates: MergeFn = (states, weights, base) => {
  if (states.some((s) => JSON.stringify(s.config.labels) !== JSON.stringify(states[0].config.labels))) {
    throw new MergeError(
      `merge: workers indexed labels in different orders (${states.map((s) => JSON.stringify(s.config.labels)).join(' vs ')}); declare them up front: indexLabels(model, { labels: [...] })`,
    );
  }
  const arrays: Record<string, TypedArray> = {};
  mergePart(states, weights, base, (s) => s.config.model as JsonObject, 'model/', arrays);
  return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays };
};

/** The scaler's carry, exact: the merged statistics plus the rows the worker saw since it contributed. */
export const carryStandardScalerState: CarryFn = (merged, now, at) => mergeStandardScalerStates([merged, now], [1, 1], at);

/** A stage that learns nothing carries to the merged version as it is. */
export const carryStatelessStage: CarryFn = (merged) => merged;

/** Carries the part under `prefix`; false when its kind has no carry. */
function carryPart(
  states: [ModelState, ModelState, ModelState],
  header: (state: ModelState) => JsonObject,
  prefix: string,
  into: Record<string, TypedArray>,
): boolean {
  const [m, n, a] = states.map((state) => partOf(state, header(state), prefix));
  const carried = carryState(m, n, a);
  if (!carried) return false;
  for (const [name, array] of Object.entries(carried.arrays)) into[prefix + name] = array;
  return true;
}

/** A pipeline carries stage by stage and its model; if one part has no carry, the pipeline has none. */
export const carryPipelineState: CarryFn = (merged, now, at) => {
  const states: [ModelState, ModelState, ModelState] = [merged, now, at];
  requireSameConfig(states);
  const config = merged.config as { stages: JsonObject[] };
  const arrays: Record<string, TypedArray> = {};
  const stages = config.stages.every((_, i) => carryPart(states, (s) => (s.config.stages as JsonObject[])[i], `stage${i}/`, arrays));
  if (!stages || !carryPart(states, (s) => s.config.model as JsonObject, 'model/', arrays)) return undefined;
  return { kind: merged.kind, version: merged.version, config: merged.config, arrays };
};

/** `indexLabels(...)`: the wrapped model carried, with the label order of the merged version (the same on every worker). */
export const carryLabelIndexedState: CarryFn = (merged, now, at) => {
  if (JSON.stringify(now.config.labels) !== JSON.stringify(merged.config.labels)) return undefined;
  const arrays: Record<string, TypedArray> = {};
  if (!carryPart([merged, now, at], (s) => s.config.model as JsonObject, 'model/', arrays)) return undefined;
  return { kind: merged.kind, version: merged.version, config: merged.config, arrays };
};
