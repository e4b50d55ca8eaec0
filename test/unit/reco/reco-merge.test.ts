/** Merges of the recommenders for scale-out (src/reco/reco-merge.ts, docs/scale-out.md). */
import '../../../src/builtins';
import { fromState, type LearnerState } from '../../../src/learners';
import { isMergeable, mergeStates, MergeError, requireMergeable } from '../../../src/learners/merge';
import { createBiasedMF, createPopularity, type Recommender } from '../../../src/reco';
import { encodeIds } from '../../../src/reco/id-table';
import { CASES, readTable, throughCheckpoint, worldEvents, type RecoCase } from './support';

const baseEvents = worldEvents(800, { users: 40, items: 50, seed: 11 });
const eventsA = worldEvents(1200, { users: 40, items: 50, seed: 12 });
// Worker B sees users and items A never does, so the union of the tables is tested as well as the shared rows.
const eventsB = worldEvents(900, { users: 70, items: 90, seed: 13 }).map((e) => ({ ...e, userId: `b-${e.userId}`, itemId: `b-${e.itemId}` }));

function learned(spec: RecoCase, from: LearnerState | undefined, events: typeof baseEvents): Recommender {
  const model = from ? (fromState(from) as Recommender) : spec.create();
  model.learnMany(events, Float64Array.from(events, spec.label));
  return model;
}

function expectSameArrays(left: LearnerState, right: LearnerState): void {
  expect(Object.keys(right.arrays).sort()).toEqual(Object.keys(left.arrays).sort());
  for (const key of Object.keys(left.arrays)) expect({ key, values: Array.from(right.arrays[key]) }).toEqual({ key, values: Array.from(left.arrays[key]) });
}

describe.each(CASES.map((c) => [c.name, c] as const))('%s merge', (_name, spec) => {
  const base = learned(spec, undefined, baseEvents).state();
  const a = learned(spec, base, eventsA).state();
  const b = learned(spec, base, eventsB).state();

  test('is registered, and a fresh model passes the trial merge a shared topology makes', () => {
    expect(isMergeable(spec.create().state().kind)).toBe(true);
    expect(() => requireMergeable(spec.create().state(), 'topology t')).not.toThrow();
  });

  test('one state is returned as it is; identical states over their own base give that state back', () => {
    expect(mergeStates([a], [7], base)).toBe(a);
    expectSameArrays(a, mergeStates([a, a, a], [1, 2, 3], a));
  });

  test('the id tables hold the union of the workers’ ids, in order of first appearance, and the result restores', () => {
    const merged = throughCheckpoint(mergeStates([a, b], [eventsA.length, eventsB.length], base));
    for (const prefix of ['items', ...(a.arrays['users/ids'] ? ['users'] : [])]) {
      const idsA = readTable(a, prefix).ids;
      const idsB = readTable(b, prefix).ids;
      expect(readTable(merged, prefix).ids).toEqual([...idsA, ...idsB.filter((id) => !idsA.includes(id))]);
    }
    const model = fromState(merged) as Recommender;
    const scores = model.predictMany([...eventsA.slice(0, 20), ...eventsB.slice(0, 20)]);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(model.memory().items).toBe(readTable(merged, 'items').ids.length);
  });

  test('an id only one worker holds keeps that worker’s row', () => {
    const merged = mergeStates([a, b], [3, 1], base);
    const onlyB = readTable(b, 'items').ids.find((id) => !readTable(a, 'items').ids.includes(id))!;
    const columns = Object.keys(b.arrays)
      .filter((key) => key.startsWith('items/') && !['items/ids', 'items/idOffsets', 'items/referenced', 'items/clock'].includes(key))
      .map((key) => key.slice('items/'.length));
    expect(columns.length).toBeGreaterThan(0);
    for (const column of columns) {
      const row = (state: LearnerState) => readTable(state, 'items').column(column)[readTable(state, 'items').ids.indexOf(onlyB)];
      expect({ column, row: row(merged) }).toEqual({ column, row: row(b) });
    }
  });

  test('is deterministic: the same states in the same order give the same bytes', () => {
    expectSameArrays(mergeStates([a, b], [2, 5], base), mergeStates([a, b], [2, 5], base));
  });

  test('the id tables are cut to their capacity, keeping the ids of the heavier worker, then the first seen', () => {
    const small: RecoCase = { ...spec, create: () => spec.create({ itemCapacity: 60, userCapacity: 50 }) };
    const sa = learned(small, undefined, eventsA).state();
    const sb = learned(small, undefined, eventsB).state();
    const [idsA, idsB] = [sa, sb].map((s) => readTable(s, 'items').ids);
    expect(idsB).toHaveLength(60);
    const tied = throughCheckpoint(mergeStates([sa, sb], [1, 1], undefined));
    expect(readTable(tied, 'items').ids).toEqual([...idsA, ...idsB].slice(0, 60));
    expect(() => fromState(tied)).not.toThrow();
    expect(readTable(mergeStates([sa, sb], [1, 3], undefined), 'items').ids).toEqual(idsB);
  });

  test('a state whose id table repeats an id is refused as a merge error naming the array and row', () => {
    const ids = readTable(a, 'items').ids;
    const { bytes, offsets } = encodeIds([ids[0], ...ids.slice(0, -1)]);
    const bad = { ...a, arrays: { ...a.arrays, 'items/ids': bytes, 'items/idOffsets': offsets } };
    expect(() => mergeStates([bad, b], [1, 1], base)).toThrow(MergeError);
    expect(() => mergeStates([bad, b], [1, 1], base)).toThrow(/'items\/ids': row 1 holds the duplicate id/);
  });
});

