import { performance } from 'node:perf_hooks';
import { createBiasedMF, createFactorizationMachine, type Recommender } from '../../src/reco';

export interface LatencyRun {
  model: string;
  items: number;
  factors: number;
  calls: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Items scored per second by one `recommend` call, at the median. */
  itemsPerSecond: number;
}

const USERS = 1000;
const CALLS = 300;

/** A catalog of `items` items and `USERS` users, every one learned at least once. */
function catalog(model: Recommender, items: number): Recommender {
  for (let j = 0; j < items; j++) {
    model.learnOne({ userId: `u${j % USERS}`, itemId: `i${j}`, device: 'tv', category: `c${j % 50}` }, 1 + (j % 5));
  }
  return model;
}

/**
 * Times `recommend(user, 10, { exclude })` over a full catalog: `CALLS` calls for distinct known users,
 * each excluding 20 items, after 30 untimed calls; percentiles of the per-call wall time.
 */
function measure(name: string, model: Recommender, items: number, factors: number): LatencyRun {
  const exclude = Array.from({ length: 20 }, (_, j) => `i${j * 7}`);
  const call = (c: number) => model.recommend(`u${(c * 37) % USERS}`, 10, { exclude, context: { device: 'tv' } });
  for (let c = 0; c < 30; c++) call(c);
  const times = Array.from({ length: CALLS }, (_, c) => {
    const start = performance.now();
    call(c);
    return performance.now() - start;
  }).sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return {
    model: name,
    items,
    factors,
    calls: CALLS,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: times[times.length - 1],
    itemsPerSecond: items / (at(0.5) / 1000),
  };
}

export function recommendLatency(items: number, seed: number): LatencyRun[] {
  const runs: LatencyRun[] = [];
  for (const factors of [10, 32, 64]) {
    const model = catalog(createBiasedMF({ factors, itemCapacity: items, seed }), items);
    runs.push(measure('BiasedMF', model, items, factors));
  }
  const fm = catalog(createFactorizationMachine({ factors: 16, userFields: ['device'], itemFields: ['category'], itemCapacity: items, seed }), items);
  runs.push(measure('FactorizationMachine (device; category)', fm, items, 16));
  return runs;
}
