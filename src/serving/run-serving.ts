import { concatMap, lastValueFrom, takeUntil, Subject } from 'rxjs';
import { createJsonCodec } from '../../connectors/codecs/json';
import { createDeadLetterWriter } from '../../connectors/dead-letter';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { createKafkaSource } from '../../connectors/kafka/source';
import { ensureTopics } from '../../connectors/kafka/topics';
import { subscribeModel } from '../checkpoints/subscribe';
import { DecodeError, errorMessage } from '../errors';
import type { Row } from '../features/stage';
import { createLivePredictor, type LivePredictorConfig } from './live-predictor';

export interface ServingConfig {
  brokers: string[];
  modelTopic: string;
  modelId: string;
  /** JSON requests `{ requestId, ...features }`. */
  requestsTopic: string;
  /** JSON answers keyed by request id: `{ requestId, prediction, probabilities?, modelVersion, latencyMs }`. */
  predictionsTopic: string;
  deadLetterTopic: string;
  groupId?: string;
  maxModelAgeMs?: number;
  onStale?: LivePredictorConfig<Row>['onStale'];
}

/** Returned once a first model has arrived, so requests are answered from then on. */
export interface RunningServing {
  answered(): number;
  stop(): Promise<void>;
}

/**
 * A serving topology: answers each request with the newest model version, which hot-swaps as new
 * checkpoints arrive. Requests that cannot be scored go to the dead-letter topic with the reason.
 * Latency is measured from the request's Kafka timestamp to the answer.
 */
export async function runServing(config: ServingConfig): Promise<RunningServing> {
  const { brokers, requestsTopic, predictionsTopic, deadLetterTopic } = config;
  await ensureTopics(brokers, [{ topic: requestsTopic }, { topic: predictionsTopic }, { topic: deadLetterTopic }]);
  const predictor = createLivePredictor<Row>({
    versions: subscribeModel<Row>({ brokers, topic: config.modelTopic, modelId: config.modelId }),
    maxModelAgeMs: config.maxModelAgeMs,
    onStale: config.onStale,
  });
  await predictor.ready();

  const sink = createKafkaSink({ brokers, clientId: `${config.modelId}-serving` });
  const deadLetter = createDeadLetterWriter({ sink, topic: deadLetterTopic });
  const codec = createJsonCodec();
  const source = createKafkaSource({ brokers, groupId: config.groupId ?? `${config.modelId}-serving`, topics: [requestsTopic], codec, deadLetter, maxWaitMs: 20 });
  const stopRequested = new Subject<void>();
  let answered = 0;

  const done = lastValueFrom(
    source.batches().pipe(
      takeUntil(stopRequested),
      concatMap(async (batch) => {
        const answers = [];
        for (const record of batch.records) {
          const request = record.value as Row | null;
          const requestId = typeof request === 'object' && request !== null ? request.requestId : undefined;
          try {
            if (typeof requestId !== 'string') throw new DecodeError('SCHEMA', `${record.topic}/${record.partition}@${record.offset}: requestId must be a string`);
            const { value, probabilities, modelVersion } = predictor.predict(request as Row);
            if (Number.isNaN(value)) throw new DecodeError('SCHEMA', `${record.topic}/${record.partition}@${record.offset}: the model's stages dropped the request`);
            answers.push({ key: requestId, value: JSON.stringify({ requestId, prediction: value, probabilities, modelVersion, latencyMs: Date.now() - record.timestamp }) });
          } catch (err) {
            await deadLetter.write(codec.encode(record.value as never), err instanceof Error ? err : new Error(errorMessage(err)), record, record.key, record.headers);
          }
        }
        if (answers.length > 0) await sink.send(predictionsTopic, answers);
        answered += answers.length;
        await batch.ack();
      }),
    ),
    { defaultValue: undefined },
  );

  return {
    answered: () => answered,
    async stop() {
      stopRequested.next();
      await done.catch(() => undefined);
      await source.stop();
      await sink.close();
      predictor.close();
    },
  };
}
