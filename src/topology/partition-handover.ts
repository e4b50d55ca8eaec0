import type { AssignedPartition } from '../../connectors/kafka/consumer-session';
import type { FencedWriter } from '../../connectors/kafka/fenced-writer';
import { isFencedCommit, isKafkaRetriable } from '../../connectors/kafka/kafka-errors';
import type { OutgoingMessage } from '../../connectors/kafka/sink';
import type { RecordPosition } from '../../connectors/types';
import type { Checkpoint } from '../checkpoints/envelope';
import { versionedKeyOwner } from '../checkpoints/records';
import { FencedError } from '../errors';
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
  /**
   * Opens the transactional writer of one partition's model (its model id as the transactional id). Opening
   * it fences the previous owner's: a checkpoint that owner still had in flight is aborted, or committed
   * before the restore reads the model topic, never after. Absent: publishes go through the runtime's own
   * producer, and one in flight at a handover can land late (unit tests of the handover logic).
   */
  openWriter?(modelId: string): Promise<FencedWriter>;
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
  /**
   * The checkpoint publisher's sink when `openWriter` is given: each checkpoint goes out in one transaction
   * of its model's writer. A model this member no longer holds, or whose writer a new owner fenced, fails
   * with a `FencedError` (see `fenced`).
   */
  readonly sink: { send(topic: string, messages: OutgoingMessage[]): Promise<void> };
  /** A publish of the slot was fenced: its partition went to another member, so the model is dropped. */
  fenced(slot: ModelSlot): void;
  /** Closes every writer. */
  close(): Promise<void>;
}

/**
 * `modelScope: 'per-partition'` through rebalances: a partition's model moves with the partition.
 *
 * - On revoke (a join without the partition, or any join as a new member after the group expelled this one),
 *   the giving member drops the model at once, with what it
 *   learned since its last checkpoint: the receiving member recomputes that from the checkpoint's offsets.
 * - On assign, the receiving member holds the partition paused, reads the model topic, restores the newest
 *   checkpoint of that model id, seeks to its offsets, and resumes.
 * - A member publishes only after its generation accepted a commit (`mayPublish`), and through its
 *   partition model's transactional writer (`openWriter`), which the receiving member opens before it
 *   reads the model topic: a publish in flight at the handover is aborted, or committed before the
 *   restore reads, so the new owner continues from it. Without writers one such publish could land late;
 *   the receiving member still numbers its versions past highest claimed + 1, so none would share a version.
 */
export function createPartitionHandover(config: PartitionHandoverConfig): PartitionHandover {
  const { topology, slots } = config;
  /** Model id per `topic/partition` this member holds, its model restored. */
  const owned = new Map<string, string>();
  let joins = 0;
  let member: string | undefined;
  /** The open transactional writer of each model this member holds (or is restoring). */
  const writers = new Map<string, FencedWriter>();

  function closeWriter(modelId: string): void {
    const writer = writers.get(modelId);
    writers.delete(modelId);
    void writer?.close();
  }

  /** Opens the writers of the models given, fencing their previous owners, before anything is read. */
  async function openWriters(modelIds: string[]): Promise<Map<string, FencedWriter>> {
    const open = config.openWriter;
    const opened = new Map<string, FencedWriter>();
    if (!open) return opened;
    await Promise.all(
      modelIds.map(async (modelId) => {
        const writer = await retry(() => open(modelId), config.retry);
        closeWriter(modelId);
        writers.set(modelId, writer);
        opened.set(modelId, writer);
      }),
    );
    return opened;
  }

  function drop(key: string): void {
    const modelId = owned.get(key);
    owned.delete(key);
    if (modelId !== undefined) closeWriter(modelId);
    const slot = modelId === undefined ? undefined : slots.get(modelId);
    if (!slot || modelId === undefined) return;
    slots.delete(modelId);
    config.onDropped?.(slot);
  }

  async function restore(added: AssignedPartition[], join: number): Promise<RecordPosition[]> {
    const modelIds = added.map((position) => slotModelId(topology, position.partition));
    const opened = await openWriters(modelIds);
    // A broker outage mid-run is waited out here as everywhere else, rather than ending the trainer.
    const { checkpoints, highestClaimed } = await retry(() => config.load(), config.retry);
    // A newer join is restoring (or has dropped) these partitions itself; it opens writers of its own.
    if (join !== joins) {
      for (const [modelId, writer] of opened) if (writers.get(modelId) === writer) closeWriter(modelId);
      return [];
    }
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
    sink: {
      async send(topic, messages) {
        const modelId = ownerOf(messages);
        const writer = writers.get(modelId);
        if (!writer) throw new FencedError(`${modelId}: its partition is no longer this member's, so this checkpoint is not published`);
        await writer.send(topic, messages);
      },
    },
    fenced(slot) {
      for (const [key, modelId] of owned) if (modelId === slot.modelId && slots.get(modelId) === slot) drop(key);
    },
    async close() {
      await Promise.all([...writers.values()].map((writer) => writer.close()));
      writers.clear();
    },
  };
}

/** The model id a checkpoint's records belong to (one per send: the publisher sends one model's checkpoint at a time). */
function ownerOf(messages: OutgoingMessage[]): string {
  const ids = new Set(messages.map(({ key }) => versionedKeyOwner(String(key))?.modelId ?? String(key)));
  if (ids.size !== 1) throw new Error(`a checkpoint send must carry the records of one model, got [${[...ids].join(', ')}] in ${messages.length} records`);
  return [...ids][0];
}
