import type { AssignedPartition } from '../../connectors/kafka/consumer-session';
import { isFencedCommit, isKafkaRetriable } from '../../connectors/kafka/kafka-errors';
import type { RecordPosition } from '../../connectors/types';
import type { Checkpoint } from '../checkpoints/envelope';
import { retry, type RetryOptions } from '../retry';
import { partitionKey, type ModelSlot } from './model-slot';
import { newSlot, slotModelId } from './restore';
import type { Topology } from './topology';

export interface PartitionHandoverConfig {
  topology: Topology;
  /** The runtime's slots by model id: the handover adds the models of partitions it is given and removes those it loses. */
  slots: Map<string, ModelSlot>;
  /** Reads the model topic as it is now: the newest checkpoint per model id, and the highest version any record claimed. */
  load(): Promise<{ checkpoints: Map<string, Checkpoint>; highestClaimed(modelId: string): number }>;
  /** A `fromBeginning` run starts its first assignment with fresh models; partitions given later are restored. */
  fromBeginning: boolean;
  /** Commits offsets as a member of the group's current generation: the fence before every publish. */
  commit(positions: RecordPosition[]): Promise<void>;
  /** How long the fence's commit and the restore's read ride out a broker outage. */
  retry: RetryOptions;
  /** Told of each model restored for a partition this member was given (with its checkpoint, if it had one). */
  onRestored?(slot: ModelSlot, checkpoint: Checkpoint | undefined): void;
  /** Told of each model dropped because its partition went to another member. */
  onDropped?(slot: ModelSlot): void;
}

export interface PartitionHandover {
  /** The source's `onAssigned`: drops the models of revoked partitions at once, and restores those of new ones. */
  onAssigned(assignment: AssignedPartition[], memberId: string): Promise<RecordPosition[]> | undefined;
  /** Whether the batch's partition is this member's, with its model restored: only such batches are learned. */
  owns(position: AssignedPartition): boolean;
  /**
   * Whether the slot may be published now: this member still holds it, and a commit of the offsets its
   * last checkpoint covers (a no-op for the group) is accepted by the group's current generation. A refused
   * commit means the partition is being handed over: the slot is dropped and nothing is published.
   */
  mayPublish(slot: ModelSlot): Promise<boolean>;
}

/**
 * `modelScope: 'per-partition'` through rebalances: a partition's model moves with the partition.
 *
 * - On revoke (a join without the partition, or any join as a new member after the group expelled this one),
 *   the giving member drops the model at once, with what it
 *   learned since its last checkpoint: the receiving member recomputes that from the checkpoint's offsets.
 * - On assign, the receiving member holds the partition paused, reads the model topic, restores the newest
 *   checkpoint of that model id, seeks to its offsets, and resumes.
 * - A member publishes only after its generation accepted a commit (`mayPublish`). A publish already past
 *   that fence when the partition moves may still land: at most one per model, since checkpoints run one
 *   at a time. The receiving member numbers its versions past it (highest claimed + 2), so no two
 *   manifests share a version and readers, which only go forward, never go back to it.
 */
export function createPartitionHandover(config: PartitionHandoverConfig): PartitionHandover {
  const { topology, slots } = config;
  /** Model id per `topic/partition` this member holds, its model restored. */
  const owned = new Map<string, string>();
  let joins = 0;
  let member: string | undefined;

  function drop(key: string): void {
    const modelId = owned.get(key);
    owned.delete(key);
    const slot = modelId === undefined ? undefined : slots.get(modelId);
    if (!slot || modelId === undefined) return;
    slots.delete(modelId);
    config.onDropped?.(slot);
  }

  async function restore(added: AssignedPartition[], join: number): Promise<RecordPosition[]> {
    // A broker outage mid-run is waited out here as everywhere else, rather than ending the trainer.
    const { checkpoints, highestClaimed } = await retry(() => config.load(), config.retry);
    // A newer join is restoring (or has dropped) these partitions itself.
    if (join !== joins) return [];
    const fresh = config.fromBeginning && join === 1;
    return added.flatMap((position) => {
      const key = partitionKey(position);
      const modelId = slotModelId(topology, position.partition);
      const checkpoint = fresh ? undefined : checkpoints.get(modelId);
      const slot = newSlot(topology, modelId, checkpoint, false, highestClaimed(modelId));
      // The previous owner may land one checkpoint it had in flight: its number stays free.
      if (highestClaimed(modelId) > 0) slot.version = Math.max(slot.version, highestClaimed(modelId)) + 1;
      slots.set(modelId, slot);
      owned.set(key, modelId);
      config.onRestored?.(slot, checkpoint);
      const at = slot.offsets.get(key);
      return at ? [at] : [];
    });
  }

  return {
    onAssigned(assignment, memberId) {
      const join = ++joins;
      // A new member id means the group expelled this member (its session expired: frozen, cut off) and it
      // joined afresh: whatever it held went to others meanwhile, so nothing it holds is kept.
      const expelled = member !== undefined && memberId !== member;
      member = memberId;
      const keys = new Set(expelled ? [] : assignment.map(partitionKey));
      for (const key of [...owned.keys()]) if (!keys.has(key)) drop(key);
      const added = assignment.filter((position) => !owned.has(partitionKey(position)));
      return added.length === 0 ? undefined : restore(added, join);
    },
    owns(position) {
      const modelId = owned.get(partitionKey(position));
      return modelId !== undefined && slots.has(modelId);
    },
    async mayPublish(slot) {
      const holds = () => slots.get(slot.modelId) === slot;
      if (!holds()) return false;
      const positions = [...slot.offsets].map(([key, at]) => ({ ...at, offset: String(slot.ledger.get(key)?.checkpointed ?? at.offset) }));
      const join = joins;
      try {
        await retry(() => config.commit(positions), { ...config.retry, shouldRetry: (err) => !isFencedCommit(err) && isKafkaRetriable(err) });
      } catch (err) {
        if (!isFencedCommit(err)) throw err;
        // Refused by the generation this member is leaving: the join that follows says whether the partition stays.
        // If that join already came and kept it, the model stays too, unpublished this time.
        if (join === joins) for (const [key, modelId] of owned) if (modelId === slot.modelId) drop(key);
        return false;
      }
      return holds();
    },
  };
}
