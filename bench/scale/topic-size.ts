import { lastValueFrom, reduce } from 'rxjs';
import { readTopic } from '../../connectors/kafka/topic-reader';

export interface TopicSize {
  records: number;
  bytes: number;
}

/** Records and bytes (keys and values) a topic holds, read once to its end: what the workers made the broker write. */
export function topicSize(brokers: string[], topic: string): Promise<TopicSize> {
  return lastValueFrom(
    readTopic({ brokers, topic }).pipe(
      reduce(
        (size, event) =>
          event.type === 'record'
            ? { records: size.records + 1, bytes: size.bytes + (event.record.value?.length ?? 0) + Buffer.byteLength(event.record.key ?? '') }
            : size,
        { records: 0, bytes: 0 },
      ),
    ),
  );
}
