import { concatMap, filter, lastValueFrom } from 'rxjs';
import { createJsonCodec } from '../../connectors/codecs/json';
import { createDeadLetterWriter, deadLetterOf } from '../../connectors/dead-letter';
import { connectionOf, validateConnection, type KafkaConnection } from '../../connectors/kafka/connection';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { createKafkaSource } from '../../connectors/kafka/source';
import { probeBrokers } from '../../connectors/kafka/probe';
import { ensureTopics } from '../../connectors/kafka/topics';
import type { Codec, DecodedRecord, MicroBatch } from '../../connectors/types';
import '../builtins';
import { subscribeModel, type ModelVersion } from '../checkpoints/subscribe';
import { DecodeError, errorMessage } from '../errors';
import type { Row } from '../features/stage';
import { guardObserver, observeDeadLetters } from '../topology/observer';
import { createLivePredictor, predictWith, type LivePredictorConfig } from './live-predictor';

/** One answer: the record to write, keyed by the request id. */
export interface Answer {
  key: string;
  value: object;
}

/** Turns a request into its answer with one model version; throws (naming `where`) to dead-letter the request. */
export type AnswerFunction<X> = (request: unknown, serving: ModelVersion<X>, where: string, requestTimestamp: number) => Answer;

export interface ServingConfig<X = Row> extends KafkaConnection {
  modelTopic: string;
  modelId: string;
  /** JSON requests, `{ requestId, ...features }` for the default answer. */
  requestsTopic: string;
  /** JSON answers keyed by request id, `{ requestId, prediction, probabilities?, modelVersion, latencyMs }` by default. */
  predictionsTopic: string;
  deadLetterTopic: string;
  groupId?: string;
  maxModelAgeMs?: number;
  onStale?: LivePredictorConfig<X>['onStale'];
  /** How a request is answered; default {@link predictionAnswer}. */
  answer?: AnswerFunction<X>;
  /** Told of each batch of answers and each dead-lettered request, e.g. by the Prometheus exporter. */
  observer?: ServingObserver;
}

/** What serving reports as it runs; callbacks are synchronous, and one that throws is reported, not fatal. */
export interface ServingObserver {
  /** After a batch of answers is acknowledged: each one's latency from its request's Kafka timestamp. */
  answered?(latenciesMs: number[], modelVersion: number): void;
  /** After a request (unanswerable, or undecodable) is on the dead-letter topic, with its `x-error-code`. */
  deadLettered?(code: string): void;
}

/** Returned once a first model has arrived, so requests are answered from then on. */
export interface RunningServing {
  answered(): number;
  /** The model version answering now. */
  version(): number;
  stop(): Promise<void>;
}

/** The default answer: the model's prediction for the request's features. */
export const predictionAnswer: AnswerFunction<Row> = (request, serving, where, requestTimestamp) => {
  const requestId = typeof request === 'object' && request !== null ? (request as Row).requestId : undefined;
  if (typeof requestId !== 'string') throw new DecodeError('SCHEMA', `${where}: requestId must be a string`);
  const { value, probabilities, modelVersion } = predictWith(serving, request as Row);
  if (Number.isNaN(value)) throw new DecodeError('SCHEMA', `${where}: the model's stages dropped the request`);
  return { key: requestId, value: { requestId, prediction: value, probabilities, modelVersion, latencyMs: Date.now() - requestTimestamp } };
};

/**
 * A serving topology: answers each request with the newest model version, which hot-swaps as new
 * checkpoints arrive (one version per request, read once). Requests that cannot be answered go to the
 * dead-letter topic with the reason. Latency is measured from the request's Kafka timestamp.
 */
export async function runServing<X = Row>(config: ServingConfig<X>): Promise<RunningServing> {
  const connection = validateConnection('runServing', connectionOf(config));
  const { requestsTopic, predictionsTopic, deadLetterTopic } = config;
  const answer = config.answer ?? (predictionAnswer as unknown as AnswerFunction<X>);
  await probeBrokers(connection);
  const observer = guardObserver(config.observer);
  await ensureTopics(connection, [{ topic: requestsTopic }, { topic: predictionsTopic }, { topic: deadLetterTopic }]);
  const predictor = createLivePredictor<X>({
    versions: subscribeModel<X>({ ...connection, topic: config.modelTopic, modelId: config.modelId }),
    maxModelAgeMs: config.maxModelAgeMs,
    onStale: config.onStale,
  });
  await predictor.ready();

  const sink = createKafkaSink({ ...connection, clientId: `${config.modelId}-serving` });
  const deadLetter = observeDeadLetters(createDeadLetterWriter({ sink, topic: deadLetterTopic }), observer);
  const codec = createJsonCodec();
  const source = createKafkaSource({
    ...connection,
    groupId: config.groupId ?? `${config.modelId}-serving`,
    topics: [requestsTopic],
    codec,
    deadLetter,
    maxWaitMs: 20,
    // Replicas share the requests through this group: a replica killed without leaving holds its partitions
    // until its session expires, so keep that as short as the trainer's.
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
  });
  // A stop lets the batch in hand be answered and committed, and answers nothing after it: the batches that
  // follow stay uncommitted for the replica that takes the partition over, so nothing is answered twice.
  let stopping = false;
  let inHand: Promise<void> = Promise.resolve();
  let answered = 0;

  const answerOne = (record: DecodedRecord<unknown>): Answer =>
    answer(record.value, predictor.current()!, `${record.topic}/${record.partition}@${record.offset}`, record.timestamp);
  const done = lastValueFrom(
    source.batches().pipe(
      filter(() => !stopping),
      concatMap((batch) => (inHand = answerBatch(batch))),
    ),
    { defaultValue: undefined },
  );

  async function answerBatch(batch: MicroBatch<unknown>): Promise<void> {
    const answers = [];
    const requestedAt: number[] = [];
    for (const record of batch.records) {
      try {
        const { key, value } = answerOne(record);
        answers.push({ key, value: JSON.stringify(value) });
        requestedAt.push(record.timestamp);
      } catch (err) {
        await deadLetter.write(deadLetterOf(record, err instanceof Error ? err : new Error(errorMessage(err)), codec as Codec<unknown>));
      }
    }
    if (answers.length > 0) await sink.send(predictionsTopic, answers);
    answered += answers.length;
    const sentAt = Date.now();
    if (answers.length > 0)
      observer?.answered?.(
        requestedAt.map((at) => sentAt - at),
        predictor.current()?.manifest.version ?? 0,
      );
    await batch.ack();
  }

  return {
    answered: () => answered,
    version: () => predictor.current()?.manifest.version ?? 0,
    async stop() {
      stopping = true;
      await inHand.catch(() => undefined);
      await source.stop();
      await done.catch(() => undefined);
      await sink.close();
      predictor.close();
    },
  };
}
