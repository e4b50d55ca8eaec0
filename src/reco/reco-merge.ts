/**
 * Merges of the recommenders for scale-out (docs/scale-out.md). The id tables (users, items) merge by
 * `mergeIdTables`: the union of the ids, shared ids averaged by examples learned. Arrays outside the
 * tables:
 * - FactorizationMachine's hashed parameters (global bias, linear weights, factors, AdaGrad Σg²): the
 *   example-weighted average, as for the linear learners;
 * - event counters (BprMF, FactorizationMachine; they seed the negative draws): base + what each worker
 *   added, the count one process would hold;
 * - BiasedMF's global mean μ and its count: exact, each worker's ratings since the base recovered from its
 *   running mean, then one mean over the base and every part.
 */
import { arraysOf, MergeError, normalisedWeights, requireSameConfig, requireSameKeys, weightedAverage, type MergeFn } from '../learners/merge';
import type { ModelState, TypedArray } from '../state';
import { mergeIdTables, type ColumnRule } from './id-table-merge';

const average = (): ColumnRule => 'average';

/** What each kind keeps outside its id tables, and how its tables' columns merge. */
interface RecoMergeSpec {
  tables: Array<{ prefix: 'users/' | 'items/'; capacity: 'userCapacity' | 'itemCapacity'; ruleOf: (column: string) => ColumnRule }>;
  mergeRest(key: string, states: readonly ModelState[], w: readonly number[], base: ModelState | undefined): TypedArray;
}

function recoMerge(spec: RecoMergeSpec): MergeFn {
  return (states, weights, base) => {
    requireSameConfig(states);
    const keys = requireSameKeys(states);
    const w = normalisedWeights(weights);
    const arrays: Record<string, TypedArray> = {};
    for (const { prefix, capacity, ruleOf } of spec.tables) {
      mergeIdTables(prefix, states, w, base, capacityOf(states[0], capacity), ruleOf, arrays);
    }
    for (const key of keys) if (!spec.tables.some(({ prefix }) => key.startsWith(prefix))) arrays[key] = spec.mergeRest(key, states, w, base);
    return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays };
  };
}

function capacityOf(state: ModelState, field: string): number {
  const capacity = state.config[field];
  if (typeof capacity !== 'number') throw new MergeError(`merge: ${state.kind} config has no ${field}`);
  return capacity;
}

/** base + Σ (worker − base): what one process that had counted every worker's events would hold. */
function summedSinceBase(key: string, states: readonly ModelState[], base: ModelState | undefined): TypedArray {
  const all = arraysOf(states, key);
  const start = base?.arrays[key];
  const out = all[0].slice();
  for (let j = 0; j < out.length; j++) {
    const from = start?.[j] ?? 0;
    out[j] = all.reduce((sum, array) => sum + array[j] - from, from);
  }
  return out;
}

/** BiasedMF's `global` [μ, count]: the mean over the base's ratings and every worker's since. */
function globalMean(states: readonly ModelState[], base: ModelState | undefined): TypedArray {
  const [baseMean, baseCount] = base?.arrays.global ?? [0, 0];
  let count = baseCount;
  let sum = baseMean * baseCount;
  for (const global of arraysOf(states, 'global')) {
    count += global[1] - baseCount;
    sum += global[0] * global[1] - baseMean * baseCount;
  }
  return Float64Array.of(count > 0 ? sum / count : 0, count);
}

const factorTables: RecoMergeSpec['tables'] = [
  { prefix: 'users/', capacity: 'userCapacity', ruleOf: average },
  { prefix: 'items/', capacity: 'itemCapacity', ruleOf: average },
];

export const mergeBiasedMFStates = recoMerge({
  tables: factorTables,
  mergeRest: (key, states, w, base) => (key === 'global' ? globalMean(states, base) : weightedAverage(arraysOf(states, key), w)),
});

export const mergeBprMFStates = recoMerge({
  tables: factorTables,
  mergeRest: (key, states, w, base) => (key === 'counters' ? summedSinceBase(key, states, base) : weightedAverage(arraysOf(states, key), w)),
});

export const mergeFactorizationMachineStates = recoMerge({
  // The catalog holds each item's last seen hashed features: data, not parameters.
  tables: [{ prefix: 'items/', capacity: 'itemCapacity', ruleOf: () => 'heaviest' }],
  mergeRest: (key, states, w, base) => (key === 'counters' ? summedSinceBase(key, states, base) : weightedAverage(arraysOf(states, key), w)),
});

export const mergePopularityStates = recoMerge({
  tables: [{ prefix: 'items/', capacity: 'itemCapacity', ruleOf: () => 'count' }],
  mergeRest: (key) => {
    throw new MergeError(`merge: Popularity state has an unexpected array '${key}'`);
  },
});
