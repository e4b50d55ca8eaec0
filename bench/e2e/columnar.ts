import { randomUUID } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { concatMap } from 'rxjs';
import { createArrowCodec, numericColumn } from '../../connectors/codecs/arrow';
import { createDeadLetterWriter } from '../../connectors/dead-letter';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { createKafkaSource } from '../../connectors/kafka/source';
import { ensureTopics } from '../../connectors/kafka/topics';
import type { MicroBatch } from '../../connectors/types';
import { createCheckpointPublisher } from '../../src/checkpoints/publisher';
import { createLinearRegression } from '../../src/learners';
import { REGRESSION_FIELDS } from '../../topologies/regression-sgd';
import { startSpan, type Measurement, type Span } from '../io/measure';
import { LABEL } from './data';

export interface ColumnarRun {
  brokers: string[];
  /** Arrow IPC messages with float64 columns x0..x9 and y. */
  topic: string;
  modelTopic: string;
  modelId: string;
  /** Rows to learn before stopping. */
  records: number;
  /** Infinity: no checkpoint. */
  checkpointEveryMs: number;
}

export interface ColumnarResult {
  measurement: Measurement;
  versions: number;
  /** Progressive (predict, then learn) RMSE over every row: the learning really happened. */
  rmse: number;
}

/**
 * The columnar path runTopology cannot take (its stages read row objects): createKafkaSource with the Arrow
 * codec, each table's columns read as Float64Array views (numericColumn), and per row a predictOne then
 * learnOne of regression-sgd's learner (the same SGD linear regression, without its scaler stage) on one
 * reused feature vector: no row objects. Every `checkpointEveryMs` a checkpoint is published with
 * createCheckpointPublisher, then the offsets it covers are committed, as runTopology does; learning
 * waits meanwhile. Timed like `measureTopology`.
 */
export async function trainColumnar({ brokers, topic, modelTopic, modelId, records, checkpointEveryMs }: ColumnarRun): Promise<ColumnarResult> {
  await ensureTopics({ brokers }, [{ topic: modelTopic, compacted: true }]);
  const sink = createKafkaSink({ brokers, clientId: 'bench-e2e-columnar' });
  const publisher = createCheckpointPublisher({ sink, topic: modelTopic });
  const source = createKafkaSource<Table>({
    brokers,
    clientId: 'bench-e2e-columnar',
    groupId: `bench-e2e-columnar-${randomUUID()}`,
    topics: [topic],
    codec: createArrowCodec(),
    deadLetter: createDeadLetterWriter({ sink, topic: `${topic}.dlq` }),
    startFrom: 'earliest',
    commitOnAck: false,
  });
  const learner = createLinearRegression({ numFeatures: REGRESSION_FIELDS.length, stepSize: 0.01, regParam: 0.001, elasticNetParam: 0.5 });
  const x = new Float64Array(REGRESSION_FIELDS.length);
  let squaredError = 0;
  let learned = 0;
  let version = 0;
  let lastCheckpointAt = Date.now();

  function learn(tables: Table[]): number {
    let rows = 0;
    for (const table of tables) {
      const features = REGRESSION_FIELDS.map((name) => numericColumn(table, name));
      const y = numericColumn(table, LABEL);
      for (let row = 0; row < table.numRows; row++) {
        for (let j = 0; j < features.length; j++) x[j] = features[j][row];
        const error = learner.predictOne(x) - y[row];
        squaredError += error * error;
        learner.learnOne(x, y[row]);
      }
      rows += table.numRows;
    }
    learned += rows;
    return rows;
  }

  async function checkpoint(batch: MicroBatch<Table>): Promise<void> {
    const offsets = [{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }];
    const metrics = { rmse: Math.sqrt(squaredError / learned) };
    await publisher.publish({ modelId, version: ++version, offsets, examplesSeen: learned, metrics }, learner.state());
    await source.commit(offsets);
    lastCheckpointAt = Date.now();
  }

  const subscribedAt = process.hrtime.bigint();
  try {
    const measurement = await new Promise<Measurement>((resolve, reject) => {
      let stop: (() => Span) | undefined;
      let startupSeconds = 0;
      let first = 0;
      const subscription = source
        .batches()
        .pipe(
          concatMap(async (batch) => {
            if (batch.deadLettered > 0) throw new Error(`${topic}: ${batch.deadLettered} messages failed to decode`);
            const rows = learn(batch.records.map((record) => record.value));
            void batch.ack();
            if (Date.now() - lastCheckpointAt >= checkpointEveryMs) await checkpoint(batch);
            return rows;
          }),
        )
        .subscribe({
          next(rows) {
            if (stop === undefined) {
              stop = startSpan();
              startupSeconds = Number(process.hrtime.bigint() - subscribedAt) / 1e9;
              first = rows;
            }
            if (learned >= records) {
              resolve({ records: learned - first, span: stop(), startupSeconds });
              subscription.unsubscribe();
            }
          },
          error: reject,
          complete: () => reject(new Error(`${topic}: the source completed after ${learned} of ${records} rows`)),
        });
    });
    return { measurement, versions: version, rmse: Math.sqrt(squaredError / learned) };
  } finally {
    await source.stop();
    await sink.close();
  }
}
