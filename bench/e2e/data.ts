import { createArrowCodec, tableFromColumns } from '../../connectors/codecs/arrow';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { friedmanStream } from '../../src/datasets/friedman';
import { REGRESSION_FIELDS } from '../../topologies/regression-sgd';
import { ROWS_PER_ARROW_MESSAGE } from '../io/records';

export const LABEL = 'y';
/** Arrow columns: the features, then the label. */
export const ARROW_COLUMNS = [...REGRESSION_FIELDS, LABEL];

/** Friedman #1 events (x0..x9, y), seeded: the numeric JSON events regression-sgd learns, one per message. */
export function* friedmanJson(records: number, seed: number): Generator<Buffer> {
  const stream = friedmanStream({ seed });
  for (let i = 0; i < records; i++) yield Buffer.from(JSON.stringify(stream.next().value));
}

/** The same kind of events as Arrow IPC messages of 1,000 rows, float64 columns x0..x9 and y, made one message at a time. */
export function* friedmanArrow(rows: number, seed: number): Generator<Buffer> {
  const codec = createArrowCodec();
  const stream = friedmanStream({ seed });
  for (let start = 0; start < rows; start += ROWS_PER_ARROW_MESSAGE) {
    const columns: Record<string, Float64Array> = Object.fromEntries(ARROW_COLUMNS.map((name) => [name, new Float64Array(ROWS_PER_ARROW_MESSAGE)]));
    for (let row = 0; row < ROWS_PER_ARROW_MESSAGE; row++) {
      const event = stream.next().value as unknown as Record<string, number>;
      for (const name of ARROW_COLUMNS) columns[name][row] = event[name];
    }
    yield codec.encode(tableFromColumns(columns));
  }
}

/** Sends every value through one sink, a few hundred at a time, so that no topic's worth of data sits in memory. */
export async function produceAll(brokers: string[], topic: string, values: Iterable<Buffer>): Promise<number> {
  const sink = createKafkaSink({ brokers, clientId: 'bench-e2e-producer' });
  let sent = 0;
  try {
    let chunk: Buffer[] = [];
    for (const value of values) {
      chunk.push(value);
      if (chunk.length === 500) {
        await sink.send(
          topic,
          chunk.map((v) => ({ value: v })),
        );
        sent += chunk.length;
        chunk = [];
      }
    }
    await sink.send(
      topic,
      chunk.map((v) => ({ value: v })),
    );
    return sent + chunk.length;
  } finally {
    await sink.close();
  }
}
