import { ConfigError } from '../errors';
import { columnName, integerField } from '../features/config';
import { choiceField } from '../learners/config-checks';
import type { JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import { loadArray } from '../learners/state-arrays';
import { createRandom } from '../random';
import type { RecoEvent } from './event';
import { EventHasher } from './event-hasher';
import { hashedIndex } from './hashed-init';
import { IdTable } from './id-table';
import { allFinite, step } from './param-step';
import {
  checkpointConfig,
  resolveCommon,
  resolveFactors,
  type FactorConfig,
  type RecoCommonConfig,
  type ResolvedCommon,
  type ResolvedFactors,
} from './reco-config';
import { RecoLearner } from './reco-learner';
import type { Recommender } from './recommender';

export type FmLoss = 'squared' | 'bpr';

/**
 * `biasLearningRate` and `l2Bias` apply to the global bias and the linear weights: over one-hot ids those
 * weights are exactly the user and item biases.
 */
export interface FactorizationMachineConfig extends RecoCommonConfig, FactorConfig {
  /** The hashed feature space has 2^bits slots, each with a weight and `factors` latent values. Default 18. */
  bits?: number;
  /** Event fields known at request time (device, hour…), hashed with the user id. Default none. */
  userFields?: string[];
  /** Item attributes (category…), hashed with the item id; the latest values are kept per item. Default none. */
  itemFields?: string[];
  /** `'squared'` for ratings (default), `'bpr'` for implicit events with sampled negative items. */
  loss?: FmLoss;
  /** Negative items per event under `'bpr'`. Default 4. */
  negatives?: number;
}

const KIND = 'FactorizationMachine';

// Bound once: a global lookup per step is slow inside vm contexts (jest's).
const { exp } = Math;

type Resolved = ResolvedCommon & ResolvedFactors & { bits: number; userFields: string[]; itemFields: string[]; loss: FmLoss; negatives: number };

function fieldList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${KIND}: ${name} must be an array of field names`);
  return value.map((field, i) => columnName(KIND, `${name}[${i}]`, field));
}

function resolve(config: FactorizationMachineConfig): Resolved {
  const userFields = fieldList('userFields', config.userFields);
  const itemFields = fieldList('itemFields', config.itemFields);
  const clash = [...userFields, ...itemFields].find((field, i, all) => all.indexOf(field) !== i || field === 'userId' || field === 'itemId');
  if (clash !== undefined) throw new ConfigError(`${KIND}: field "${clash}" is named twice (the ids are always features)`);
  return {
    ...resolveCommon(KIND, config),
    ...resolveFactors(KIND, { factors: 8, initStd: 0.05, ...config }),
    bits: integerField(KIND, 'bits', config.bits, 18, 1, 26),
    userFields,
    itemFields,
    loss: choiceField<FmLoss>(KIND, 'loss', config.loss, 'squared', ['squared', 'bpr']),
    negatives: integerField(KIND, 'negatives', config.negatives, 4, 1, 1000),
  };
}

/** A feature vector being scored: entries; once scored, Σ_i v_if·x_i per factor and [linear part, Σ (v_if x_i)²]. */
interface Scratch {
  indices: Int32Array;
  values: Float64Array;
  sums: Float64Array;
  totals: Float64Array;
}

/**
 * A 2-way factorization machine (Rendle 2010) over hashed one-hot features: the user id and `userFields`,
 * the item id and `itemFields`. ŷ = w0 + Σ w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j, computed in O(k·n) as
 * ½ Σ_f [(Σ_i v_if x_i)² − Σ_i v_if² x_i²]. Under `'squared'` each rating takes one step on ½(ŷ − y)² + L2;
 * under `'bpr'` each event takes, per sampled negative item, one step on w · −ln σ(ŷ_ui − ŷ_uj) + L2, the
 * positive's half then the negative's. A new user or item is scored from its context and attribute
 * features, which carry what was learned from others: feature-based cold start. Memory is fixed by `bits`
 * (hashing bounds the id space) plus the item catalog, capped by `itemCapacity`.
 */
class FactorizationMachineLearner extends RecoLearner {
  readonly kind = KIND;
  private readonly hashing: EventHasher;
  private readonly bias = new Float32Array(1);
  private readonly weights: Float32Array;
  private readonly latent: Float32Array;
  private readonly biasAccum: Float32Array | null;
  private readonly weightsAccum: Float32Array | null;
  private readonly latentAccum: Float32Array | null;
  private readonly counters = new Float64Array(1);
  private readonly positive: Scratch;
  private readonly negative: Scratch;
  /** See `itemParts`; -1 rows when stale. */
  private itemCache: Float64Array | null = null;
  private itemCacheRows = -1;

  constructor(
    private readonly config: Resolved,
    arrays?: Record<string, TypedArray>,
  ) {
    const hashing = new EventHasher({ bits: config.bits, seed: config.seed, userFields: config.userFields, itemFields: config.itemFields });
    const width = hashing.itemWidth;
    const catalog = new IdTable(
      config.itemCapacity,
      [
        { name: 'features', width, type: Int32Array },
        { name: 'values', width, type: Float32Array },
      ],
      () => undefined,
    );
    super(config, config as unknown as JsonObject, catalog, null, hashing);
    this.hashing = hashing;
    const { factors: k } = config;
    const size = hashing.size;
    this.weights = new Float32Array(size);
    this.latent = new Float32Array(size * k);
    const adagrad = config.optimizer === 'adagrad';
    this.biasAccum = adagrad ? new Float32Array(1) : null;
    this.weightsAccum = adagrad ? new Float32Array(size) : null;
    this.latentAccum = adagrad ? new Float32Array(size * k) : null;
    const scratch = (): Scratch => ({
      indices: new Int32Array(hashing.userWidth + width),
      values: new Float64Array(hashing.userWidth + width),
      sums: new Float64Array(k),
      totals: new Float64Array(2),
    });
    this.positive = scratch();
    this.negative = scratch();
    if (arrays === undefined) {
      const random = createRandom(config.seed);
      for (let j = 0; j < this.latent.length; j++) this.latent[j] = config.initStd * random.gaussian();
      return;
    }
    catalog.importArrays('items/', arrays);
    for (const [name, target] of this.parameterArrays()) loadArray(arrays, name, target);
  }

  protected labelOf(y: number): number {
    if (this.config.loss === 'squared') return Number.isFinite(y) ? y : this.rejectLabel(y, 'a finite rating');
    return Number.isFinite(y) && y >= 0 ? y : this.rejectLabel(y, 'an event weight ≥ 0');
  }

  protected learnEvent(x: RecoEvent, userKey: string, itemKey: string, y: number): void {
    this.itemCacheRows = -1;
    const { hashing, positive } = this;
    hashing.userSide(userKey, x, positive.indices, positive.values, 0, this.where);
    hashing.itemSide(itemKey, x, positive.indices, positive.values, hashing.userWidth, this.where);
    const row = this.items.acquire(itemKey);
    this.items.column<Int32Array>('features').set(positive.indices.subarray(hashing.userWidth), row * hashing.itemWidth);
    this.items.column<Float32Array>('values').set(positive.values.subarray(hashing.userWidth), row * hashing.itemWidth);
    if (this.config.loss === 'squared') {
      this.update(positive, this.score(positive) - y);
      return;
    }
    const counter = this.counters[0]++;
    if (y === 0 || this.items.size < 2) return;
    const { negative } = this;
    negative.indices.set(positive.indices.subarray(0, hashing.userWidth));
    negative.values.set(positive.values.subarray(0, hashing.userWidth));
    for (let n = 0; n < this.config.negatives; n++) {
      const drawn = hashedIndex(counter, n, this.config.seed, this.items.size - 1);
      this.loadItem(drawn >= row ? drawn + 1 : drawn, negative);
      const margin = this.score(positive) - this.score(negative);
      const g = y / (1 + exp(margin));
      this.update(positive, -g);
      this.update(negative, g);
    }
  }

  protected predictEvent(x: RecoEvent, userKey: string, itemKey: string): number {
    const { hashing, positive } = this;
    hashing.userSide(userKey, x, positive.indices, positive.values, 0, this.where);
    hashing.itemSide(itemKey, x, positive.indices, positive.values, hashing.userWidth, this.where);
    return this.score(positive);
  }

  /**
   * ŷ splits into a user part, an item part and their cross term: with s the factor sums and S the sums of
   * squares of each side, ŷ = [w0 + lin_u + ½(|s_u|² − S_u)] + [lin_j + ½(|s_j|² − S_j)] + s_u·s_j. The item
   * parts are cached until the model learns again (a served model never does), so a catalog scan costs
   * what a matrix factorization's does: one k-dot per item.
   */
  protected scoreCatalog(userKey: string, context: Record<string, unknown> | undefined, scores: Float64Array): void {
    const { hashing, positive } = this;
    const k = this.config.factors;
    hashing.userSide(userKey, context, positive.indices, positive.values, 0, () => 'the request');
    const userSums = positive.sums.fill(0);
    const userTotals = positive.totals.fill(0);
    this.accumulate(positive.indices, positive.values, 0, hashing.userWidth, userSums, userTotals);
    const userPart = this.bias[0] + this.finish(userSums, userTotals);
    const cache = this.itemParts();
    const width = k + 1;
    for (let j = 0, at = 0; j < this.items.size; j++, at += width) {
      let score = userPart + cache[at];
      for (let f = 0; f < k; f++) score += userSums[f] * cache[at + 1 + f];
      scores[j] = score;
    }
  }

  /** Per item row: [lin_j + ½(|s_j|² − S_j), s_j1 … s_jk], rebuilt when stale. */
  private itemParts(): Float64Array {
    const k = this.config.factors;
    const width = k + 1;
    const rows = this.items.size;
    if (this.itemCache !== null && this.itemCacheRows === rows) return this.itemCache;
    if (this.itemCache === null || this.itemCache.length < rows * width) this.itemCache = new Float64Array(this.items.allocatedRows() * width);
    const cache = this.itemCache;
    const features = this.items.column<Int32Array>('features');
    const values = this.items.column<Float32Array>('values');
    const itemWidth = this.hashing.itemWidth;
    const { sums, totals } = this.negative;
    for (let j = 0; j < rows; j++) {
      sums.fill(0);
      totals.fill(0);
      this.accumulate(features, values, j * itemWidth, (j + 1) * itemWidth, sums, totals);
      cache[j * width] = this.finish(sums, totals);
      cache.set(sums, j * width + 1);
    }
    this.itemCacheRows = rows;
    return cache;
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    for (const [name, array] of this.parameterArrays()) arrays[name] = array.slice();
  }

  protected parameterBytes(): number {
    return this.parameterArrays().reduce((bytes, [, array]) => bytes + array.byteLength, this.itemCache?.byteLength ?? 0);
  }

  private parameterArrays(): Array<[string, Float32Array | Float64Array]> {
    const arrays: Array<[string, Float32Array | Float64Array]> = [
      ['bias', this.bias],
      ['weights', this.weights],
      ['factors', this.latent],
      ['counters', this.counters],
    ];
    if (this.biasAccum && this.weightsAccum && this.latentAccum) {
      arrays.push(['biasAccum', this.biasAccum], ['weightsAccum', this.weightsAccum], ['factorsAccum', this.latentAccum]);
    }
    return arrays;
  }

  /** Copies an item row's features into the item half of `into`. */
  private loadItem(row: number, into: Scratch): void {
    const { userWidth, itemWidth } = this.hashing;
    const features = this.items.column<Int32Array>('features');
    const values = this.items.column<Float32Array>('values');
    for (let t = 0; t < itemWidth; t++) {
      into.indices[userWidth + t] = features[row * itemWidth + t];
      into.values[userWidth + t] = values[row * itemWidth + t];
    }
  }

  /** ŷ for the vector, leaving Σ_i v_if x_i in `sums` for the update. */
  private score({ indices, values, sums, totals }: Scratch): number {
    sums.fill(0);
    totals[0] = this.bias[0];
    totals[1] = 0;
    this.accumulate(indices, values, 0, indices.length, sums, totals);
    return this.finish(sums, totals);
  }

  /** Adds entries [from, to) to the factor sums, their linear terms to `totals[0]` and Σ_f (v_if x_i)² to `totals[1]`. */
  private accumulate(indices: Int32Array, values: Float64Array | Float32Array, from: number, to: number, sums: Float64Array, totals: Float64Array): void {
    const { weights, latent } = this;
    const k = this.config.factors;
    let linear = 0;
    let squares = 0;
    for (let t = from; t < to; t++) {
      const feature = indices[t];
      const value = values[t];
      linear += weights[feature] * value;
      for (let f = 0; f < k; f++) {
        const vx = latent[feature * k + f] * value;
        sums[f] += vx;
        squares += vx * vx;
      }
    }
    totals[0] += linear;
    totals[1] += squares;
  }

  /** ŷ = linear + ½ (Σ_f sums_f² − squares). */
  private finish(sums: Float64Array, totals: Float64Array): number {
    let pairs = 0;
    for (let f = 0; f < sums.length; f++) pairs += sums[f] * sums[f];
    return totals[0] + 0.5 * (pairs - totals[1]);
  }

  /** One step along `g · ∂ŷ/∂θ` plus L2, with the sums `score` left; ∂ŷ/∂v_if = x_i (Σ_j v_jf x_j − v_if x_i). */
  private update({ indices, values, sums }: Scratch, g: number): void {
    const { weights, latent } = this;
    const { factors: k, learningRate, biasLearningRate, l2Bias, l2Factors } = this.config;
    step(this.bias, this.biasAccum, 0, g, biasLearningRate);
    for (let t = 0; t < indices.length; t++) {
      const value = values[t];
      if (value === 0) continue;
      const feature = indices[t];
      step(weights, this.weightsAccum, feature, g * value + l2Bias * weights[feature], biasLearningRate);
      const offset = feature * k;
      for (let f = 0; f < k; f++) {
        const v = latent[offset + f];
        step(latent, this.latentAccum, offset + f, g * value * (sums[f] - v * value) + l2Factors * v, learningRate);
      }
      if (!allFinite(weights, feature, 1) || !allFinite(latent, offset, k)) this.diverged(`feature ${feature}`);
    }
    if (!allFinite(this.bias, 0, 1)) this.diverged('the global bias');
  }
}

/** A factorization machine over hashed ids and context; `learnOne(event, rating or weight)` by `loss`. */
export function createFactorizationMachine(config: FactorizationMachineConfig = {}): Recommender {
  return new FactorizationMachineLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const factorizationMachineFromState: LearnerFactory = (state) => new FactorizationMachineLearner(checkpointConfig(state, KIND, resolve), state.arrays);
