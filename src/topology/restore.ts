import type { KafkaConnection } from '../../connectors/kafka/connection';
import { loadLatestCheckpoints } from '../checkpoints/latest';
import type { Checkpoint } from '../checkpoints/envelope';
import '../builtins';
import { readImportanceExtra } from '../importance/publish';
import { fromState, prepareKinds } from '../learners/registry';
import type { ModelSlot } from './model-slot';
import { partitionKey } from './model-slot';
import type { Topology, TopologyModel } from './topology';
import type { Row } from '../features/stage';

/** The model id a slot trains: the topology's, or one per partition. */
export function slotModelId(topology: Topology, partition: number): string {
  return topology.modelScope === 'shared' ? topology.modelId : `${topology.modelId}.p${partition}`;
}

export function newSlot(topology: Topology, modelId: string, checkpoint?: Checkpoint, fresh = false): ModelSlot {
  const restore = checkpoint !== undefined && !fresh;
  const model = restore ? (fromState<Row>(checkpoint.state) as TopologyModel) : topology.config.model();
  return {
    modelId,
    model,
    importance: topology.config.importance?.(model, restore ? readImportanceExtra(checkpoint.manifest) : null),
    metrics: topology.config.metrics(),
    // A fresh start still numbers its versions after the latest on the topic: versions only go forward.
    version: checkpoint?.manifest.version ?? 0,
    offsets: new Map(restore ? checkpoint.manifest.offsets.map((o) => [partitionKey(o), o]) : []),
    examplesSeen: restore ? checkpoint.manifest.examplesSeen : 0,
    sinceCheckpoint: 0,
    lastCheckpointAt: Date.now(),
  };
}

/** This topology's checkpoints on its model topic, by model id. */
export async function loadTopologyCheckpoints(topology: Topology, connection: KafkaConnection): Promise<Map<string, Checkpoint>> {
  const all = await loadLatestCheckpoints(connection, topology.config.outputs.modelTopic);
  // Archived models (`<id>@drift-v<n>`, kept by drift actions) are not models to resume.
  const mine = (id: string) =>
    id === topology.modelId || (topology.modelScope === 'per-partition' && id.startsWith(`${topology.modelId}.p`) && !id.includes('@'));
  const checkpoints = new Map([...all].filter(([id]) => mine(id)));
  // Kinds with asynchronous setup (NeuralNet's backend) are made ready here, so that newSlot stays synchronous.
  await Promise.all([...checkpoints.values()].map((checkpoint) => prepareKinds(checkpoint.state)));
  return checkpoints;
}
