import { ConfigError } from '../errors';
import { isOpenFraction, isPositiveInteger, numberFields, type NumberFieldSpec } from '../learners/config-checks';
import { createRandom, type Random } from '../random';
import type { ModelState } from '../state';
import { checkFinite, directionFromCode, stateArray, statusCode, statusFromCode, type DriftDetector, type DriftStatus, DetectorBase } from './detector';

export interface KswinConfig {
  /** Significance of the Kolmogorov–Smirnov test; keep it below 0.01. Default 0.005. */
  alpha?: number;
  /** Length n of the sliding window. Default 100. */
  windowSize?: number;
  /** Length r of the recent part compared with a sample of the older part. Default 30. */
  statSize?: number;
  /** Seed of the sampling of the older part. Default 1. */
  seed?: number;
}

export type ResolvedKswinConfig = Required<KswinConfig>;

const KIND = 'KSWIN';
const SCALARS = 7;

const FIELDS: Record<keyof KswinConfig, NumberFieldSpec> = {
  alpha: [0.005, isOpenFraction, 'in (0, 1)'],
  windowSize: [100, isPositiveInteger, 'a positive integer'],
  statSize: [30, isPositiveInteger, 'a positive integer'],
  seed: [1, Number.isSafeInteger, 'an integer'],
};

export function resolveKswinConfig(config: KswinConfig = {}): ResolvedKswinConfig {
  const resolved = numberFields(KIND, FIELDS, config);
  if (resolved.windowSize < 2 * resolved.statSize) {
    throw new ConfigError(
      `${KIND}: windowSize (${resolved.windowSize}) must be at least twice statSize (${resolved.statSize}), ` +
        'so the older part can supply a sample of statSize values',
    );
  }
  return resolved;
}

/**
 * KSWIN (Raab, Heusinger & Schleif, Neurocomputing 2020): a sliding window of the last n values; its
 * last r values R are compared, by the two-sample Kolmogorov–Smirnov distance, with r values W drawn
 * without replacement from the older n − r. Drift when dist(R, W) > sqrt(−ln α / r), the paper's rule;
 * the window then keeps only R. The draw is seeded, and its generator's position is part of the state,
 * so a restored detector draws the same samples. `statistic` is dist(R, W), `threshold` the bound.
 * Unlike River (which calls scipy's exact p-value and also requires dist > 0.1) the bound is the paper's
 * closed form; it needs no allocation per test.
 */
export class Kswin extends DetectorBase implements DriftDetector {
  readonly kind = KIND;
  readonly config: ResolvedKswinConfig;
  readonly threshold: number;
  private readonly window: Float64Array;
  private start = 0;
  private length = 0;
  private readonly older: Int32Array;
  private readonly sample: Float64Array;
  private readonly recent: Float64Array;
  private random: Random;

  constructor(config: KswinConfig = {}) {
    super();
    this.config = resolveKswinConfig(config);
    const { windowSize, statSize, alpha, seed } = this.config;
    this.threshold = Math.sqrt(-Math.log(alpha) / statSize);
    this.window = new Float64Array(windowSize);
    this.older = Int32Array.from({ length: windowSize - statSize }, (_, i) => i);
    this.sample = new Float64Array(statSize);
    this.recent = new Float64Array(statSize);
    this.random = createRandom(seed);
  }

  /** The sign of mean(R) − mean(W) at the last drift. */

  update(value: number): DriftStatus {
    checkFinite(KIND, value);
    this.updates += 1;
    this.push(value);
    let drift = false;
    if (this.length === this.config.windowSize) {
      this.lastStatistic = this.distance();
      drift = this.lastStatistic > this.threshold;
    }
    if (drift) {
      this.drifts += 1;
      this.lastDirection = sum(this.recent) >= sum(this.sample) ? 1 : -1;
      this.keepRecent();
    }
    this.lastStatus = drift ? 'drift' : 'stable';
    return this.lastStatus;
  }

  reset(): void {
    this.start = 0;
    this.length = 0;
    this.older.forEach((_, i, all) => (all[i] = i));
    this.random = createRandom(this.config.seed);
    this.resetOutcome();
  }

  state(): ModelState {
    const [rngState, rngSpare] = this.random.position();
    const scalars = new Float64Array([this.start, this.length, this.updates, this.drifts, this.lastStatistic, rngSpare, this.lastDirection]);
    const rng = new Uint32Array([rngState]);
    const status = new Int8Array([statusCode(this.lastStatus)]);
    const arrays = { window: this.window.slice(), older: this.older.slice(), scalars, rng, status };
    return { kind: KIND, version: 1, config: { ...this.config }, arrays };
  }

  static fromState(state: ModelState): Kswin {
    const detector = new Kswin(state.config as KswinConfig);
    const { windowSize, statSize } = detector.config;
    detector.window.set(stateArray(state, 'window', Float64Array, windowSize).subarray(0, windowSize));
    detector.older.set(stateArray(state, 'older', Int32Array, windowSize - statSize).subarray(0, windowSize - statSize));
    const s = stateArray(state, 'scalars', Float64Array, SCALARS);
    [detector.start, detector.length, detector.updates, detector.drifts, detector.lastStatistic] = s;
    detector.lastDirection = directionFromCode(KIND, s[6]!);
    const rngState = stateArray(state, 'rng', Uint32Array, 1)[0]!;
    detector.random = createRandom(detector.config.seed, [rngState, s[5]!]);
    detector.lastStatus = statusFromCode(KIND, stateArray(state, 'status', Int8Array, 1)[0]!);
    return detector;
  }

  /** The i-th value of the window, 0 the oldest. */
  private at(i: number): number {
    return this.window[(this.start + i) % this.config.windowSize]!;
  }

  private push(value: number): void {
    const size = this.config.windowSize;
    if (this.length < size) {
      this.window[(this.start + this.length) % size] = value;
      this.length += 1;
    } else {
      this.window[this.start] = value;
      this.start = (this.start + 1) % size;
    }
  }

  /** KS distance between the recent r values and r values drawn from the older part. */
  private distance(): number {
    const { windowSize, statSize } = this.config;
    const olderCount = windowSize - statSize;
    // Partial Fisher–Yates over a persistent index permutation: any permutation is a valid start, so it
    // never needs re-initialising, and the first statSize entries are a uniform draw without replacement.
    for (let i = 0; i < statSize; i++) {
      const j = i + this.random.nextInt(olderCount - i);
      const picked = this.older[j]!;
      this.older[j] = this.older[i]!;
      this.older[i] = picked;
      this.sample[i] = this.at(picked);
      this.recent[i] = this.at(olderCount + i);
    }
    insertionSort(this.sample);
    insertionSort(this.recent);
    return ksDistance(this.sample, this.recent);
  }

  private keepRecent(): void {
    const { windowSize, statSize } = this.config;
    for (let i = 0; i < statSize; i++) this.recent[i] = this.at(windowSize - statSize + i);
    this.window.set(this.recent, 0);
    this.start = 0;
    this.length = statSize;
  }
}

/**
 * In place. For r = 30 values it took 2.1 µs against 2.7 µs for `TypedArray.prototype.sort` (Node 20,
 * loaded machine), and it allocates nothing.
 */
function insertionSort(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
}

function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/** sup |F_a − F_b| of two sorted samples of equal length. */
function ksDistance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let i = 0;
  let j = 0;
  let largest = 0;
  while (i < n && j < n) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i] === x) i++;
    while (j < n && b[j] === x) j++;
    largest = Math.max(largest, Math.abs(i - j) / n);
  }
  return largest;
}
