import { DecodeError, NonFiniteError } from '../errors';
import { describeValue } from '../features/config';
import type { JsonObject, LearnerState, SparseVector, TypedArray } from '../learners/estimator';
import { eventObject, idKey, type Recommendation, type RecommendOptions, type RecoEvent, type RecoId, type Where } from './event';
import { EventHasher } from './event-hasher';
import type { IdTable } from './id-table';
import { RECO_STATE_VERSION, type ResolvedCommon } from './reco-config';
import type { RecoMemory, Recommender } from './recommender';
import { rankOf, topK } from './top-k';

/** The encoding `transformOne` gives models without context features: hashed user and item ids. */
const ID_HASHER = new EventHasher({ bits: 30, seed: 0, userFields: [], itemFields: [] });

/**
 * The machinery every recommender shares: event and label checks naming where, sequential `learnMany`,
 * predictions, top-K and rank over the item table, state. A subclass supplies the model: learning one
 * checked event, scoring one pair, scoring the whole catalog for a user, and its arrays.
 */
export abstract class RecoLearner implements Recommender {
  abstract readonly kind: string;
  protected readonly where: Where = () => this.describePosition();
  private batchLabel: string | undefined = undefined;
  private exampleIndex = -1;
  private scores = new Float64Array(0);

  protected constructor(
    protected readonly common: ResolvedCommon,
    private readonly savedConfig: JsonObject,
    protected readonly items: IdTable,
    protected readonly users: IdTable | null,
    private readonly hasher: EventHasher = ID_HASHER,
  ) {}

  /** Checks a label and returns it; throws naming the example. */
  protected abstract labelOf(y: number): number;
  protected abstract learnEvent(x: RecoEvent, userKey: string, itemKey: string, y: number): void;
  protected abstract predictEvent(x: RecoEvent, userKey: string, itemKey: string): number;
  /** Writes the score of every item row `[0, items.size)` for the user into `scores`. */
  protected abstract scoreCatalog(userKey: string, context: Record<string, unknown> | undefined, scores: Float64Array): void;
  protected abstract exportArrays(arrays: Record<string, TypedArray>): void;
  /** Bytes of typed arrays held outside the id tables. */
  protected abstract parameterBytes(): number;

  learnOne(x: RecoEvent, y: number): void {
    this.locate(undefined, -1);
    this.learnChecked(x, y);
  }

  learnMany(xs: readonly RecoEvent[], ys: ArrayLike<number>, batchLabel?: string): void {
    this.locate(batchLabel, -1);
    try {
      if (xs.length !== ys.length) throw new DecodeError('SCHEMA', `${xs.length} events but ${ys.length} labels in ${this.describeBatch()}`);
      for (let pass = 0; pass < this.common.maxIter; pass++) {
        for (let i = 0; i < xs.length; i++) {
          this.exampleIndex = i;
          this.learnChecked(xs[i], ys[i]);
        }
      }
    } finally {
      this.locate(undefined, -1);
    }
  }

  predictOne(x: RecoEvent): number {
    this.locate(undefined, -1);
    const event = eventObject(x, this.where);
    return this.predictEvent(event, idKey(event.userId, 'userId', this.where), idKey(event.itemId, 'itemId', this.where));
  }

  predictMany(xs: readonly RecoEvent[], out = new Float64Array(xs.length)): Float64Array {
    if (out.length < xs.length) throw new DecodeError('SCHEMA', `output array has ${out.length} entries, needs ${xs.length}`);
    try {
      for (let i = 0; i < xs.length; i++) {
        this.locate(undefined, i);
        const event = eventObject(xs[i], this.where);
        out[i] = this.predictEvent(event, idKey(event.userId, 'userId', this.where), idKey(event.itemId, 'itemId', this.where));
      }
    } finally {
      this.locate(undefined, -1);
    }
    return out;
  }

