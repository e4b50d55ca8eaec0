import type { Checkpoint } from '../checkpoints/envelope';
import type { CheckpointManifest, PartitionOffset } from '../checkpoints/manifest';
import { createDriftDetector, driftDetectorFromState, stateFromJson, stateToJson, type DriftDetector, type DriftDetectorSpec } from '../drift';
import { CheckpointError, ConfigError } from '../errors';
import { readImportanceExtra } from '../importance/publish';
import type { ImportanceSnapshot } from '../importance/snapshot';
import { choiceField, isPositive, isPositiveInteger, numberField } from '../learners/config-checks';
import type { JsonObject, ModelState } from '../state';

/**
 * What a topology does when the watched error of a model drifts upwards:
 * - `alert`: only publish the detection on `<topology>.drift`;
 * - `reset`: archive the model on the model topic (key `<modelId>@drift-v<version>`), start a fresh one and
 *   publish it as the next version;
 * - `rollback`: archive the model likewise, return to the latest checkpoint (kept in memory, and after a
 *   restart read back from the versions the model topic keeps) whose rolling error was lower than the
 *   current one, and publish that state as the next version.
 */
export type DriftAction = 'alert' | 'reset' | 'rollback';
/** The per-event value the detector watches: 0/1 misclassification, or a regression's error. */
export type DriftInput = 'error' | 'absolute-error' | 'squared-error';

export interface DriftWatchConfig {
  detector: DriftDetectorSpec;
  /** Default `'error'` (classifiers); regressors take `'absolute-error'` or `'squared-error'`. */
  on?: DriftInput;
  /** Default `'alert'`. */
  action?: DriftAction;
  /** Half-life, in events, of the rolling error recorded with each checkpoint and compared by rollback. Default 500. */
  rollingHalfLife?: number;
  /**
   * Checkpoints kept in memory as rollback targets, per model, with action `rollback` (no other action keeps
   * any). Default 5. After a restart the targets are the versions the model topic still keeps (the publisher's
   * `keepVersions`, 3 by default).
   */
  keepCheckpoints?: number;
}

export type ResolvedDriftWatchConfig = Required<DriftWatchConfig>;

const ACTIONS: readonly DriftAction[] = ['alert', 'reset', 'rollback'];
const INPUTS: readonly DriftInput[] = ['error', 'absolute-error', 'squared-error'];

