import { filter, lastValueFrom, map, reduce } from 'rxjs';
import type { KafkaConnection } from '../../connectors/kafka/connection';
import { readTopic } from '../../connectors/kafka/topic-reader';
import { errorMessage } from '../errors';
import type { Checkpoint } from './envelope';
import { createCheckpointAssembler, parseManifestKey, versionedKeyOwner } from './records';
import type { ManifestVerifier } from './signing';

export interface LoadCheckpointsOptions {
  /** Only this model. */
  modelId?: string;
  /** Refuse versions this key did not sign. */
  verifier?: ManifestVerifier;
  /** Told about every record that was skipped, with where it is and why. */
  onSkipped?(reason: string): void;
  /** Models whose kept versions (`kept`) to hold; default none: each kept version holds a whole state in memory. */
  keepHistory?(modelId: string): boolean;
}

/**
 * The newest verifiable checkpoint of every model on a model topic (or of one model), read to the end
 * of the topic. A record that cannot be verified (garbage, a wrong hash, missing chunks, a bad or missing
 * signature) is skipped and reported; the newest good version before it stands, which the last versions
 * kept under their version keys guarantee even after compaction. Versions only move forward.
 */
export async function loadLatestCheckpoints(
  connection: KafkaConnection,
  topic: string,
  options: LoadCheckpointsOptions | string = {},
): Promise<Map<string, Checkpoint>> {
  return (await loadCheckpointIndex(connection, topic, options)).latest;
}

export interface CheckpointIndex {
  /** The newest verifiable checkpoint per model id. */
  latest: Map<string, Checkpoint>;
  /**
   * The highest version any record claimed per model id, verifiable or not. A trainer numbers its next
   * version past it, so that what it publishes supersedes a bad record for every reader, verifying or not.
   */
  highestClaimed(modelId: string): number;
  /**
   * Version and chunk keys whose last record holds a value (not tombstoned), in offset order: what earlier
   * publishers left on the topic. A publisher given them tombstones each once its version is no longer kept.
   */
  liveKeys: string[];
  /**
   * The verifiable versions of a model still kept under their version keys (not tombstoned), oldest first,
   * the newest included; empty for models `keepHistory` did not name. Drift rollback finds its targets
   * here after a restart.
   */
  kept(modelId: string): Checkpoint[];
}

export async function loadCheckpointIndex(connection: KafkaConnection, topic: string, options: LoadCheckpointsOptions | string = {}): Promise<CheckpointIndex> {
  const { modelId, verifier, onSkipped, keepHistory } = typeof options === 'string' ? { modelId: options, keepHistory: undefined } : options;
  const assembler = createCheckpointAssembler({ modelId, verifier });
  const live = new Set<string>();
  /** Checkpoints by version key, while the key is live: a version's first record is the one under its version key. */
  const kept = new Map<string, Checkpoint>();
  const latest = await lastValueFrom(
    readTopic({ ...connection, topic }).pipe(
      filter((event) => event.type === 'record'),
      map((event) => {
        const { record } = event as Extract<typeof event, { type: 'record' }>;
        if (record.key !== null && versionedKeyOwner(record.key)) {
          live.delete(record.key);
          kept.delete(record.key);
          if (record.value !== null) live.add(record.key);
        }
        try {
          const checkpoint = assembler.push(record, `${topic}/${record.partition}@${record.offset}`);
          if (checkpoint && record.key !== null && parseManifestKey(record.key).version !== undefined && keepHistory?.(checkpoint.manifest.modelId)) {
            kept.set(record.key, checkpoint);
          }
          return checkpoint;
        } catch (err) {
          onSkipped?.(errorMessage(err));
          return undefined;
        }
      }),
      reduce((found, checkpoint) => (checkpoint ? found.set(checkpoint.manifest.modelId, checkpoint) : found), new Map<string, Checkpoint>()),
    ),
  );
  const history = (id: string) => [...kept.values()].filter((c) => c.manifest.modelId === id).sort((a, b) => a.manifest.version - b.manifest.version);
  return { latest, highestClaimed: assembler.highestClaimed, liveKeys: [...live], kept: history };
}
