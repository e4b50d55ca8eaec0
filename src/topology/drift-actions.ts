import type { OutgoingMessage } from '../../connectors/kafka/sink';
import { buildCheckpoint } from '../checkpoints/envelope';
import type { CheckpointManifest } from '../checkpoints/manifest';
import { checkpointRecords } from '../checkpoints/records';
import { fromState } from '../learners/registry';
import type { Row } from '../features/stage';
import { metricValues, type ModelSlot } from './model-slot';
import type { LearnedBatch } from './operators/learn-batch';
import { detectionKey, type DriftRecord } from './drift-record';
import type { Detection, DriftWatch, RollbackPoint } from './drift-watch';
import { snapshotSlot } from './slot-health';
import type { Topology, TopologyModel } from './topology';

export interface DriftActionsConfig {
  topology: Topology;
  sink: { send(topic: string, messages: OutgoingMessage[]): Promise<unknown> };
  driftTopic: string;
  watchFor(slot: ModelSlot): DriftWatch | undefined;
  /** Runs a task while no checkpoint is being published: archive, replace and checkpoint must not interleave with one. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** The runtime's checkpoint, called inside `exclusive`: publishes the slot's state as the next version and commits its offsets. */
  checkpointNow(slot: ModelSlot): Promise<CheckpointManifest>;
}

/**
 * The key (and model id) an archived model is kept under on the model topic. '@' never occurs in a model
 * id, and `@drift-v` is not a version key (`<modelId>@v<n>`, which publishers may retire by number): an
 * archive stays until someone deletes it.
 */
export const archiveKey = (modelId: string, version: number): string => `${modelId}@drift-v${version}`;

/**
 * Returns what to do after each learned batch (learning waits for it): publish the drift detections of
 * its model and carry out the topology's action on the first upward one. Actions happen at the batch
 * boundary (the detection names its exact offset): the replaced model has learned the whole batch, and
 * the next version starts at the batch's next offset, checkpointed and committed before the next batch is
 * learned — so every event is learned by exactly one of them, and a restart resumes the new model.
 */
export function driftResponder(config: DriftActionsConfig): (step: LearnedBatch) => Promise<void> {
  return async (step) => {
    const watch = config.watchFor(step.slot);
    const detections = watch?.takeDetections() ?? [];
    if (watch === undefined || detections.length === 0) return;
    const records: DriftRecord[] = [];
    let acted = false;
    for (const detection of detections) {
      const record = describe(config.topology, step.slot, watch, detection);
      if (detection.direction > 0 && !acted) {
        acted = true;
        Object.assign(record, await carryOut(config, step.slot, watch, detection));
      }
      records.push(record);
    }
    await config.sink.send(
      config.driftTopic,
      records.map((r) => ({ key: detectionKey(r), value: JSON.stringify(r) })),
    );
  };
}

function describe(topology: Topology, slot: ModelSlot, watch: DriftWatch, d: Detection): DriftRecord {
  return {
    topology: topology.config.name,
    modelId: slot.modelId,
    detector: d.detector,
    on: watch.config.on,
    statistic: d.statistic,
    threshold: d.threshold,
    direction: d.direction > 0 ? 'up' : 'down',
    ...d.at,
    watched: d.count,
    rollingError: Number.isFinite(d.rollingError) ? d.rollingError : null,
    modelVersion: slot.version,
    action: 'none',
    detectedAt: new Date().toISOString(),
  };
}

type Outcome = Pick<DriftRecord, 'action' | 'newVersion' | 'archivedAs' | 'rolledBackTo' | 'note'>;

async function carryOut(config: DriftActionsConfig, slot: ModelSlot, watch: DriftWatch, detection: Detection): Promise<Outcome> {
  const { action } = watch.config;
  if (action === 'alert') return { action };
  const target = action === 'rollback' ? watch.rollbackTarget(detection.rollingError) : undefined;
  if (action === 'rollback' && target === undefined) {
    return { action: 'none', note: 'rollback: no kept checkpoint had a lower rolling error than at the detection; the model is kept' };
  }
  return config.exclusive(async () => {
    const archivedAs = await archive(config, slot);
    replaceModel(config.topology, slot, target);
    watch.restartDetector();
    const manifest = await config.checkpointNow(slot);
    return { action, newVersion: manifest.version, archivedAs, ...(target ? { rolledBackTo: target.version } : {}) };
  });
}

/** Publishes the model as it stands under an archive key (never compacted away by the live model's key). */
async function archive(config: DriftActionsConfig, slot: ModelSlot): Promise<string> {
  const version = slot.version + 1;
  const key = archiveKey(slot.modelId, version);
  const fields = { modelId: key, version, offsets: [...slot.offsets.values()], examplesSeen: slot.examplesSeen, metrics: metricValues(slot.metrics) };
  const built = buildCheckpoint(fields, slot.model.state());
  await config.sink.send(config.topology.config.outputs.modelTopic, checkpointRecords(built.manifest, built.payload).records);
  slot.version = version;
  return key;
}

function replaceModel(topology: Topology, slot: ModelSlot, target: RollbackPoint | undefined): void {
  const model = target ? (fromState<Row>(target.state) as TopologyModel) : topology.config.model();
  slot.model = model;
  slot.importance = topology.config.importance?.(model, target?.importance ?? null);
  slot.examplesSeen = target?.examplesSeen ?? 0;
  // The replaced model is the new point a divergence rollback returns to; batches learned before it are gone.
  slot.lastGood = snapshotSlot(slot);
  slot.journal = [];
}
