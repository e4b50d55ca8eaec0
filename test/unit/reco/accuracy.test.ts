import { createRecoWorld, type RecoWorldConfig } from '../../../src/datasets/reco-events';
import { createBiasedMF, createBprMF, createFactorizationMachine, createPopularity, evaluateRecommender } from '../../../src/reco';
import { take } from './support';

/** A stream and the RMSE of the true expected ratings over its last `window` events: the noise floor. */
function streamWithFloor(n: number, window: number, config: RecoWorldConfig) {
  const world = createRecoWorld(config);
  const events = take(world.events(), n);
  let squares = 0;
  for (const e of events.slice(n - window)) {
    const expected = world.expectedRating(Number(e.userId.slice(1)), Number(e.itemId.slice(1)), world.config.devices.indexOf(e.device));
    squares += (e.rating - expected) ** 2;
  }
  return { events, floor: Math.sqrt(squares / window) };
}

describe('recommenders learn the generated world', () => {
  it('BiasedMF: the rolling RMSE falls to within 10% of the noise floor', () => {
    const window = 20_000;
    const { events, floor } = streamWithFloor(300_000, window, { users: 200, items: 200, factors: 4, noise: 0.5, seed: 31 });
    expect(floor).toBeCloseTo(0.5, 1);
    const model = createBiasedMF({ factors: 8, optimizer: 'adagrad', learningRate: 0.3 });
    // One prequential pass, read after its first window and at its end.
    const early = evaluateRecommender(events.slice(0, window), model, { window, rankEvery: 1000 });
    const late = evaluateRecommender(events.slice(window), model, { window, rankEvery: 1000 });
    expect(early.rollingRmse).toBeGreaterThan(1.3 * floor);
    expect(late.rollingRmse).toBeLessThan(1.1 * floor);
    expect(late.rollingMae).toBeLessThan(1.1 * floor * Math.sqrt(2 / Math.PI));
  });

  it('BprMF: HitRate@10 beats the popularity baseline by at least 30% on implicit events', () => {
    // Popularity decides what is shown, taste what is picked: a model of taste must do better than counts.
    const events = take(createRecoWorld({ users: 1000, items: 1000, choiceSharpness: 4, popularityExponent: 0.8, candidates: 50, seed: 32 }).events(), 200_000);
    const options = { feedback: 'implicit', rankEvery: 10 } as const;
    const popularity = evaluateRecommender(events, createPopularity(), options);
    const bpr = evaluateRecommender(events, createBprMF({ negatives: 8 }), options);
    expect(popularity.hitRate).toBeGreaterThan(0.15);
    expect(bpr.hitRate).toBeGreaterThan(1.3 * popularity.hitRate);
    expect(bpr.ndcg).toBeGreaterThan(1.3 * popularity.ndcg);
    expect(bpr.mrr).toBeGreaterThan(popularity.mrr);
  });

  it('FactorizationMachine: device × category context explains what biased MF cannot', () => {
    const window = 20_000;
    const { events, floor } = streamWithFloor(300_000, window, { users: 200, items: 200, factors: 4, deviceEffect: 0.7, seed: 33 });
    const mf = evaluateRecommender(events, createBiasedMF({ factors: 8, optimizer: 'adagrad', learningRate: 0.3 }), { window, rankEvery: 1000 });
    const fm = evaluateRecommender(
      events,
      createFactorizationMachine({ userFields: ['device'], itemFields: ['category'], optimizer: 'adagrad', learningRate: 0.3 }),
      { window, rankEvery: 1000 },
    );
    expect(fm.rollingRmse).toBeLessThan(0.9 * mf.rollingRmse);
    expect(fm.rollingRmse).toBeLessThan(1.2 * floor);
  });

  it('FactorizationMachine under BPR ranks a brand-new item of a liked category above the others', () => {
    // Two categories; users u0..u9 only ever pick items of category "a", u10..u19 of "b".
    const events = [];
    for (let t = 0; t < 20_000; t++) {
      const user = t % 20;
      const category = user < 10 ? 'a' : 'b';
      events.push({ userId: `u${user}`, itemId: `${category}${(t * 7) % 30}`, category, event: 'click' as const, timestamp: t });
      // The other category is in the catalog too, seen by nobody who likes it.
      if (t % 4 === 0)
        events.push({
          userId: `v${t % 3}`,
          itemId: `${category === 'a' ? 'b' : 'a'}${(t * 5) % 30}`,
          category: category === 'a' ? 'b' : 'a',
          event: 'view' as const,
          timestamp: t,
        });
    }
    const model = createFactorizationMachine({ loss: 'bpr', itemFields: ['category'], bits: 12, optimizer: 'adagrad', learningRate: 0.1, seed: 2 });
    for (const e of events) model.learnOne(e, 1);
    // New items, seen once each by a third user: only their category says anything about them.
    model.learnOne({ userId: 'w', itemId: 'new-a', category: 'a', timestamp: 0 }, 0);
    model.learnOne({ userId: 'w', itemId: 'new-b', category: 'b', timestamp: 0 }, 0);
    for (let user = 0; user < 20; user++) {
      const [liked, other] = user < 10 ? ['new-a', 'new-b'] : ['new-b', 'new-a'];
      expect({ user, preferred: model.rank(`u${user}`, liked) < model.rank(`u${user}`, other) }).toEqual({ user, preferred: true });
    }
  });
});
