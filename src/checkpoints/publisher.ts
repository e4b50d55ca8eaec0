import type { KafkaSink } from '../../connectors/kafka/sink';
import { ConfigError } from '../errors';
import type { ModelState } from '../state';
import { buildCheckpoint, type ManifestFields } from './envelope';
import type { CheckpointManifest } from './manifest';
import { checkpointRecords, versionKey, versionTombstones, type ChunkingOptions } from './records';
import type { ManifestSigner } from './signing';

export interface CheckpointPublisherConfig extends ChunkingOptions {
  sink: Pick<KafkaSink, 'send'>;
  /** A compacted topic: the latest manifest per model id is what restores and subscribers read. */
  topic: string;
  /** Versions kept addressable under their version keys (older ones are tombstoned). Default 3, at least 2. */
  keepVersions?: number;
  /** Signs every manifest (Ed25519); off when absent. */
  signer?: ManifestSigner;
}

export interface CheckpointPublisher {
  /** Resolves with the manifest once every record of the checkpoint is acknowledged (acks=all). */
  publish(fields: ManifestFields, state: ModelState): Promise<CheckpointManifest>;
}

/**
 * Publishes checkpoints, chunks first and manifest last, so that a reader never meets a manifest whose
 * chunks are not there yet. Each version goes under its own key as well as the model id. The last
 * `keepVersions` versions stay: a subscriber may still be reading the previous one, and a restore that
 * meets a bad latest record walks back to them. Older versions are tombstoned, key and chunks.
 */
export function createCheckpointPublisher({ sink, topic, keepVersions = 3, signer, ...chunking }: CheckpointPublisherConfig): CheckpointPublisher {
  if (!Number.isInteger(keepVersions) || keepVersions < 2)
    throw new ConfigError(`createCheckpointPublisher: keepVersions must be an integer ≥ 2, got ${keepVersions}`);
  // One list per model id: the slots of a per-partition topology share this publisher, and must not retire each other's versions.
  const publishedById = new Map<string, CheckpointManifest[]>();
  return {
    async publish(fields, state) {
      const built = buildCheckpoint(fields, state);
      const { records, manifest } = checkpointRecords(built.manifest, built.payload, chunking, signer?.sign);
      await sink.send(topic, records);
      const published = publishedById.get(manifest.modelId) ?? [];
      publishedById.set(manifest.modelId, published);
      published.push(manifest);
      const expired = published.length > keepVersions ? published.shift()! : undefined;
      // Versions published before a restart are not in `published`: their version key is still retired by number.
      const tombstones = expired
        ? versionTombstones(expired)
        : manifest.version > keepVersions
          ? [{ key: versionKey(manifest.modelId, manifest.version - keepVersions), value: null }]
          : [];
      if (tombstones.length > 0) await sink.send(topic, tombstones);
      return manifest;
    },
  };
}
