import { filter, lastValueFrom, map, reduce } from 'rxjs';
import type { KafkaConnection } from '../../connectors/kafka/connection';
import { readTopic } from '../../connectors/kafka/topic-reader';
import type { Checkpoint } from './envelope';
import { createCheckpointAssembler } from './records';

/**
 * The latest checkpoint of every model on a model topic (or of one model), read to the end of the topic.
 * Versions only move forward: an older version found later (a replayed publish) does not replace a newer one.
 */
export async function loadLatestCheckpoints(connection: KafkaConnection, topic: string, modelId?: string): Promise<Map<string, Checkpoint>> {
  const assembler = createCheckpointAssembler(modelId);
  return lastValueFrom(
    readTopic({ ...connection, topic }).pipe(
      filter((event) => event.type === 'record'),
      map((event) => {
        const { record } = event as Extract<typeof event, { type: 'record' }>;
        return assembler.push(record, `${topic}/${record.partition}@${record.offset}`);
      }),
      reduce((latest, checkpoint) => {
        if (checkpoint && (latest.get(checkpoint.manifest.modelId)?.manifest.version ?? -1) < checkpoint.manifest.version) {
          latest.set(checkpoint.manifest.modelId, checkpoint);
        }
        return latest;
      }, new Map<string, Checkpoint>()),
    ),
  );
}