/** Checks a topology's `drift` setting at definition (building one detector checks the detector's own). */
export function resolveDriftWatch(topology: string, config: DriftWatchConfig): ResolvedDriftWatchConfig {
  const owner = `topology ${topology}: drift`;
  const resolved: ResolvedDriftWatchConfig = {
    detector: config.detector,
    on: choiceField(owner, 'on', config.on, 'error', INPUTS),
    action: choiceField(owner, 'action', config.action, 'alert', ACTIONS),
    rollingHalfLife: numberField(owner, 'rollingHalfLife', config.rollingHalfLife, 500, isPositive, 'a finite number > 0'),
    keepCheckpoints: numberField(owner, 'keepCheckpoints', config.keepCheckpoints, 5, isPositiveInteger, 'a positive integer'),
  };
  if (resolved.detector?.kind === 'DDM' && resolved.on !== 'error') {
    throw new ConfigError(`${owner}: DDM watches 0/1 errors, so 'on' must be 'error', got '${resolved.on}'`);
  }
  try {
    createDriftDetector(resolved.detector);
  } catch (err) {
    throw new ConfigError(`${owner}.detector: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return resolved;
}

/** The events' offsets, read one at a time: an array has this shape. */
export interface EventOffsets {
  readonly length: number;
  at(index: number): string | undefined;
}

/** One detection: the event whose value tripped the detector, and the test's numbers then. */
export interface Detection {
  /** The event's own position (not the next offset to read). */
  at: PartitionOffset;
  detector: string;
  statistic: number;
  threshold: number;
  /** +1 the watched error rose, −1 it fell. */
  direction: number;
  /** Events the detector had seen since it was created or last restarted. */
  count: number;
  rollingError: number;
}

/** A published checkpoint kept as a rollback target. */
export interface RollbackPoint {
  version: number;
  rollingError: number;
  examplesSeen: number;
  state: ModelState;
  importance: ImportanceSnapshot | null;
}

export const DRIFT_EXTRA_KEY = 'drift';

interface Resume {
  detector: ModelState;
  rollingSum: number;
  rollingWeight: number;
}

/**
 * One model's drift watch: feeds its detector the per-event error of each prediction (made before the
 * event was learned), keeps an exponentially weighted rolling error, and remembers recent checkpoints
 * for rollback. Pure: the runtime publishes what it finds and carries out the action.
 */
export class DriftWatch {
  private detector: DriftDetector;
  private readonly decay: number;
  private rollingSum = 0;
  private rollingWeight = 0;
  private pending: Detection[] = [];
  private readonly points: RollbackPoint[] = [];

  constructor(
    readonly config: ResolvedDriftWatchConfig,
    resume: Resume | null = null,
  ) {
    // A checkpoint written under another detector kind cannot resume this one: start it fresh.
    const resumes = resume !== null && resume.detector.kind === config.detector.kind;
    this.detector = resumes ? driftDetectorFromState(resume.detector) : createDriftDetector(config.detector);
    this.decay = 2 ** (-1 / config.rollingHalfLife);
    if (resume) {
      this.rollingSum = resume.rollingSum;
      this.rollingWeight = resume.rollingWeight;
    }
  }

  /** Bias-corrected exponentially weighted mean of the watched error; NaN before any event. */
  get rollingError(): number {
    return this.rollingWeight === 0 ? Number.NaN : this.rollingSum / this.rollingWeight;
  }

  /**
   * Feeds the errors of a learned batch: `predictions[i]` was made for the event at `offsets.at(i)`, label `ys[i]`.
   * `offsets`: an array, or anything that reads one offset when asked (a detection is rare; an offset's text per
   * event was 0.5% of `npm start`).
   */
  observe(topic: string, partition: number, offsets: EventOffsets, predictions: Float64Array, ys: Float64Array): void {
    for (let i = 0; i < offsets.length; i++) {
      const prediction = predictions[i]!;
      if (Number.isNaN(prediction)) continue; // a stage dropped the event: nothing was predicted
      const value = this.errorOf(prediction, ys[i]!);
      this.rollingSum = this.decay * this.rollingSum + (1 - this.decay) * value;
      this.rollingWeight = this.decay * this.rollingWeight + (1 - this.decay);
      if (this.detector.update(value) !== 'drift') continue;
      const { kind, statistic, threshold, direction, count } = this.detector;
      this.pending.push({
        at: { topic, partition, offset: offsets.at(i)! },
        detector: kind,
        statistic,
        threshold,
        direction,
        count,
        rollingError: this.rollingError,
      });
    }
  }

  /** Detections since the last call, oldest first. */
  takeDetections(): Detection[] {
    const taken = this.pending;
    if (taken.length > 0) this.pending = [];
    return taken;
  }

  /** After a reset or rollback the detector starts over: the old window describes a model that is gone. */
  restartDetector(): void {
    this.detector.reset();
  }

  /** What a checkpoint carries so that a restart resumes the watch where the checkpoint stands. */
  extra(): JsonObject {
    return { [DRIFT_EXTRA_KEY]: { detector: stateToJson(this.detector.state()), rollingSum: this.rollingSum, rollingWeight: this.rollingWeight } };
  }

  /**
   * Keeps a checkpoint as a rollback target, with action `rollback` only: a point holds a whole model state
   * that no other action reads (ctr-logistic: 3 arrays of 2 MB; the main job, which alerts, held 5 of them).
   */
  remember(point: RollbackPoint): void {
    if (this.config.action !== 'rollback') return;
    this.points.push(point);
    if (this.points.length > this.config.keepCheckpoints) this.points.shift();
  }

  /**
   * The latest remembered checkpoint whose rolling error was lower than `than`: the rolling error at the
   * detection acted on (which its drift record carries, so the choice can be checked from the record), or now.
   */
  rollbackTarget(than = this.rollingError): RollbackPoint | undefined {
    for (let i = this.points.length - 1; i >= 0; i--) if (this.points[i]!.rollingError < than) return this.points[i];
    return undefined;
  }

  private errorOf(prediction: number, y: number): number {
    switch (this.config.on) {
      case 'error':
        return prediction === y ? 0 : 1;
      case 'absolute-error':
        return Math.abs(prediction - y);
      case 'squared-error':
        return (prediction - y) ** 2;
    }
  }
}

/** The watch state a checkpoint carries, or null (a checkpoint from before the topology watched drift). */
export function readDriftExtra(manifest: Pick<CheckpointManifest, 'modelId' | 'version' | 'extra'>): Resume | null {
  const carried = manifest.extra?.[DRIFT_EXTRA_KEY];
  if (carried === undefined) return null;
  const where = `checkpoint ${manifest.modelId} v${manifest.version} extra.${DRIFT_EXTRA_KEY}`;
  if (typeof carried !== 'object' || carried === null || Array.isArray(carried)) throw new CheckpointError(`${where}: expected an object`);
  const { rollingSum, rollingWeight } = carried;
  if (typeof rollingSum !== 'number' || typeof rollingWeight !== 'number') throw new CheckpointError(`${where}: rollingSum and rollingWeight must be numbers`);
  return { detector: stateFromJson(carried.detector, `${where}.detector`), rollingSum, rollingWeight };
}

/**
 * A model's watch, resumed from the checkpoint it was restored from (if any). Its rollback targets are the
 * versions still kept on the model topic up to that one (`kept`, oldest first; the restored checkpoint
 * alone when none are given), each with the rolling error its manifest recorded: a restart keeps the
 * detector's state and the checkpoints to return to.
 */
export function watchFromCheckpoint(config: ResolvedDriftWatchConfig, restoredFrom: Checkpoint | undefined, kept: readonly Checkpoint[] = []): DriftWatch {
  if (restoredFrom === undefined) return new DriftWatch(config);
  const watch = new DriftWatch(config, readDriftExtra(restoredFrom.manifest));
  const version = restoredFrom.manifest.version;
  const earlier = kept.filter((c) => c.manifest.version < version);
  for (const checkpoint of [...earlier, restoredFrom]) watch.remember(rollbackPoint(checkpoint));
  return watch;
}

/** A checkpoint as a rollback target; a checkpoint without drift state (NaN rolling error) is never chosen. */
function rollbackPoint(checkpoint: Checkpoint): RollbackPoint {
  const { manifest, state } = checkpoint;
  const resume = readDriftExtra(manifest);
  const rollingError = resume && resume.rollingWeight > 0 ? resume.rollingSum / resume.rollingWeight : Number.NaN;
  return { version: manifest.version, rollingError, examplesSeen: manifest.examplesSeen, state, importance: readImportanceExtra(manifest) };
}
