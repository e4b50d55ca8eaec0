import { DecodeError } from '../errors';
import { createMae, createRmse } from '../evaluation/regression-metrics';
import { scoreExample } from '../evaluation/test-then-train';
import { integerField } from '../features/config';
import { choiceField, numberField } from '../learners/config-checks';
import { eventObject, eventStrength, type RecoEvent } from './event';
import { createHitRate, createMrr, createNdcg } from './ranking-metrics';
import type { Recommender } from './recommender';

export interface RecoEvaluationOptions {
  /**
   * `'explicit'` (default): the feedback is `rating`, and predictions are scored by RMSE and MAE as well.
   * `'implicit'`: the feedback is the event's weight (`EVENT_STRENGTH`), and only rankings are scored.
   */
  feedback?: 'explicit' | 'implicit';
  /** The K of HitRate@K and NDCG@K. Default 10. */
  k?: number;
  /** Size of the rolling windows. Default 5000. */
  window?: number;
  /** Rank every n-th scored event (a rank scans the catalog). Default 1. */
  rankEvery?: number;
  /** The time split: events before this timestamp are learned, not scored. Default: score from the first. */
  scoreFrom?: number;
}

export interface RecoEvaluation {
  /** Events learned. */
  events: number;
  /** Events scored (at and after `scoreFrom`), and of those, ranked. */
  scored: number;
  ranked: number;
  /** NaN under implicit feedback. */
  rmse: number;
  mae: number;
  rollingRmse: number;
  rollingMae: number;
  hitRate: number;
  ndcg: number;
  mrr: number;
  rollingHitRate: number;
  rollingNdcg: number;
}

/**
 * Prequential evaluation of a recommender with a time-respecting split: events must come in time order
 * (an event older than the one before it is refused); each scored event is first predicted and its item
 * ranked among the known items for its user, by the model as it stands, and only then learned. So every
 * score is for the future of what the model saw, as in production.
 */
export function evaluateRecommender(events: Iterable<RecoEvent>, model: Recommender, options: RecoEvaluationOptions = {}): RecoEvaluation {
  const owner = 'evaluateRecommender';
  const explicit = choiceField(owner, 'feedback', options.feedback, 'explicit', ['explicit', 'implicit']) === 'explicit';
  const k = integerField(owner, 'k', options.k, 10, 1, 10_000);
  const window = integerField(owner, 'window', options.window, 5000, 1, 2 ** 24);
  const rankEvery = integerField(owner, 'rankEvery', options.rankEvery, 1, 1, Number.MAX_SAFE_INTEGER);
  const scoreFrom = numberField(owner, 'scoreFrom', options.scoreFrom, -Infinity, (v) => !Number.isNaN(v), 'a timestamp');
  const metrics = {
    rmse: createRmse(),
    mae: createMae(),
    rollingRmse: createRmse({ window }),
    rollingMae: createMae({ window }),
    hitRate: createHitRate(k),
    ndcg: createNdcg(k),
    mrr: createMrr(),
    rollingHitRate: createHitRate(k, { window }),
    rollingNdcg: createNdcg(k, { window }),
  };
  const ratingMetrics = [metrics.rmse, metrics.mae, metrics.rollingRmse, metrics.rollingMae];
  let learned = 0;
  let scored = 0;
  let previous = -Infinity;
  for (const x of events) {
    const where = () => `event ${learned}`;
    const event = eventObject(x, where);
    const time = event.timestamp ?? previous;
    if (typeof time !== 'number' || time < previous) {
      throw new DecodeError('SCHEMA', `${owner}: events must come in time order, but ${where()} has timestamp ${String(event.timestamp)} after ${previous}`);
    }
    previous = time;
    const y = explicit ? event.rating : eventStrength(event, where);
    if (typeof y !== 'number') throw new DecodeError('SCHEMA', `${owner}: rating is missing in ${where()} under explicit feedback`);
    if (time >= scoreFrom) {
      if (explicit) {
        // Scored as the shared test-then-train step scores (../evaluation/test-then-train); ranks are the recommender's own.
        scoreExample(ratingMetrics, y, model.predictOne(event));
      }
      if (scored % rankEvery === 0) {
        const rank = model.rank(event.userId, event.itemId);
        for (const metric of [metrics.hitRate, metrics.ndcg, metrics.mrr, metrics.rollingHitRate, metrics.rollingNdcg]) metric.update(rank);
      }
      scored++;
    }
    model.learnOne(event, y);
    learned++;
  }
  const values = Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, metric.get()])) as Record<keyof typeof metrics, number>;
  return { events: learned, scored, ranked: metrics.hitRate.count(), ...values };
}
