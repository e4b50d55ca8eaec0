import { choiceField, isNonNegative, isOpenFraction, isPositive, isPositiveInteger, numberField } from '../learners/config-checks';
import type { ModelState } from '../state';
import { checkFinite, directionFromCode, stateArray, statusCode, statusFromCode, type DriftDetector, type DriftStatus, DetectorBase } from './detector';

export type PageHinkleyMode = 'up' | 'down' | 'both';

export interface PageHinkleyConfig {
  /** No drift is signalled before this many values. Default 30. */
  minInstances?: number;
  /** Magnitude of change tolerated (δ). Default 0.005. */
  delta?: number;
  /** Detection threshold (λ), in the units of the watched value. Default 50. */
  threshold?: number;
  /** Fading factor of the cumulative sums. Default 1 − 0.0001. */
  alpha?: number;
  /** Which shift to detect: an increase (`'up'`, e.g. of an error), a decrease, or both. Default `'both'`. */
  mode?: PageHinkleyMode;
}

export type ResolvedPageHinkleyConfig = Required<PageHinkleyConfig>;

const KIND = 'PageHinkley';
const MODES: readonly PageHinkleyMode[] = ['up', 'down', 'both'];

export function resolvePageHinkleyConfig(config: PageHinkleyConfig = {}): ResolvedPageHinkleyConfig {
  return {
    minInstances: numberField(KIND, 'minInstances', config.minInstances, 30, isPositiveInteger, 'a positive integer'),
    delta: numberField(KIND, 'delta', config.delta, 0.005, isNonNegative, 'a finite number ≥ 0'),
    threshold: numberField(KIND, 'threshold', config.threshold, 50, isPositive, 'a finite number > 0'),
    alpha: numberField(KIND, 'alpha', config.alpha, 1 - 0.0001, (v) => isOpenFraction(v) || v === 1, 'in (0, 1]'),
    mode: choiceField(KIND, 'mode', config.mode, 'both', MODES),
  };
}

const SCALARS = 10;

/**
 * The Page-Hinkley test (Page 1954), as in River and MOA: with x̄ the running mean,
 *   m_T = α·m_{T−1} + (x_T − x̄_T − δ),  M_T = min m_t,  drift (up) when m_T − M_T > λ,
 * and the mirror image for a decrease. After a drift the sums and the mean restart, so the next value
 * begins a new concept. No warning zone. `statistic` is m_T − M_T (the larger of the two sides in
 * `'both'` mode), `threshold` is λ.
 */
export class PageHinkley extends DetectorBase implements DriftDetector {
  readonly kind = KIND;
  readonly config: ResolvedPageHinkleyConfig;
  private n = 0;
  private mean = 0;
  private sumUp = 0;
  private minUp = 0;
  private sumDown = 0;
  private maxDown = 0;

  constructor(config: PageHinkleyConfig = {}) {
    super();
    this.config = resolvePageHinkleyConfig(config);
  }

  get threshold(): number {
    return this.config.threshold;
  }

  update(value: number): DriftStatus {
    checkFinite(KIND, value);
    const { alpha, delta, mode, minInstances, threshold } = this.config;
    this.updates += 1;
    this.n += 1;
    this.mean += (value - this.mean) / this.n;
    const deviation = value - this.mean;
    this.sumUp = alpha * this.sumUp + deviation - delta;
    this.minUp = Math.min(this.minUp, this.sumUp);
    this.sumDown = alpha * this.sumDown + deviation + delta;
    this.maxDown = Math.max(this.maxDown, this.sumDown);
    const up = mode === 'down' ? 0 : this.sumUp - this.minUp;
    const down = mode === 'up' ? 0 : this.maxDown - this.sumDown;
    this.lastStatistic = Math.max(up, down);
    const drift = this.n >= minInstances && this.lastStatistic > threshold;
    if (drift) {
      this.drifts += 1;
      this.lastDirection = up >= down ? 1 : -1;
      this.restart();
    }
    this.lastStatus = drift ? 'drift' : 'stable';
    return this.lastStatus;
  }

  reset(): void {
    this.restart();
    this.resetOutcome();
  }

  state(): ModelState {
    const scalars = new Float64Array(SCALARS);
    scalars.set([this.n, this.mean, this.sumUp, this.minUp, this.sumDown, this.maxDown, this.updates, this.drifts]);
    scalars[8] = this.lastStatistic;
    scalars[9] = this.lastDirection;
    const status = new Int8Array([statusCode(this.lastStatus)]);
    return { kind: KIND, version: 1, config: { ...this.config }, arrays: { scalars, status } };
  }

  static fromState(state: ModelState): PageHinkley {
    const detector = new PageHinkley(state.config as PageHinkleyConfig);
    const s = stateArray(state, 'scalars', Float64Array, SCALARS);
    [detector.n, detector.mean, detector.sumUp, detector.minUp, detector.sumDown, detector.maxDown] = s;
    [, , , , , , detector.updates, detector.drifts, detector.lastStatistic] = s;
    detector.lastDirection = directionFromCode(KIND, s[9]!);
    detector.lastStatus = statusFromCode(KIND, stateArray(state, 'status', Int8Array, 1)[0]!);
    return detector;
  }

  private restart(): void {
    this.n = 0;
    this.mean = 0;
    this.sumUp = 0;
    this.minUp = 0;
    this.sumDown = 0;
    this.maxDown = 0;
  }
}
