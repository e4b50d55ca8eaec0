import type { PartitionOffset } from '../checkpoints/manifest';
import type { Metric } from '../evaluation/metric';
import type { ModelImportance } from '../importance/model-importance';
import type { ImportanceSnapshot } from '../importance/snapshot';
import type { JsonObject, ModelState } from '../state';
import type { BatchEvents } from './batch-events';
import type { LabelGuard } from './label-guard';
import type { PartitionLedger } from './slot-ledger';
import type { TopologyModel } from './topology';

/** Everything a slot returns to on a rollback: the model, its metrics and label bounds, as of one moment. */
export interface SlotSnapshot {
  state: ModelState;
  /** `encodeMetricStates` of the metrics. */
  metrics: JsonObject;
  labels: JsonObject;
  examplesSeen: number;
  importance: ImportanceSnapshot | null;
}

/**
 * The good events of a learned batch, kept until a checkpoint covers them, to be learned again after a
 * rollback: records, or rows of Arrow tables by flat index (`BatchEvents`).
 */
export interface JournalEntry extends BatchEvents {
  /** `topic/partition@first..last`, for errors. */
  where: string;
}

/**
 * One model being trained, with everything its next checkpoint records. A shared topology has one slot;
 * a per-partition topology has one per input partition, each with its own model id.
 */
export interface ModelSlot {
  readonly modelId: string;
  model: TopologyModel;
  importance?: ModelImportance;
  metrics: Record<string, Metric>;
  labelGuard: LabelGuard;
  /** Version of the last checkpoint published (or restored); 0 before any. */
  version: number;
  /** Next offset to learn, per `topic/partition`. */
  readonly offsets: Map<string, PartitionOffset>;
  /** Per `topic/partition`: the last checkpoint's offset and what was consumed since (see slot-ledger.ts). */
  readonly ledger: Map<string, PartitionLedger>;
  examplesSeen: number;
  /** Records consumed (learned or dead-lettered) since the last checkpoint. */
  sinceCheckpoint: number;
  lastCheckpointAt: number;
  /** The state of the last checkpoint published or restored (or the fresh model): where a rollback returns to. */
  lastGood: SlotSnapshot;
  /** Batches learned since `lastGood`, in order. */
  journal: JournalEntry[];
}

export const partitionKey = ({ topic, partition }: { topic: string; partition: number }): string => `${topic}/${partition}`;

export function metricValues(metrics: Record<string, Metric>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, metric.get()]));
}
