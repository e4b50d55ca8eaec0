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
import type { MetricState } from '../../evaluation/metric';
import { carryState } from '../../learners/merge';
import type { ModelState } from '../../state';
import { adoptMetrics, encodeMetricStates, METRIC_STATE_KEY, summableStates } from '../metric-state';

export interface Resettable {
  topology: Topology;
  slot: ModelSlot;
}

/**
 * Puts the shared slot at a published version (a fresh model when there is none): its model, examples
 * seen and offsets, with a ledger that starts at those offsets, so the slot-ledger invariant holds from
 * here. What the slot had learned beyond the version is dropped, and so is what its overall metrics counted
 * beyond it (those records are learned and scored again); windowed metrics and label bounds are this
 * worker's own and stay.
 */
export function adoptVersion({ topology, slot }: Resettable, version: Checkpoint | undefined): void {
  const model = version ? (fromState<Row>(version.state) as TopologyModel) : topology.config.model();
  slot.model = model;
  // What this worker counted beyond the version is learned, and counted, again: overall metrics go back with the model.
  const stored = version ? version.manifest.extra?.[METRIC_STATE_KEY] : encodeMetricStates(topology.config.metrics());
  slot.metrics = adoptMetrics(slot.metrics, stored, undefined);
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
  /** The summable metrics' states: what the worker counts after this is added onto the merged version's. */
  metrics: Record<string, MetricState>;
  /** The model state contributed: what the worker learns after it is carried onto the merged version. */
  state: ModelState;
}

export function contributedAt(slot: ModelSlot, state: ModelState): Contributed {
  return {
    state,
    at: Date.now(),
    examplesSeen: slot.examplesSeen,
    sinceCheckpoint: slot.sinceCheckpoint,
    journalLength: slot.journal.length,
    ledger: captureLedger(slot),
    metrics: summableStates(slot.metrics),
  };
}

/**
 * Adopts the merged version that includes this worker's contribution, keeping what the worker learned
 * since it contributed: the model becomes the merged one, then learns those records again (the slot's
 * journal holds them), so that a worker never idles while a round is merged. The owned partitions' ledger
 * moves to the version's offsets with the records consumed since still counted (`checkpointCovered`);
 * the other partitions take the version's offsets. Per record, the merged model learns each exactly once.
 * Kinds with a carry (`carryState`) take that progress as a parameter difference instead of re-learning.
 * Returns the number of examples learned again.
 */
export function carryOnto({ topology, slot }: Resettable, version: Checkpoint, at: Contributed, owned: number[]): number {
  const since = slot.journal.slice(at.journalLength);
  const learnedSince = slot.examplesSeen - at.examplesSeen;
  // The worker's progress since it contributed, as a parameter difference (O(parameters)); kinds without a
  // carry learn those records again (O(records), measured at 19-87% of all records: docs/scale-out.md).
  const carried = carryState(version.state, slot.model.state(), at.state);
  const model = fromState<Row>(carried ?? version.state) as TopologyModel;
  slot.model = model;
  slot.metrics = adoptMetrics(slot.metrics, version.manifest.extra?.[METRIC_STATE_KEY], at.metrics);
  slot.importance = topology.config.importance?.(model, readImportanceExtra(version.manifest));
  slot.version = Math.max(slot.version, version.manifest.version);
  slot.examplesSeen = version.manifest.examplesSeen + (carried ? learnedSince : 0);
  // A rollback point whose model and count agree: the merged version, or the carried model and all it holds.
  slot.lastGood = snapshotSlot(slot);
  const label = topology.config.label;
  for (const entry of carried ? [] : since) {
    const rows = eventRecords(entry).map((record) => record.value as Row);
    model.learnMany(
      rows,
      Float64Array.from(rows, (row) => labelIndex(model, row[label])),
      entry.where,
    );
  }
  if (!carried) slot.examplesSeen += learnedSince;
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
  return carried ? 0 : learnedSince;
}
