import type { JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { RecoEvent } from './event';
import { IdTable } from './id-table';
import { checkpointConfig, resolveCommon, type RecoCommonConfig, type ResolvedCommon } from './reco-config';
import { RecoLearner } from './reco-learner';
import type { Recommender } from './recommender';

export type PopularityConfig = Omit<RecoCommonConfig, 'userCapacity'>;

const KIND = 'Popularity';

/**
 * The baseline every recommender must beat: items ranked by how many events they had so far, the same
 * list for everyone. The feedback value is checked (finite) but not used: only that the event happened.
 */
class PopularityLearner extends RecoLearner {
  readonly kind = KIND;

  constructor(config: ResolvedCommon, arrays?: Record<string, TypedArray>) {
    super(config, config as unknown as JsonObject, new IdTable(config.itemCapacity, [{ name: 'count', width: 1, type: Float64Array }], () => undefined), null);
    if (arrays !== undefined) this.items.importArrays('items/', arrays);
  }

  protected labelOf(y: number): number {
    return Number.isFinite(y) ? y : this.rejectLabel(y, 'finite');
  }

  protected learnEvent(_x: RecoEvent, _userKey: string, itemKey: string): void {
    const row = this.items.acquire(itemKey);
    this.items.column<Float64Array>('count')[row] += 1;
  }

  protected predictEvent(_x: RecoEvent, _userKey: string, itemKey: string): number {
    const row = this.items.rowOf(itemKey);
    return row < 0 ? 0 : this.items.column<Float64Array>('count')[row];
  }

  protected scoreCatalog(_userKey: string, _context: unknown, scores: Float64Array): void {
    scores.set(this.items.column<Float64Array>('count').subarray(0, this.items.size));
  }

  protected exportArrays(): void {}

  protected parameterBytes(): number {
    return 0;
  }
}

/** Most-popular-items baseline; `userCapacity` does not apply (it keeps no users). */
export function createPopularity(config: PopularityConfig = {}): Recommender {
  return new PopularityLearner(resolveCommon(KIND, config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const popularityFromState: LearnerFactory = (state) =>
  new PopularityLearner(
    checkpointConfig(state, KIND, (config: PopularityConfig) => resolveCommon(KIND, config)),
    state.arrays,
  );