  recommend(userId: RecoId, k: number, options: RecommendOptions = {}): Recommendation[] {
    if (!(Number.isInteger(k) && k >= 0)) throw new DecodeError('SCHEMA', `recommend: k must be an integer ≥ 0, got ${describeValue(k)}`);
    const scores = this.catalogScores(userId, options);
    return Array.from(topK(scores, this.items.size, k), (row) => ({ itemId: this.items.keyAt(row), score: scores[row] }));
  }

  rank(userId: RecoId, itemId: RecoId, options: RecommendOptions = {}): number {
    const row = this.items.rowOf(idKey(itemId, 'itemId', () => 'rank'));
    if (row < 0) return Infinity;
    return rankOf(this.catalogScores(userId, options), this.items.size, row);
  }

  transformOne(x: RecoEvent): SparseVector {
    this.locate(undefined, -1);
    const event = eventObject(x, this.where);
    const hasher = this.hasher;
    const indices = new Int32Array(hasher.userWidth + hasher.itemWidth);
    const values = new Float64Array(indices.length);
    hasher.userSide(idKey(event.userId, 'userId', this.where), event, indices, values, 0, this.where);
    hasher.itemSide(idKey(event.itemId, 'itemId', this.where), event, indices, values, hasher.userWidth, this.where);
    return { indices, values };
  }

  state(): LearnerState {
    const arrays: Record<string, TypedArray> = {};
    this.exportArrays(arrays);
    this.items.exportArrays('items/', arrays);
    this.users?.exportArrays('users/', arrays);
    return { kind: this.kind, version: RECO_STATE_VERSION, config: JSON.parse(JSON.stringify(this.savedConfig)) as JsonObject, arrays };
  }

  memory(): RecoMemory {
    const { users, items } = this;
    return {
      users: users?.size ?? 0,
      items: items.size,
      userCapacity: users?.capacity ?? 0,
      itemCapacity: items.capacity,
      allocatedUserRows: users?.allocatedRows() ?? 0,
      allocatedItemRows: items.allocatedRows(),
      arrayBytes: (users?.allocatedBytes() ?? 0) + items.allocatedBytes() + this.parameterBytes() + this.scores.byteLength,
    };
  }

  /** Throws the error for a label outside `expectation`. */
  protected rejectLabel(y: number, expectation: string): never {
    if (typeof y === 'number' && !Number.isFinite(y)) throw new NonFiniteError(`label is ${y} in ${this.where()}`);
    throw new DecodeError('SCHEMA', `label ${describeValue(y)} is not ${expectation} in ${this.where()}`);
  }

  /** Throws when a step left a parameter non-finite; `what` names it. */
  protected diverged(what: string): never {
    throw new NonFiniteError(
      `${what} became non-finite after ${this.where()}: the step diverged (lower learningRate or scale the ratings); restore the model from a checkpoint`,
    );
  }

  private learnChecked(x: RecoEvent, y: number): void {
    const event = eventObject(x, this.where);
    const userKey = idKey(event.userId, 'userId', this.where);
    const itemKey = idKey(event.itemId, 'itemId', this.where);
    this.learnEvent(event, userKey, itemKey, this.labelOf(y));
  }

  private catalogScores(userId: RecoId, { exclude, context }: RecommendOptions): Float64Array {
    const userKey = idKey(userId, 'userId', () => 'the request');
    if (this.scores.length < this.items.size) this.scores = new Float64Array(this.items.allocatedRows());
    const scores = this.scores;
    this.scoreCatalog(userKey, context, scores);
    if (exclude !== undefined) {
      for (const id of exclude) {
        const row = this.items.rowOf(idKey(id, 'exclude', () => 'the request'));
        if (row >= 0) scores[row] = -Infinity;
      }
    }
    return scores;
  }

  private locate(batchLabel: string | undefined, exampleIndex: number): void {
    this.batchLabel = batchLabel;
    this.exampleIndex = exampleIndex;
  }

  private describeBatch(): string {
    return this.batchLabel === undefined ? 'the batch' : `batch '${this.batchLabel}'`;
  }

  private describePosition(): string {
    return this.exampleIndex >= 0 ? `example ${this.exampleIndex} of ${this.describeBatch()}` : 'the example';
  }
}
