import { ConfigError } from '../errors';
import { isPositive, isPositiveInteger, numberFields, type NumberFieldSpec } from '../learners/config-checks';
import type { ModelState } from '../state';
import { checkFinite, stateArray, statusCode, statusFromCode, type DriftDetector, type DriftDirection, type DriftStatus, DetectorBase } from './detector';

export interface DdmConfig {
  /** No warning or drift before this many values. Default 30. */
  warmStart?: number;
  /** Warning when p + s > p_min + warningThreshold · s_min (≈95 % confidence). Default 2. */
  warningThreshold?: number;
  /** Drift when p + s > p_min + driftThreshold · s_min (≈99 % confidence). Default 3. */
  driftThreshold?: number;
}

export type ResolvedDdmConfig = Required<DdmConfig>;

const KIND = 'DDM';
const SCALARS = 8;

const FIELDS: Record<keyof DdmConfig, NumberFieldSpec> = {
  warmStart: [30, isPositiveInteger, 'a positive integer'],
  warningThreshold: [2, isPositive, 'a finite number > 0'],
  driftThreshold: [3, isPositive, 'a finite number > 0'],
};

export function resolveDdmConfig(config: DdmConfig = {}): ResolvedDdmConfig {
  const resolved = numberFields(KIND, FIELDS, config);
  if (resolved.warningThreshold > resolved.driftThreshold) {
    throw new ConfigError(`${KIND}: warningThreshold (${resolved.warningThreshold}) must not exceed driftThreshold (${resolved.driftThreshold})`);
  }
  return resolved;
}

/**
 * DDM, the Drift Detection Method (Gama, Medas, Castillo & Rodrigues, SBIA 2004), as in River and MOA.
 * It watches a stream of errors (1 wrong, 0 right; values in [0, 1] are accepted as error rates), with
 * p the running error rate and s = sqrt(p(1 − p)/n), and remembers p_min, s_min where p + s was lowest.
 * After `warmStart` values: warning when p + s > p_min + 2·s_min, drift when p + s > p_min + 3·s_min;
 * after a drift the statistics restart. `statistic` is p + s, `threshold` is p_min + 3·s_min.
 * Only increases of the error rate are detected — by design, an improving model is not a drift.
 */
export class Ddm extends DetectorBase implements DriftDetector {
  readonly kind = KIND;
  readonly config: ResolvedDdmConfig;
  private n = 0;
  private errorRate = 0;
  private pMin = Number.POSITIVE_INFINITY;
  private sMin = Number.POSITIVE_INFINITY;

  constructor(config: DdmConfig = {}) {
    super();
    this.config = resolveDdmConfig(config);
  }

  get threshold(): number {
    return Number.isFinite(this.pMin) ? this.pMin + this.config.driftThreshold * this.sMin : Number.POSITIVE_INFINITY;
  }
  /** DDM only detects rises of the error rate. */
  override get direction(): DriftDirection {
    return this.drifts > 0 ? 1 : 0;
  }

  update(value: number): DriftStatus {
    checkFinite(KIND, value);
    if (value < 0 || value > 1) {
      throw new ConfigError(`${KIND}: watches errors in [0, 1] (drift on: 'error'), got ${value}`);
    }
    this.updates += 1;
    this.n += 1;
    this.errorRate += (value - this.errorRate) / this.n;
    const p = this.errorRate;
    const s = Math.sqrt((p * (1 - p)) / this.n);
    this.lastStatistic = p + s;
    this.lastStatus = this.n > this.config.warmStart ? this.test(p, s) : 'stable';
    if (this.lastStatus === 'drift') {
      this.drifts += 1;
      this.restart();
    }
    return this.lastStatus;
  }

  reset(): void {
    this.restart();
    this.resetOutcome();
  }

  state(): ModelState {
    const scalars = new Float64Array(SCALARS);
    scalars.set([this.n, this.errorRate, this.pMin, this.sMin, this.updates, this.drifts, this.lastStatistic]);
    scalars[7] = statusCode(this.lastStatus);
    return { kind: KIND, version: 1, config: { ...this.config }, arrays: { scalars } };
  }

  static fromState(state: ModelState): Ddm {
    const detector = new Ddm(state.config as DdmConfig);
    const s = stateArray(state, 'scalars', Float64Array, SCALARS);
    [detector.n, detector.errorRate, detector.pMin, detector.sMin, detector.updates, detector.drifts] = s;
    detector.lastStatistic = s[6]!;
    detector.lastStatus = statusFromCode(KIND, s[7]!);
    return detector;
  }

  private test(p: number, s: number): DriftStatus {
    if (p + s <= this.pMin + this.sMin) {
      this.pMin = p;
      this.sMin = s;
    }
    const { warningThreshold, driftThreshold } = this.config;
    if (p + s > this.pMin + driftThreshold * this.sMin) return 'drift';
    return p + s > this.pMin + warningThreshold * this.sMin ? 'warning' : 'stable';
  }

  private restart(): void {
    this.n = 0;
    this.errorRate = 0;
    this.pMin = Number.POSITIVE_INFINITY;
    this.sMin = Number.POSITIVE_INFINITY;
  }
}
