import { filter, lastValueFrom, map, toArray } from 'rxjs';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { readTopic, type RawRecord } from '../../../connectors/kafka/topic-reader';

/** Produces values (objects are JSON-encoded, strings sent as they are) in order, keyed `k<i>`. */
export async function produce(brokers: string[], topic: string, values: Array<object | string>): Promise<void> {
  const sink = createKafkaSink({ brokers, clientId: 'test-producer' });
  try {
    for (let start = 0; start < values.length; start += 5000) {
      await sink.send(
        topic,
        values.slice(start, start + 5000).map((value, i) => ({ key: `k${start + i}`, value: typeof value === 'string' ? value : JSON.stringify(value) })),
      );
    }
  } finally {
    await sink.close();
  }
}

/** Every record on a topic right now. */
export function readAll(brokers: string[], topic: string): Promise<RawRecord[]> {
  return lastValueFrom(
    readTopic({ brokers, topic }).pipe(
      filter((event) => event.type === 'record'),
      map((event) => (event as { record: RawRecord }).record),
      toArray(),
    ),
  );
}

export function take<T>(iterator: Iterator<T>, n: number): T[] {
  return Array.from({ length: n }, () => iterator.next().value as T);
}
