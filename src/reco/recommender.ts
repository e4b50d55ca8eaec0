import type { Estimator, SparseVector } from '../learners/estimator';
import type { Recommendation, RecommendOptions, RecoEvent, RecoId } from './event';

/** What a recommender holds; every count is bounded by its capacity. */
export interface RecoMemory {
  users: number;
  items: number;
  userCapacity: number;
  itemCapacity: number;
  /** Rows allocated per table: they grow by doubling up to the capacity, never beyond. */
  allocatedUserRows: number;
  allocatedItemRows: number;
  /** Bytes of every typed array held (parameters, tables, scratch), not counting the id strings. */
  arrayBytes: number;
}

/**
 * The estimator contract over interaction events, plus top-K serving. `learnOne(event, y)` learns the
 * feedback `y`: the rating for explicit models, the event's weight (≥ 0, see `EVENT_STRENGTH`) for
 * implicit ones. `predictOne` scores one (user, item) pair; unknown users and items score from what is
 * known (biases, context features), never creating a row.
 */
export interface Recommender extends Estimator<RecoEvent> {
  /** The best `k` known items for the user, best first, ties by the order items were first seen. */
  recommend(userId: RecoId, k: number, options?: RecommendOptions): Recommendation[];
  /** The 1-based position of `itemId` in the user's full ranking of known items; Infinity if unknown or excluded. */
  rank(userId: RecoId, itemId: RecoId, options?: RecommendOptions): number;
  /**
   * The event's sparse one-hot encoding (hashed user and item ids, and the factorization machine's context
   * fields). It checks the event as `learnOne` would and throws the same errors, which is how the topology
   * runtime dead-letters an event before learning it.
   */
  transformOne(x: RecoEvent): SparseVector;
  memory(): RecoMemory;
}

export function isRecommender(model: unknown): model is Recommender {
  const candidate = model as Partial<Recommender> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.recommend === 'function' && typeof candidate.rank === 'function';
}
