import { concatMap, lastValueFrom, Subject, takeUntil } from 'rxjs';
import { createJsonCodec } from '../../connectors/codecs/json';
import { createDeadLetterWriter } from '../../connectors/dead-letter';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { createKafkaSource } from '../../connectors/kafka/source';
import { ensureTopics } from '../../connectors/kafka/topics';
import { subscribeModel } from '../checkpoints/subscribe';
import { DecodeError, errorMessage, StreamlearnError } from '../errors';
import { integerField } from '../features/config';
import { createLivePredictor, type LivePredictorConfig } from '../serving/live-predictor';
import type { RecoEvent } from './event';
import './index';
import { answerRequest, readRecommendRequest } from './recommend-request';
import { isRecommender } from './recommender';

export interface RecoServingConfig {
  brokers: string[];
  modelTopic: string;
  modelId: string;
  /** JSON requests `{ requestId, userId, k?, exclude?, context? }`. */
  requestsTopic: string;
  /** JSON answers keyed by request id: `{ requestId, userId, items: [{ itemId, score }], modelVersion, latencyMs }`. */
  recommendationsTopic: string;
  deadLetterTopic: string;
  groupId?: string;
  /** The largest k a request may ask for. Default 1000. */
  maxK?: number;
  maxModelAgeMs?: number;
  onStale?: LivePredictorConfig<RecoEvent>['onStale'];
}

export interface RunningRecoServing {
  answered(): number;
  /** The model version answering now. */
  version(): number;
  stop(): Promise<void>;
}

/**
 * The recommendation serving topology: answers each request with the top-K of the newest model version,
 * which hot-swaps (one assignment) as checkpoints arrive through `subscribeModel`, and says which version
 * answered. Requests that cannot be answered go to the dead-letter topic with the reason. Resolves once a
 * first model has arrived.
 */
export async function runRecoServing(config: RecoServingConfig): Promise<RunningRecoServing> {
  const { brokers, requestsTopic, recommendationsTopic, deadLetterTopic } = config;
  const maxK = integerField('runRecoServing', 'maxK', config.maxK, 1000, 1, 1_000_000);
  await ensureTopics(brokers, [{ topic: requestsTopic }, { topic: recommendationsTopic }, { topic: deadLetterTopic }]);
  const predictor = createLivePredictor<RecoEvent>({
    versions: subscribeModel<RecoEvent>({ brokers, topic: config.modelTopic, modelId: config.modelId }),
    maxModelAgeMs: config.maxModelAgeMs,
    onStale: config.onStale,
  });
  await predictor.ready();

  const sink = createKafkaSink({ brokers, clientId: `${config.modelId}-reco-serving` });
  const deadLetter = createDeadLetterWriter({ sink, topic: deadLetterTopic });
  const codec = createJsonCodec();
  const source = createKafkaSource({ brokers, groupId: config.groupId ?? `${config.modelId}-reco-serving`, topics: [requestsTopic], codec, deadLetter, maxWaitMs: 20 });
  const stopRequested = new Subject<void>();
  let answered = 0;

  const done = lastValueFrom(
    source.batches().pipe(
      takeUntil(stopRequested),
      concatMap(async (batch) => {
        const answers = [];
        for (const record of batch.records) {
          const where = `${record.topic}/${record.partition}@${record.offset}`;
          try {
            const request = readRecommendRequest(record.value, where, maxK);
            // One read of the current version per request: a swap between requests never splits one.
            const serving = predictor.current();
            if (serving === undefined || !isRecommender(serving.model)) {
              throw new StreamlearnError('NO_MODEL', `${where}: model ${config.modelId} is a ${serving?.model.kind ?? 'missing model'}, not a recommender`);
            }
            const answer = answerRequest(request, serving.model, serving.manifest.version, record.timestamp);
            answers.push({ key: request.requestId, value: JSON.stringify(answer) });
          } catch (err) {
            const error = err instanceof Error ? err : new DecodeError('SCHEMA', `${where}: ${errorMessage(err)}`);
            await deadLetter.write(codec.encode(record.value as never), error, record, record.key, record.headers);
          }
        }
        if (answers.length > 0) await sink.send(recommendationsTopic, answers);
        answered += answers.length;
        await batch.ack();
      }),
    ),
    { defaultValue: undefined },
  );

  return {
    answered: () => answered,
    version: () => predictor.current()?.manifest.version ?? 0,
    async stop() {
      stopRequested.next();
      await done.catch(() => undefined);
      await source.stop();
      await sink.close();
      predictor.close();
    },
  };
}
