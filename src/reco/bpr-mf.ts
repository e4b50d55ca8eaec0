import { integerField } from '../features/config';
import type { JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import { loadArray } from '../learners/state-arrays';
import type { RecoEvent } from './event';
import { accumulator, createFactorRows, rowDot, scoreItemRows, userVector } from './factor-rows';
import { hashedIndex } from './hashed-init';
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

export interface BprMFConfig extends RecoCommonConfig, FactorConfig {
  /** Negative items sampled per positive event, uniformly among the other known items. Default 4. */
  negatives?: number;
}

const KIND = 'BprMF';

// Bound once: a global lookup per step is slow inside vm contexts (jest's).
const { exp } = Math;

type Resolved = ResolvedCommon & ResolvedFactors & { negatives: number };

function resolve(config: BprMFConfig): Resolved {
  return {
    ...resolveCommon(KIND, config),
    ...resolveFactors(KIND, { learningRate: 0.05, ...config }),
    negatives: integerField(KIND, 'negatives', config.negatives, 4, 1, 1000),
  };
}

/**
 * Matrix factorization from implicit feedback with Bayesian personalized ranking (Rendle et al. 2009):
 * the score is x_ui = b_i + p_u·q_i, and each event (u, i) of weight w takes, for each sampled negative
 * item j, one step on w · −ln σ(x_ui − x_uj) + L2. Negatives are drawn uniformly from the item table as a
 * hash of (seed, event counter, draw), so a restored model draws exactly what the original would have.
 * There is no user bias: it would not change a user's ranking.
 */
class BprMFLearner extends RecoLearner {
  readonly kind = KIND;
  /** [events learned]: the counter the negative draws hash. */
  private readonly counters = new Float64Array(1);
  private readonly userRows: IdTable;
  private readonly adagrad: boolean;

  constructor(
    private readonly config: Resolved,
    arrays?: Record<string, TypedArray>,
  ) {
    const adagrad = config.optimizer === 'adagrad';
    const users = createFactorRows({ ...config, capacity: config.userCapacity, adagrad, withBias: false });
    const items = createFactorRows({ ...config, capacity: config.itemCapacity, adagrad, withBias: true });
    super(config, config as unknown as JsonObject, items, users);
    this.userRows = users;
    this.adagrad = adagrad;
    if (arrays !== undefined) {
      users.importArrays('users/', arrays);
      items.importArrays('items/', arrays);
      loadArray(arrays, 'counters', this.counters);
    }
  }

  protected labelOf(y: number): number {
    return Number.isFinite(y) && y >= 0 ? y : this.rejectLabel(y, 'an event weight ≥ 0');
  }

  protected learnEvent(_x: RecoEvent, userKey: string, itemKey: string, weight: number): void {
    const { factors: k, learningRate, biasLearningRate, l2Bias, l2Factors, negatives, seed } = this.config;
    const users = this.userRows;
    const items = this.items;
    const u = users.acquire(userKey);
    const i = items.acquire(itemKey);
    const counter = this.counters[0]++;
    if (weight === 0 || items.size < 2) return;
    const p = users.column<Float32Array>('factors');
    const q = items.column<Float32Array>('factors');
    const bias = items.column<Float32Array>('bias');
    const pAccum = accumulator(users, 'factors', this.adagrad);
    const qAccum = accumulator(items, 'factors', this.adagrad);
    const biasAccum = accumulator(items, 'bias', this.adagrad);
    const uo = u * k;
    const io = i * k;
    for (let n = 0; n < negatives; n++) {
      // Uniform over the rows other than i.
      const drawn = hashedIndex(counter, n, seed, items.size - 1);
      const j = drawn >= i ? drawn + 1 : drawn;
      const jo = j * k;
      let margin = bias[i] - bias[j];
      for (let f = 0; f < k; f++) margin += p[uo + f] * (q[io + f] - q[jo + f]);
      // d/dmargin of −ln σ(margin) is −σ(−margin).
      const g = weight / (1 + exp(margin));
      step(bias, biasAccum, i, -g + l2Bias * bias[i], biasLearningRate);
      step(bias, biasAccum, j, g + l2Bias * bias[j], biasLearningRate);
      for (let f = 0; f < k; f++) {
        const pf = p[uo + f];
        const qi = q[io + f];
        const qj = q[jo + f];
        step(p, pAccum, uo + f, -g * (qi - qj) + l2Factors * pf, learningRate);
        step(q, qAccum, io + f, -g * pf + l2Factors * qi, learningRate);
        step(q, qAccum, jo + f, g * pf + l2Factors * qj, learningRate);
      }
      if (!allFinite(bias, i, 1) || !allFinite(bias, j, 1) || !allFinite(p, uo, k) || !allFinite(q, io, k) || !allFinite(q, jo, k)) {
        this.diverged(`the row of user "${userKey}", item "${itemKey}" or negative item "${items.keyAt(j)}"`);
      }
    }
  }

  protected predictEvent(_x: RecoEvent, userKey: string, itemKey: string): number {
    const k = this.config.factors;
    const u = this.userRows.rowOf(userKey);
    const i = this.items.rowOf(itemKey);
    if (i < 0) return 0;
    const bias = this.items.column<Float32Array>('bias')[i];
    return u < 0 ? bias : bias + rowDot(this.userRows.column('factors'), u, this.items.column('factors'), i, k);
  }

  protected scoreCatalog(userKey: string, _context: unknown, scores: Float64Array): void {
    const k = this.config.factors;
    const items = this.items;
    scoreItemRows(0, items.column('bias'), userVector(this.userRows, userKey, k), items.column('factors'), k, items.size, scores);
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    arrays.counters = this.counters.slice();
  }

  protected parameterBytes(): number {
    return this.counters.byteLength;
  }
}

/** BPR matrix factorization from implicit events; `learnOne(event, weight)`, e.g. `EVENT_STRENGTH[event.event]`. */
export function createBprMF(config: BprMFConfig = {}): Recommender {
  return new BprMFLearner(resolve(config));
}

/** Rebuilds one from `state()`; registered by src/builtins.ts. */
export const bprMFFromState: LearnerFactory = (state) => new BprMFLearner(checkpointConfig(state, KIND, resolve), state.arrays);
