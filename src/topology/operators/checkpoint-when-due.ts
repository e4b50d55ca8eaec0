import { concatMap, type OperatorFunction } from 'rxjs';
import type { CheckpointManifest } from '../../checkpoints/manifest';
import type { ModelSlot } from '../model-slot';
import type { LearnedBatch } from './learn-batch';

export interface CheckpointWhenDueConfig {
  everyRecords: number;
  everyMs: number;
  /** Publishes the slot's checkpoint, then commits its offsets; resolves with the manifest (none when the slot's partition moved away). */
  checkpoint(slot: ModelSlot): Promise<CheckpointManifest | undefined>;
}

export interface TopologyStep extends LearnedBatch {
  /** The checkpoint this step published, if it was due. */
  published?: CheckpointManifest;
}

export function isDue(slot: ModelSlot, everyRecords: number, everyMs: number, now = Date.now()): boolean {
  return slot.sinceCheckpoint > 0 && (slot.sinceCheckpoint >= everyRecords || now - slot.lastCheckpointAt >= everyMs);
}

/** After each learned batch, checkpoints its model when `everyRecords` or `everyMs` has been reached. */
export function checkpointWhenDue({ everyRecords, everyMs, checkpoint }: CheckpointWhenDueConfig): OperatorFunction<LearnedBatch, TopologyStep> {
  return concatMap(async (step) => (isDue(step.slot, everyRecords, everyMs) ? { ...step, published: await checkpoint(step.slot) } : step));
}
