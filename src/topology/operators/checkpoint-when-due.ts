import { concatMap, type OperatorFunction } from 'rxjs';
import type { CheckpointManifest } from '../../checkpoints/manifest';
import type { ModelSlot } from '../model-slot';
import type { LearnedBatch } from './learn-batch';

export interface CheckpointWhenDueConfig {
  everyRecords: number;
  everyMs: number;
  /** No checkpoint sooner than this after the previous one (default 0). */
  minIntervalMs?: number;
  /** Publishes the slot's checkpoint, then commits its offsets; resolves with the manifest (none when the slot's partition moved away). */
  checkpoint(slot: ModelSlot): Promise<CheckpointManifest | undefined>;
}

export interface TopologyStep extends LearnedBatch {
  /** The checkpoint this step published, if it was due. */
  published?: CheckpointManifest;
}

export function isDue(slot: ModelSlot, everyRecords: number, everyMs: number, now = Date.now(), minIntervalMs = 0): boolean {
  const since = now - slot.lastCheckpointAt;
  return slot.sinceCheckpoint > 0 && since >= minIntervalMs && (slot.sinceCheckpoint >= everyRecords || since >= everyMs);
}

/** After each learned batch, checkpoints its model when `everyRecords` or `everyMs` has been reached. */
export function checkpointWhenDue({ everyRecords, everyMs, minIntervalMs, checkpoint }: CheckpointWhenDueConfig): OperatorFunction<LearnedBatch, TopologyStep> {
  return concatMap(async (step) =>
    isDue(step.slot, everyRecords, everyMs, Date.now(), minIntervalMs) ? { ...step, published: await checkpoint(step.slot) } : step,
  );
}
