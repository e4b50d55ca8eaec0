import type { JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import { loadArray } from '../learners/state-arrays';
import type { RecoEvent } from './event';
import { accumulator, createFactorRows, rowDot, scoreItemRows, userVector } from './factor-rows';
import type { IdTable } from './id-table';
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

export interface BiasedMFConfig extends RecoCommonConfig, FactorConfig {}

const KIND = 'BiasedMF';

type Resolved = ResolvedCommon & ResolvedFactors;

function resolve(config: BiasedMFConfig): Resolved {
  return { ...resolveCommon(KIND, config), ...resolveFactors(KIND, config) };
}

/**
 * Biased matrix factorization (Koren, Bell & Volinsky 2009; River's `reco.BiasedMF`), learned online from
 * explicit ratings: r̂ = μ + b_u + b_i + p_u·q_i, with μ the running mean of the ratings and one SGD (or
 * AdaGrad) step per rating on ½(r̂ − r)² + L2. An unknown user or item contributes nothing but what is
 * known: a new user gets μ + b_i, the cold start by biases.
 */
class BiasedMFLearner extends RecoLearner {
  readonly kind = KIND;
  /** [μ, ratings counted]. */
  private readonly global = new Float64Array(2);
  private readonly userRows: IdTable;
  private readonly adagrad: boolean;

  constructor(
    private readonly config: Resolved,
    arrays?: Record<string, TypedArray>,
  ) {
    const adagrad = config.optimizer === 'adagrad';
    const rows = (capacity: number) => createFactorRows({ ...config, capacity, adagrad, withBias: true });
    const users = rows(config.userCapacity);
    super(config, config as unknown as JsonObject, rows(config.itemCapacity), users);
    this.userRows = users;
    this.adagrad = adagrad;
    if (arrays !== undefined) {
      users.importArrays('users/', arrays);
      this.items.importArrays('items/', arrays);
      loadArray(arrays, 'global', this.global);
    }
  }

  protected labelOf(y: number): number {
    return Number.isFinite(y) ? y : this.rejectLabel(y, 'a finite rating');
  }

  protected learnEvent(_x: RecoEvent, userKey: string, itemKey: string, rating: number): void {
    const { factors: k, learningRate, biasLearningRate, l2Bias, l2Factors } = this.config;
    const global = this.global;
    global[1] += 1;
    global[0] += (rating - global[0]) / global[1];
    const users = this.userRows;
    const items = this.items;
    const u = users.acquire(userKey);
    const i = items.acquire(itemKey);
    const userBias = users.column<Float32Array>('bias');
    const itemBias = items.column<Float32Array>('bias');
    const p = users.column<Float32Array>('factors');
    const q = items.column<Float32Array>('factors');
    const pAccum = accumulator(users, 'factors', this.adagrad);
    const qAccum = accumulator(items, 'factors', this.adagrad);
    const uo = u * k;
    const io = i * k;
    const error = global[0] + userBias[u] + itemBias[i] + rowDot(p, u, q, i, k) - rating;
    step(userBias, accumulator(users, 'bias', this.adagrad), u, error + l2Bias * userBias[u], biasLearningRate);
    step(itemBias, accumulator(items, 'bias', this.adagrad), i, error + l2Bias * itemBias[i], biasLearningRate);
    for (let f = 0; f < k; f++) {
      const pf = p[uo + f];
      const qf = q[io + f];
      step(p, pAccum, uo + f, error * qf + l2Factors * pf, learningRate);
      step(q, qAccum, io + f, error * pf + l2Factors * qf, learningRate);
    }
    if (!allFinite(userBias, u, 1) || !allFinite(itemBias, i, 1) || !allFinite(p, uo, k) || !allFinite(q, io, k)) {
      this.diverged(`the row of user "${userKey}" or item "${itemKey}"`);
    }
  }

  protected predictEvent(_x: RecoEvent, userKey: string, itemKey: string): number {
    const k = this.config.factors;
    const u = this.userRows.rowOf(userKey);
    const i = this.items.rowOf(itemKey);
    let prediction = this.global[0];
    if (u >= 0) prediction += this.userRows.column<Float32Array>('bias')[u];
    if (i >= 0) prediction += this.items.column<Float32Array>('bias')[i];
    if (u >= 0 && i >= 0) prediction += rowDot(this.userRows.column('factors'), u, this.items.column('factors'), i, k);
    return prediction;
  }

  protected scoreCatalog(userKey: string, _context: unknown, scores: Float64Array): void {
    const k = this.config.factors;
    const u = this.userRows.rowOf(userKey);
    const base = this.global[0] + (u >= 0 ? this.userRows.column<Float32Array>('bias')[u] : 0);
    const items = this.items;
    scoreItemRows(base, items.column('bias'), userVector(this.userRows, userKey, k), items.column('factors'), k, items.size, scores);
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    arrays.global = this.global.slice();
  }

  protected parameterBytes(): number {
    return this.global.byteLength;
  }
}

/** Biased matrix factorization from explicit ratings; `learnOne(event, rating)`. */
export function createBiasedMF(config: BiasedMFConfig = {}): Recommender {
  return new BiasedMFLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const biasedMFFromState: LearnerFactory = (state) => new BiasedMFLearner(checkpointConfig(state, KIND, resolve), state.arrays);
