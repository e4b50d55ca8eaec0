import { ConfigError, DecodeError } from '../../../src/errors';
import { createBiasedMF, createHitRate, createMrr, createNdcg, createPopularity, evaluateRecommender, type RecoEvent } from '../../../src/reco';

describe('ranking metrics', () => {
  const ranks = [1, 3, 11, Infinity, 2];

  it('follow their definitions for one relevant item per event', () => {
    const hit = createHitRate(10);
    const ndcg = createNdcg(10);
    const mrr = createMrr();
    for (const rank of ranks) [hit, ndcg, mrr].forEach((metric) => metric.update(rank));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(hit.get()).toBe(3 / 5);
    expect(ndcg.get()).toBeCloseTo(mean(ranks.map((r) => (r <= 10 ? 1 / Math.log2(r + 1) : 0))), 14);
    expect(mrr.get()).toBeCloseTo(mean(ranks.map((r) => 1 / r)), 14);
    expect([hit.kind, ndcg.kind, mrr.kind]).toEqual(['HitRate@10', 'NDCG@10', 'MRR']);
  });

  it('score the last `window` ranks when windowed, and refuse what is not a rank', () => {
    const rolling = createHitRate(2, { window: 2 });
    expect(rolling.get()).toBeNaN();
    for (const rank of ranks) rolling.update(rank);
    expect(rolling.get()).toBe(1 / 2);
    expect(rolling.count()).toBe(2);
    for (const bad of [0, 1.5, -1, Number.NaN]) expect(() => rolling.update(bad)).toThrow(DecodeError);
  });
});

describe('evaluateRecommender', () => {
  const event = (t: number, itemId: string, rating = 4): RecoEvent => ({ userId: `u${t % 3}`, itemId, rating, event: 'click', timestamp: t });

  it('ranks each event before learning it: an item seen for the first time is never a hit', () => {
    const fresh = Array.from({ length: 50 }, (_, t) => event(t, `new${t}`));
    const result = evaluateRecommender(fresh, createPopularity(), { feedback: 'implicit' });
    expect(result).toMatchObject({ events: 50, scored: 50, ranked: 50, hitRate: 0, mrr: 0 });
    expect(result.rmse).toBeNaN();
    // Popular items, once seen, are ranked first.
    const repeated = Array.from({ length: 50 }, (_, t) => event(t, `i${t % 2}`));
    expect(evaluateRecommender(repeated, createPopularity(), { feedback: 'implicit', k: 2 }).hitRate).toBe(48 / 50);
  });

  it('splits by time: events before scoreFrom are learned, not scored; every n-th scored event is ranked', () => {
    const events = Array.from({ length: 100 }, (_, t) => event(t, `i${t % 7}`, 1 + (t % 5)));
    const result = evaluateRecommender(events, createBiasedMF(), { scoreFrom: 40, rankEvery: 6 });
    expect(result).toMatchObject({ events: 100, scored: 60, ranked: 10 });
    expect(result.rmse).toBeGreaterThan(0);
    // The same scores as predicting by hand, before each learn.
    const model = createBiasedMF();
    let squares = 0;
    for (const e of events) {
      if (e.timestamp! >= 40) squares += (model.predictOne(e) - e.rating!) ** 2;
      model.learnOne(e, e.rating!);
    }
    expect(result.rmse).toBeCloseTo(Math.sqrt(squares / 60), 12);
  });

  it('refuses events out of time order, ratings missing under explicit feedback, and bad options', () => {
    const backwards = [event(5, 'a'), event(3, 'b')];
    expect(() => evaluateRecommender(backwards, createPopularity())).toThrow('events must come in time order, but event 1 has timestamp 3 after 5');
    expect(() => evaluateRecommender([{ userId: 'u', itemId: 'i', timestamp: 1 }], createBiasedMF())).toThrow('rating is missing in event 0');
    expect(() => evaluateRecommender([{ userId: 'u', itemId: 'i', event: 'like' as never }], createBiasedMF(), { feedback: 'implicit' })).toThrow(
      /event is "like", not one of view, click, buy/,
    );
    expect(() => evaluateRecommender([], createPopularity(), { k: 0 })).toThrow(ConfigError);
    expect(() => evaluateRecommender([], createPopularity(), { feedback: 'both' as never })).toThrow(ConfigError);
  });
});
