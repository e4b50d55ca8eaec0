import { concatMap, type OperatorFunction } from 'rxjs';
import type { CheckpointManifest } from '../../checkpoints/manifest';
import type { ModelSlot } from '../model-slot';
import type { LearnedBatch } from './learn-batch';

export interface CheckpointWhenDueConfig {
  everyRecords: number;
  everyMs: number;
  /** No checkpoint sooner than this after the previous one (default 0). */
  minIntervalMs?: number;
  /**
   * Publishes the slot's checkpoint, then commits its offsets; resolves with the manifest (none when the
   * slot's partition moved away). It captures the slot's state and offsets before anything else and calls
   * `captured()` then; checkpoints run one at a time, so a capture waits for the publish before it.
   */
  checkpoint(slot: ModelSlot, captured: () => void): Promise<CheckpointManifest | undefined>;
}

export interface TopologyStep extends LearnedBatch {
  /** The checkpoint this step published, if it was due. */
  published?: CheckpointManifest;
}

export function isDue(slot: ModelSlot, everyRecords: number, everyMs: number, now = Date.now(), minIntervalMs = 0): boolean {
  return isDueAfter(slot.sinceCheckpoint, slot.lastCheckpointAt, everyRecords, everyMs, now, minIntervalMs);
}

function isDueAfter(records: number, lastAt: number, everyRecords: number, everyMs: number, now: number, minIntervalMs: number): boolean {
  const since = now - lastAt;
  return records > 0 && since >= minIntervalMs && (records >= everyRecords || since >= everyMs);
}

/**
 * A checkpoint captured and not yet published: what it covers of the slot's `sinceCheckpoint`, when, and the
 * slot's version then. The publish moves the version on and takes `covered` off in the same turn.
 */
interface InFlight {
  covered: number;
  at: number;
  version: number;
}

export interface Checkpointer {
  /**
   * For `learnBatch`'s `afterBatch`, so that the next batch waits for it: when this step makes its slot due,
   * captures the checkpoint now, covering exactly the records up to this step. A checkpoint still in flight
   * is waited for first: learning runs at most one publish ahead.
   */
  afterStep(step: LearnedBatch): Promise<void>;
  /** Emits each step with the checkpoint it started, once that is published (in order). */
  published(): OperatorFunction<LearnedBatch, TopologyStep>;
}

/**
 * Checkpoints a step's model when `everyRecords` or `everyMs` has been reached, counted from the previous
 * checkpoint's capture. The due check and the capture happen at the step, before the next batch is learned:
 * when they lagged behind in a second `concatMap`, the learner ran ahead during a publish and one version
 * covered more than `everyRecords` (a slow store made it cover all that was learned meanwhile).
 */
export function createCheckpointer({ everyRecords, everyMs, minIntervalMs = 0, checkpoint }: CheckpointWhenDueConfig): Checkpointer {
  const inFlight = new Map<ModelSlot, InFlight>();
  const started = new WeakMap<LearnedBatch, Promise<CheckpointManifest | undefined>>();
  return {
    async afterStep(step) {
      const { slot } = step;
      const found = inFlight.get(slot);
      const pending = found?.version === slot.version ? found : undefined;
      const records = slot.sinceCheckpoint - (pending?.covered ?? 0);
      const lastAt = Math.max(slot.lastCheckpointAt, pending?.at ?? 0);
      if (!isDueAfter(records, lastAt, everyRecords, everyMs, Date.now(), minIntervalMs)) return;
      let captured!: () => void;
      const capture = new Promise<void>((resolve) => (captured = resolve));
      const publishing = checkpoint(slot, captured);
      started.set(step, publishing);
      // Settled or not, a failed publish ends the run through `published()`; here it only releases the step.
      await Promise.race([capture, publishing.then(undefined, () => undefined)]);
      const mine = { covered: slot.sinceCheckpoint, at: Date.now(), version: slot.version };
      inFlight.set(slot, mine);
      void publishing.finally(() => inFlight.get(slot) === mine && inFlight.delete(slot)).catch(() => undefined);
    },
    published: () =>
      concatMap(async (step) => {
        const publishing = started.get(step);
        return publishing === undefined ? step : { ...step, published: await publishing };
      }),
  };
}
