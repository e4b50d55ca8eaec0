import { CheckpointError, NonFiniteError } from '../errors';
import type { ModelState, TypedArray } from '../state';

/**
 * The drift-detector contract. A detector watches one number per event — a prequential error (0/1) or
 * a real-valued loss — and says whether its distribution has changed. Detectors are pure (no I/O), take
 * O(1) amortised time per update and allocate nothing per update, so a forest can run two per tree and
 * a Hoeffding adaptive tree one per node.
 *
 * Rules every detector keeps:
 * - `update(v)` returns the status after `v`; `'drift'` is reported on exactly the update that detected
 *   it, and the detector has already adapted (shrunk its window or restarted its statistics), so the next
 *   update starts a new concept without a `reset()`.
 * - `statistic` and `threshold` are the test's own numbers after the last update: a drift was signalled
 *   when `statistic > threshold` (each detector documents its units). They are what `<topology>.drift`
 *   publishes.
 * - `state()` is a `ModelState` (src/state.ts); `driftDetectorFromState` (./registry) rebuilds a detector
 *   that continues exactly as the original would, bit for bit.
 * - A non-finite value throws `NonFiniteError` naming the detector, and changes nothing.
 */
export type DriftStatus = 'stable' | 'warning' | 'drift';
export type DriftDirection = -1 | 0 | 1;

export function directionFromCode(kind: string, code: number): DriftDirection {
  if (code !== -1 && code !== 0 && code !== 1) throw new CheckpointError(`${kind}: state has an unknown direction ${code}`);
  return code;
}

export interface DriftDetector {
  /** Registry key: `'ADWIN'`, `'PageHinkley'`, `'DDM'`, `'KSWIN'`. */
  readonly kind: string;
  update(value: number): DriftStatus;
  /** The status returned by the last update (`'stable'` before any). */
  readonly status: DriftStatus;
  readonly statistic: number;
  readonly threshold: number;
  /**
   * Which way the watched value moved at the last drift: +1 up (an error rose), −1 down, 0 before any
   * drift. Runtime actions act only on +1: a model whose error falls needs no reset.
   */
  readonly direction: DriftDirection;
  /** Updates seen since construction or the last `reset()`. */
  readonly count: number;
  /** Drifts detected since construction or the last `reset()`. */
  readonly detections: number;
  /** Forgets everything learned; the configuration stays. */
  reset(): void;
  state(): ModelState;
}

/**
 * What every detector keeps besides its own statistics: the counts, and the outcome of the last update,
 * with the contract's getters over them. Each detector stores them in its own state layout.
 */
export abstract class DetectorBase {
  protected updates = 0;
  protected drifts = 0;
  protected lastStatus: DriftStatus = 'stable';
  protected lastStatistic = 0;
  protected lastDirection: DriftDirection = 0;

  get status(): DriftStatus {
    return this.lastStatus;
  }
  get statistic(): number {
    return this.lastStatistic;
  }
  get direction(): DriftDirection {
    return this.lastDirection;
  }
  get count(): number {
    return this.updates;
  }
  get detections(): number {
    return this.drifts;
  }

  /** Forgets the counts and the last outcome; `reset()` calls it besides restarting its own statistics. */
  protected resetOutcome(): void {
    this.updates = 0;
    this.drifts = 0;
    this.lastStatus = 'stable';
    this.lastStatistic = 0;
    this.lastDirection = 0;
  }
}

export function checkFinite(kind: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new NonFiniteError(`${kind}: drift detector input must be a finite number, got ${String(value)}`);
  }
}

const STATUSES: readonly DriftStatus[] = ['stable', 'warning', 'drift'];

/** Status as stored in a state's scalars. */
export function statusCode(status: DriftStatus): number {
  return STATUSES.indexOf(status);
}

export function statusFromCode(kind: string, code: number): DriftStatus {
  const status = STATUSES[code];
  if (status === undefined) throw new CheckpointError(`${kind}: state has an unknown status code ${code}`);
  return status;
}

/** Reads a state array of an exact type, with at least `minLength` entries. */
export function stateArray<T extends TypedArray>(state: ModelState, key: string, type: new (length: number) => T, minLength: number): T {
  const value = state.arrays[key];
  if (value === undefined || !(value instanceof type) || value.length < minLength) {
    const got = value === undefined ? 'nothing' : `a ${value.constructor.name} of ${value.length}`;
    throw new CheckpointError(`${state.kind}: state array '${key}' must be a ${type.name} of at least ${minLength}, got ${got}`);
  }
  return value;
}
