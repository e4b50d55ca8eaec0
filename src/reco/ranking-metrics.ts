import { createAdditiveMetric } from '../evaluation/additive-metric';
import { DecodeError } from '../errors';
import { describeValue } from '../features/config';

/**
 * A prequential ranking metric, fed the 1-based rank the true item had in the user's ranking before the
 * event was learned (Infinity when it could not be ranked: a new item). One relevant item per event, so
 * HitRate@K is recall@K, NDCG@K is 1/log2(rank + 1) within the top K, and MRR averages 1/rank.
 */
export interface RankingMetric {
  readonly kind: string;
  update(rank: number): void;
  /** The mean over every rank so far, or over the last `window`; NaN before the first. */
  get(): number;
  count(): number;
}

export interface RankingMetricConfig {
  /** Score only the last `window` ranks. */
  window?: number;
}

function rankingMetric(kind: string, gain: (rank: number) => number, { window }: RankingMetricConfig): RankingMetric {
  const metric = createAdditiveMetric(
    {
      kind,
      needs: 'value',
      width: 1,
      contribute: (_relevant, rank, out) => (out[0] = gain(rank)),
      result: (sums, count) => sums[0] / count,
    },
    { window },
  );
  return {
    kind,
    update(rank: number): void {
      if (!(rank === Infinity || (Number.isInteger(rank) && rank >= 1))) {
        throw new DecodeError('SCHEMA', `${kind}: rank must be an integer ≥ 1 or Infinity, got ${describeValue(rank)}`);
      }
      metric.update(1, rank);
    },
    get: () => metric.get(),
    count: () => metric.count(),
  };
}

export function createHitRate(k: number, config: RankingMetricConfig = {}): RankingMetric {
  return rankingMetric(`HitRate@${k}`, (rank) => (rank <= k ? 1 : 0), config);
}

export function createNdcg(k: number, config: RankingMetricConfig = {}): RankingMetric {
  return rankingMetric(`NDCG@${k}`, (rank) => (rank <= k ? 1 / Math.log2(rank + 1) : 0), config);
}

export function createMrr(config: RankingMetricConfig = {}): RankingMetric {
  return rankingMetric('MRR', (rank) => 1 / rank, config);
}
