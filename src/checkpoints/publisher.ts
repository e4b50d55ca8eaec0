import type { KafkaSink } from '../../connectors/kafka/sink';
import type { ModelState } from '../state';
import { buildCheckpoint, type ManifestFields } from './envelope';
import type { CheckpointManifest } from './manifest';
import { checkpointRecords, chunkTombstones, type ChunkingOptions } from './records';

export interface CheckpointPublisherConfig extends ChunkingOptions {
  sink: Pick<KafkaSink, 'send'>;
  /** A compacted topic: the latest manifest per model id is what restores and subscribers read. */
  topic: string;
}

export interface CheckpointPublisher {
  /** Resolves with the manifest once every record of the checkpoint is acknowledged (acks=all). */
  publish(fields: ManifestFields, state: ModelState): Promise<CheckpointManifest>;
}

/**
 * Publishes checkpoints, chunks first and manifest last, so that a reader never meets a manifest whose
 * chunks are not there yet. Chunks of the version before the previous one are then tombstoned: the
 * previous version's stay, for a subscriber that is still reading them.
 */
export function createCheckpointPublisher({ sink, topic, ...chunking }: CheckpointPublisherConfig): CheckpointPublisher {
  const published: CheckpointManifest[] = [];
  return {
    async publish(fields, state) {
      const built = buildCheckpoint(fields, state);
      const { records, manifest } = checkpointRecords(built.manifest, built.payload, chunking);
      await sink.send(topic, records);
      published.push(manifest);
      if (published.length > 2) {
        const expired = published.shift()!;
        const tombstones = chunkTombstones(expired);
        if (tombstones.length > 0) await sink.send(topic, tombstones);
      }
      return manifest;
    },
  };
}
