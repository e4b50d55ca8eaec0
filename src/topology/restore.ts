import type { KafkaConnection } from '../../connectors/kafka/connection';
import { loadCheckpointIndex, type LoadCheckpointsOptions } from '../checkpoints/latest';
import type { Checkpoint } from '../checkpoints/envelope';
import '../builtins';
import { readImportanceExtra } from '../importance/publish';
import type { Classifier } from '../learners/estimator';
import { fromState, prepareKinds } from '../learners/registry';
import { createLabelGuard } from './label-guard';
import { METRIC_STATE_KEY, resumeMetrics } from './metric-state';
import type { ModelSlot, SlotSnapshot } from './model-slot';
import { partitionKey } from './model-slot';
import { snapshotSlot } from './slot-health';
import { newLedger } from './slot-ledger';
import type { Topology, TopologyModel } from './topology';
import type { Row } from '../features/stage';

/** Where a checkpoint keeps the label guard's bounds. */
export const LABEL_GUARD_KEY = 'labelGuard';

/** The model id a slot trains: the topology's, or one per partition. */
export function slotModelId(topology: Topology, partition: number): string {
  return topology.modelScope === 'shared' ? topology.modelId : `${topology.modelId}.p${partition}`;
}

export function isClassifier(model: TopologyModel): model is TopologyModel & Classifier<Row> {
  return typeof (model as Partial<Classifier<Row>>).predictProbaOne === 'function';
}

/**
 * A slot for `modelId`, restored from `checkpoint` unless `fresh`. Its versions continue after the highest
 * one seen on the topic (`claimedVersion` counts records that failed verification too).
 */
export function newSlot(topology: Topology, modelId: string, checkpoint?: Checkpoint, fresh = false, claimedVersion = 0): ModelSlot {
  const restore = checkpoint !== undefined && !fresh;
  const model = restore ? (fromState<Row>(checkpoint.state) as TopologyModel) : topology.config.model();
  const extra = restore ? (checkpoint.manifest.extra ?? {}) : {};
  const slot: ModelSlot = {
    modelId,
    model,
    importance: topology.config.importance?.(model, restore ? readImportanceExtra(checkpoint.manifest) : null),
    metrics: resumeMetrics(topology.config.metrics(), extra[METRIC_STATE_KEY]),
    labelGuard: createLabelGuard(topology.config.guards?.labels, !isClassifier(model), extra[LABEL_GUARD_KEY]),
    // A fresh start still numbers its versions after the latest on the topic: versions only go forward.
    version: Math.max(checkpoint?.manifest.version ?? 0, claimedVersion),
    offsets: new Map(restore ? checkpoint.manifest.offsets.map((o) => [partitionKey(o), o]) : []),
    ledger: newLedger(restore ? checkpoint.manifest.offsets : []),
    examplesSeen: restore ? checkpoint.manifest.examplesSeen : 0,
    sinceCheckpoint: 0,
    lastCheckpointAt: Date.now(),
    lastGood: undefined as unknown as SlotSnapshot,
    journal: [],
  };
  slot.lastGood = snapshotSlot(slot);
  return slot;
}

/** Puts the slot back to `snapshot` (its model, metrics, label bounds, importance and count); offsets stay. */
export function restoreSnapshot(topology: Topology, slot: ModelSlot, snapshot: SlotSnapshot): void {
  const model = fromState<Row>(snapshot.state) as TopologyModel;
  slot.model = model;
  slot.metrics = resumeMetrics(topology.config.metrics(), snapshot.metrics);
  slot.labelGuard = createLabelGuard(topology.config.guards?.labels, !isClassifier(model), snapshot.labels);
  slot.importance = topology.config.importance?.(model, snapshot.importance);
  slot.examplesSeen = snapshot.examplesSeen;
}

/**
 * This topology's newest verifiable checkpoints on its model topic, by model id, and the highest version
 * any record claimed. Records that cannot be verified are skipped (and reported): the restore walks back
 * to the newest good version of each model. A topology that rolls back on drift also gets each model's
 * versions still kept on the topic (`kept`): its rollback targets survive a restart.
 */
export async function loadTopologyCheckpoints(
  topology: Topology,
  connection: KafkaConnection,
  options: Omit<LoadCheckpointsOptions, 'modelId' | 'keepHistory'> = {},
): Promise<{ checkpoints: Map<string, Checkpoint>; highestClaimed(modelId: string): number; liveKeys: string[]; kept(modelId: string): Checkpoint[] }> {
  // Archived models (`<id>@drift-v<n>`, kept by drift actions) are not models to resume.
  const mine = (id: string) =>
    id === topology.modelId || (topology.modelScope === 'per-partition' && id.startsWith(`${topology.modelId}.p`) && !id.includes('@'));
  const rollsBack = topology.config.drift?.action === 'rollback';
  const index = await loadCheckpointIndex(connection, topology.config.outputs.modelTopic, { ...options, keepHistory: rollsBack ? mine : undefined });
  const checkpoints = new Map([...index.latest].filter(([id]) => mine(id)));
  // Kinds with asynchronous setup (NeuralNet's backend) are made ready here, so that newSlot stays synchronous.
  await Promise.all([...checkpoints.values()].map((checkpoint) => prepareKinds(checkpoint.state)));
  return { checkpoints, highestClaimed: index.highestClaimed, liveKeys: index.liveKeys, kept: index.kept };
}
