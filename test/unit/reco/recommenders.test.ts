/** The contract every recommender keeps, run over each kind (the reco counterpart of the learners' conformance suite). */
import '../../../src/builtins';
import { CheckpointError, ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import { fromState, isSparse, type LearnerState } from '../../../src/learners';
import type { RecoEvent, Recommender } from '../../../src/reco';
import { CASES, errorOf, throughCheckpoint, worldEvents } from './support';

const train = worldEvents(3000, { users: 60, items: 80, seed: 3 });
const more = worldEvents(1500, { users: 60, items: 80, seed: 4 });
const probe = worldEvents(40, { users: 70, items: 90, seed: 5 });

function expectSameArrays(left: LearnerState, right: LearnerState): void {
  expect(Object.keys(right.arrays).sort()).toEqual(Object.keys(left.arrays).sort());
  for (const key of Object.keys(left.arrays)) {
    expect({ key, values: Array.from(right.arrays[key]) }).toEqual({ key, values: Array.from(left.arrays[key]) });
  }
}

describe.each(CASES.map((c) => [c.name, c] as const))('%s keeps the recommender contract', (_name, spec) => {
  const labels = (events: typeof train) => Float64Array.from(events, spec.label);
  const trained = (): Recommender => {
    const model = spec.create();
    model.learnMany(train, labels(train));
    return model;
  };

  test('predictions and recommendations have the documented shapes', () => {
    const model = trained();
    const many = model.predictMany(probe);
    expect(many).toBeInstanceOf(Float64Array);
    probe.forEach((event, i) => {
      expect(Number.isFinite(many[i])).toBe(true);
      expect(model.predictOne(event)).toBe(many[i]);
    });
    const out = new Float64Array(probe.length);
    expect(model.predictMany(probe, out)).toBe(out);

    const known = model.memory().items;
    const all = model.recommend('u1', known + 5, { context: { device: 'tv' } });
    expect(all).toHaveLength(known);
    for (let r = 1; r < all.length; r++) expect(all[r].score).toBeLessThanOrEqual(all[r - 1].score);
    all.forEach(({ itemId }, r) => expect(model.rank('u1', itemId, { context: { device: 'tv' } })).toBe(r + 1));
    // Each score is the prediction for the pair, with the request's context and the item's latest attributes.
    const latest = new Map(train.map((event) => [event.itemId, event]));
    for (const { itemId, score } of all) expect(model.predictOne({ ...latest.get(itemId)!, userId: 'u1', device: 'tv' })).toBeCloseTo(score, 10);
    const top = model.recommend('u1', 5, { exclude: [all[0].itemId, 'never-seen'], context: { device: 'tv' } });
    expect(top.map((r) => r.itemId)).toEqual(all.slice(1, 6).map((r) => r.itemId));
    expect(model.rank('u1', all[0].itemId, { exclude: [all[0].itemId] })).toBe(Infinity);
    expect(model.rank('u1', 'never-seen')).toBe(Infinity);
    expect(model.recommend('u1', 0)).toEqual([]);
    expect(() => model.recommend('u1', 2.5)).toThrow(DecodeError);
    expect(() => model.recommend('', 3)).toThrow(/userId/);
  });

  test('state survives a checkpoint: same predictions and recommendations, same learning afterwards', () => {
    const model = trained();
    const state = model.state();
    const exported = Array.from(state.arrays[spec.learnedArray]);
    const restored = fromState<RecoEvent>(throughCheckpoint(state)) as Recommender;
    expect(restored.kind).toBe(model.kind);
    expect(Array.from(restored.predictMany(probe))).toEqual(Array.from(model.predictMany(probe)));
    for (const user of ['u0', 'u7', 'u33', 'never-seen']) expect(restored.recommend(user, 10)).toEqual(model.recommend(user, 10));
    model.learnMany(more, labels(more));
    restored.learnMany(more, labels(more));
    expectSameArrays(model.state(), restored.state());
    expect(restored.recommend('u7', 10)).toEqual(model.recommend('u7', 10));
    // The exported arrays were copies: learning did not change them.
    expect(Array.from(state.arrays[spec.learnedArray])).toEqual(exported);
    expect(Array.from(model.state().arrays[spec.learnedArray])).not.toEqual(exported);
  });

  test('fromState rejects a state that does not fit', () => {
    const state = throughCheckpoint(trained().state());
    expect(() => fromState({ ...state, kind: 'NoSuchLearner' })).toThrow(CheckpointError);
    expect(() => fromState({ ...state, version: state.version + 1 })).toThrow(CheckpointError);
    const truncated = { ...state, arrays: { ...state.arrays, [spec.learnedArray]: state.arrays[spec.learnedArray].slice(1) } };
    expect(() => fromState(truncated)).toThrow(CheckpointError);
    const missing = { ...state, arrays: { ...state.arrays } };
    delete missing.arrays['items/ids'];
    expect(() => fromState(missing)).toThrow(/items\/ids/);
    expect(() => fromState({ ...state, config: { ...state.config, itemCapacity: -1 } })).toThrow(CheckpointError);
    const duplicated = { ...state, arrays: { ...state.arrays, 'items/ids': new TextEncoder().encode('i1i1'), 'items/idOffsets': Int32Array.of(0, 2, 4) } };
    expect(() => fromState(duplicated)).toThrow(CheckpointError);
  });

  test('sequential learnMany is bit-identical to learnOne loops, maxIter passes in order; minibatch is refused', () => {
    const batched = spec.create({ maxIter: 2 });
    const looped = spec.create({ maxIter: 2 });
    const ys = labels(train);
    batched.learnMany(train.slice(0, 500), ys.slice(0, 500));
    batched.learnMany(train.slice(500, 1000), ys.slice(500, 1000));
    for (const [from, to] of [
      [0, 500],
      [500, 1000],
    ]) {
      for (let pass = 0; pass < 2; pass++) for (let i = from; i < to; i++) looped.learnOne(train[i], ys[i]);
    }
    expectSameArrays(batched.state(), looped.state());
    expect(() => spec.create({ batchMode: 'minibatch' })).toThrow(ConfigError);
  });

  test('bad events and labels are rejected naming where, and change nothing', () => {
    const model = trained();
    const before = model.state();
    const good = train[0];
    const y = spec.label(good);
    const badEvents: Array<[unknown, string]> = [
      [{ ...good, userId: undefined }, 'userId is missing in'],
      [{ ...good, itemId: '' }, 'itemId is "", not a non-empty string or finite number in'],
      [{ ...good, itemId: { id: 1 } }, 'itemId is Object, not a non-empty string or finite number in'],
      [null, 'the event is null, not an object, in'],
    ];
    for (const [bad, message] of badEvents) {
      const alone = errorOf(() => model.learnOne(bad as RecoEvent, y));
      expect(alone).toBeInstanceOf(DecodeError);
      expect(alone.message).toBe(`${message} the example`);
      expect(() => model.transformOne(bad as RecoEvent)).toThrow(alone.message);
      expect(() => model.predictOne(bad as RecoEvent)).toThrow(DecodeError);
      const other = trained();
      const inBatch = errorOf(() => other.learnMany([good, good, bad as RecoEvent], [y, y, y], 'ratings/0@7'));
      expect(inBatch.message).toBe(`${message} example 2 of batch 'ratings/0@7'`);
    }
    const nan = errorOf(() => model.learnOne(good, Number.NaN));
    expect(nan).toBeInstanceOf(NonFiniteError);
    expect(nan.message).toBe('label is NaN in the example');
    expect(() => model.learnMany([good], [])).toThrow('1 events but 0 labels in the batch');
    expectSameArrays(before, model.state());
    const encoded = model.transformOne(good);
    expect(isSparse(encoded)).toBe(true);
    expect(Array.from(encoded.values).every(Number.isFinite)).toBe(true);
  });

  test('memory stays within the capacities under a flood of new ids', () => {
    const capacity = { userCapacity: 50, itemCapacity: 40 };
    const model = spec.create(capacity);
    const flood = (round: number) => {
      const events = Array.from({ length: 600 }, (_, i) => ({ ...train[i], userId: `flood-u${round}-${i}`, itemId: `flood-i${round}-${i}` }));
      model.learnMany(events, labels(train.slice(0, 600)));
    };
    flood(0);
    const full = model.memory();
    flood(1);
    flood(2);
    const later = model.memory();
    expect(later.items).toBe(capacity.itemCapacity);
    expect(later.allocatedItemRows).toBe(capacity.itemCapacity);
    if (later.userCapacity > 0) {
      expect(later.users).toBe(capacity.userCapacity);
      expect(later.allocatedUserRows).toBe(capacity.userCapacity);
    }
    expect(later.arrayBytes).toBe(full.arrayBytes);
    const state = model.state();
    expect(state.arrays['items/idOffsets']).toHaveLength(capacity.itemCapacity + 1);
    const rowArrays = Object.entries(state.arrays).filter(([name]) => name.startsWith('items/') && !/\/(ids|idOffsets|clock)$/.test(name));
    expect(rowArrays.length).toBeGreaterThanOrEqual(2);
    for (const [name, array] of rowArrays)
      expect({
        name,
        rows: array.length / (name.endsWith('factors') || name.endsWith('factorsAccum') ? 4 : name.endsWith('features') || name.endsWith('values') ? 2 : 1),
      }).toEqual({ name, rows: capacity.itemCapacity });
    // The latest ids are the ones kept.
    expect(model.rank('x', 'flood-i2-599')).toBeLessThan(Infinity);
    expect(model.rank('x', 'flood-i0-0')).toBe(Infinity);
  });
});