describe('merged values', () => {
  test('BiasedMF: a shared id with equal weights is the mean of the two rows; the global mean is exact', () => {
    const base = learned(CASES[0], undefined, baseEvents).state();
    const a = learned(CASES[0], base, eventsA).state();
    const b = learned(CASES[0], base, eventsA.slice(0, 600)).state();
    const merged = mergeStates([a, b], [1, 1], base);
    const [ta, tb, tm] = [a, b, merged].map((s) => readTable(s, 'users'));
    const id = tb.ids[0];
    const mean = ta.column('factors')[ta.ids.indexOf(id)].map((v, f) => (v + tb.column('factors')[tb.ids.indexOf(id)][f]) / 2);
    tm.column('factors')[tm.ids.indexOf(id)].forEach((v, f) => expect(v).toBeCloseTo(mean[f], 6));

    const all = [...baseEvents, ...eventsA, ...eventsA.slice(0, 600)];
    const [mu, count] = merged.arrays.global;
    expect(count).toBe(all.length);
    expect(mu).toBeCloseTo(all.reduce((sum, e) => sum + e.rating, 0) / all.length, 9);
  });

  test('Popularity: merged counts equal one model that counted every worker’s events', () => {
    const base = createPopularity();
    base.learnMany(baseEvents, new Float64Array(baseEvents.length).fill(1));
    const a = fromState(base.state()) as Recommender;
    a.learnMany(eventsA, new Float64Array(eventsA.length).fill(1));
    const b = fromState(base.state()) as Recommender;
    b.learnMany(eventsB, new Float64Array(eventsB.length).fill(1));
    const one = createPopularity();
    for (const events of [baseEvents, eventsA, eventsB]) one.learnMany(events, new Float64Array(events.length).fill(1));
    const merged = readTable(mergeStates([a.state(), b.state()], [5, 1], base.state()), 'items');
    const single = readTable(one.state(), 'items');
    expect(new Set(merged.ids)).toEqual(new Set(single.ids));
    for (const id of single.ids) expect(merged.column('count')[merged.ids.indexOf(id)]).toEqual(single.column('count')[single.ids.indexOf(id)]);
  });

  test('two workers that learned differently give a model between them', () => {
    const model = createBiasedMF({ factors: 4 });
    const a = learned(CASES[0], model.state(), eventsA).state();
    const b = learned(
      CASES[0],
      model.state(),
      eventsA.map((e) => ({ ...e, rating: 5 })),
    ).state();
    const merged = fromState(mergeStates([a, b], [1, 1], model.state())) as Recommender;
    const [pa, pb, pm] = [a, b].map((s) => (fromState(s) as Recommender).predictOne(eventsA[0])).concat(merged.predictOne(eventsA[0]));
    expect(pm).toBeGreaterThan(Math.min(pa, pb));
    expect(pm).toBeLessThan(Math.max(pa, pb));
  });
});
