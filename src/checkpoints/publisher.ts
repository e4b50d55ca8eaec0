import type { KafkaSink } from '../../connectors/kafka/sink';
import { ConfigError } from '../errors';
import type { ModelState } from '../state';
import { buildCheckpoint, type ManifestFields } from './envelope';
import type { CheckpointManifest } from './manifest';
import { checkpointRecords, versionedKeyOwner, versionKey, versionTombstones, type ChunkingOptions } from './records';
import type { ManifestSigner } from './signing';

export interface CheckpointPublisherConfig extends ChunkingOptions {
  sink: Pick<KafkaSink, 'send'>;
  /** A compacted topic: the latest manifest per model id is what restores and subscribers read. */
  topic: string;
  /** Versions kept addressable under their version keys (older ones are tombstoned). Default 3, at least 2. */
  keepVersions?: number;
  /** Signs every manifest (Ed25519); off when absent. */
  signer?: ManifestSigner;
  /**
   * Version and chunk keys that earlier runs left on the topic (`CheckpointIndex.liveKeys`). This publisher
   * never published them, so it tombstones each when its model publishes a version that no longer keeps it;
   * without them, the chunks of the versions kept at a restart would stay on the compacted topic for good.
   */
  leftovers?: readonly string[];
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
export function createCheckpointPublisher({
  sink,
  topic,
  keepVersions = 3,
  signer,
  leftovers = [],
  ...chunking
}: CheckpointPublisherConfig): CheckpointPublisher {
  if (!Number.isInteger(keepVersions) || keepVersions < 2)
    throw new ConfigError(`createCheckpointPublisher: keepVersions must be an integer ≥ 2, got ${keepVersions}`);
  // One list per model id: the slots of a per-partition topology share this publisher, and must not retire each other's versions.
  const publishedById = new Map<string, CheckpointManifest[]>();
  let earlier = leftovers.flatMap((key) => {
    const owner = versionedKeyOwner(key);
    return owner ? [{ key, ...owner }] : [];
  });
  /**
   * The `keepVersions` newest versions of the model once `manifest` is out, counting what earlier runs left:
   * after a jump in numbering (a bad record claimed a high version), the good versions from before the jump
   * stay addressable until newer good ones replace them, one for one.
   */
  const keptVersions = (manifest: CheckpointManifest, published: CheckpointManifest[]): Set<number> => {
    const left = earlier.filter((item) => item.modelId === manifest.modelId).map((item) => item.version);
    const versions = new Set([manifest.version, ...published.map((m) => m.version), ...left]);
    return new Set([...versions].sort((a, b) => b - a).slice(0, keepVersions));
  };
  return {
    async publish(fields, state) {
      const built = buildCheckpoint(fields, state);
      const { records, manifest } = checkpointRecords(built.manifest, built.payload, chunking, signer?.sign);
      const published = publishedById.get(manifest.modelId) ?? [];
      const expired = published.length >= keepVersions ? published[0] : undefined;
      // Versions published before a restart are not in `published`: they are retired by the keys the restore found.
      const kept = keptVersions(manifest, published);
      const retired = earlier.filter((left) => left.modelId === manifest.modelId && !kept.has(left.version));
      const keys = new Set([
        ...(expired
          ? versionTombstones(expired)
          : manifest.version > keepVersions
            ? [{ key: versionKey(manifest.modelId, manifest.version - keepVersions) }]
            : []
        ).map(({ key }) => key!),
        ...retired.map(({ key }) => key),
      ]);
      // One send: a checkpoint is one round trip to the broker, not two (each waits for the learner to yield the event loop).
      // The tombstones go after the new version's records on the same partition, so they never land without it.
      await sink.send(topic, [...records, ...[...keys].map((key) => ({ key, value: null }))]);
      publishedById.set(manifest.modelId, published);
      published.push(manifest);
      if (published.length > keepVersions) published.shift();
      earlier = earlier.filter((left) => !retired.includes(left));
      return manifest;
    },
  };
}
