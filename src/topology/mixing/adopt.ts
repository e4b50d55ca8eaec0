import type { Checkpoint } from '../../checkpoints/envelope';
import { fromState } from '../../learners/registry';
import { readImportanceExtra } from '../../importance/publish';
import { partitionKey, type ModelSlot } from '../model-slot';
import { snapshotSlot } from '../slot-health';
import { eventRecords } from '../batch-events';
import { labelIndex } from '../operators/vet';
import { captureLedger, checkpointCovered, newLedger } from '../slot-ledger';
import type { Topology, TopologyModel } from '../topology';
import type { Row } from '../../features/stage';

export interface Resettable {
  topology: Topology;
  slot: ModelSlot;
}

/**
 * Puts the shared slot at a published version (a fresh model when there is none): its model, examples
 * seen and offsets, with a ledger that starts at those offsets, so the slot-ledger invariant holds from
 * here. What the slot had learned beyond the version is dropped; its prequential metrics and label
 * bounds are this worker's own and stay.
 */
export function adoptVersion({ topology, slot }: Resettable, version: Checkpoint | undefined): void {
  const model = version ? (fromState<Row>(version.state) as TopologyModel) : topology.config.model();
  slot.model = model;
  slot.importance = topology.config.importance?.(model, version ? readImportanceExtra(version.manifest) : null);
  slot.version = Math.max(slot.version, version?.manifest.version ?? 0);
  slot.examplesSeen = version?.manifest.examplesSeen ?? 0;
  const offsets = version?.manifest.offsets ?? [];
  slot.offsets.clear();
  for (const o of offsets) slot.offsets.set(partitionKey(o), o);
  slot.ledger.clear();
  for (const [key, ledger] of newLedger(offsets)) slot.ledger.set(key, ledger);
  slot.sinceCheckpoint = 0;
  slot.journal = [];
  slot.lastCheckpointAt = Date.now();
  slot.lastGood = snapshotSlot(slot);
}

/** The slot at the moment it contributed to a round. */
export interface Contributed {
  at: number;
  examplesSeen: number;
  sinceCheckpoint: number;
  /** Journal entries before this index were contributed; the later ones are learned since. */
  journalLength: number;
  ledger: ReturnType<typeof captureLedger>;
}

export function contributedAt(slot: ModelSlot): Contributed {
  return {
    at: Date.now(),
    examplesSeen: slot.examplesSeen,
    sinceCheckpoint: slot.sinceCheckpoint,
    journalLength: slot.journal.length,
    ledger: captureLedger(slot),
  };
}

/**
 * Adopts the merged version that includes this worker's contribution, keeping what the worker learned
 * since it contributed: the model becomes the merged one, then learns those records again (the slot's
 * journal holds them), so that a worker never idles while a round is merged. The owned partitions' ledger
 * moves to the version's offsets with the records consumed since still counted (`checkpointCovered`);
 * the other partitions take the version's offsets. Per record, the merged model learns each exactly once.
 */
export function carryOnto({ topology, slot }: Resettable, version: Checkpoint, at: Contributed, owned: number[]): void {
  const since = slot.journal.slice(at.journalLength);
  const learnedSince = slot.examplesSeen - at.examplesSeen;
  const model = fromState<Row>(version.state) as TopologyModel;
  slot.model = model;
  slot.importance = topology.config.importance?.(model, readImportanceExtra(version.manifest));
  slot.version = Math.max(slot.version, version.manifest.version);
  slot.examplesSeen = version.manifest.examplesSeen;
  slot.lastGood = snapshotSlot(slot);
  const label = topology.config.label;
  for (const entry of since) {
    const rows = eventRecords(entry).map((record) => record.value as Row);
    model.learnMany(
      rows,
      Float64Array.from(rows, (row) => labelIndex(model, row[label])),
      entry.where,
    );
  }
  slot.examplesSeen += learnedSince;
  slot.sinceCheckpoint -= at.sinceCheckpoint;
  slot.journal = since;
  const mine = new Set(owned.map((partition) => partitionKey({ topic: topology.config.input.topic, partition })));
  const ours = version.manifest.offsets.filter((o) => mine.has(partitionKey(o)));
  for (const o of version.manifest.offsets) {
    if (mine.has(partitionKey(o))) continue;
    slot.offsets.set(partitionKey(o), o);
    slot.ledger.set(partitionKey(o), { checkpointed: BigInt(o.offset), consumed: 0, skipped: 0n });
  }
  checkpointCovered(slot, ours, at.ledger);
  slot.lastCheckpointAt = Date.now();
}
