import type { PartitionOffset } from '../checkpoints/manifest';
import type { Metric } from '../evaluation/metric';
import type { ModelImportance } from '../importance/model-importance';
import type { TopologyModel } from './topology';

/**
 * One model being trained, with everything its next checkpoint records. A shared topology has one slot;
 * a per-partition topology has one per input partition, each with its own model id.
 */
export interface ModelSlot {
  readonly modelId: string;
  model: TopologyModel;
  importance?: ModelImportance;
  metrics: Record<string, Metric>;
  /** Version of the last checkpoint published (or restored); 0 before any. */
  version: number;
  /** Next offset to learn, per `topic/partition`. */
  readonly offsets: Map<string, PartitionOffset>;
  examplesSeen: number;
  /** Records consumed (learned or dead-lettered) since the last checkpoint. */
  sinceCheckpoint: number;
  lastCheckpointAt: number;
}

export const partitionKey = ({ topic, partition }: { topic: string; partition: number }): string => `${topic}/${partition}`;

export function metricValues(metrics: Record<string, Metric>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, metric.get()]));
}
