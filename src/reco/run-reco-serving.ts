import { StreamlearnError } from '../errors';
import { integerField } from '../features/config';
import { runServing, type RunningServing, type ServingConfig } from '../serving/run-serving';
import type { RecoEvent } from './event';
import { answerRequest, readRecommendRequest } from './recommend-request';
import { isRecommender } from './recommender';

export interface RecoServingConfig extends Omit<ServingConfig<RecoEvent>, 'predictionsTopic' | 'answer'> {
  /** JSON answers keyed by request id: `{ requestId, userId, items: [{ itemId, score }], modelVersion, latencyMs }`. */
  recommendationsTopic: string;
  /** The largest k a request may ask for. Default 1000. */
  maxK?: number;
}

/**
 * The recommendation serving topology: the serving topology of src/serving, answering each request
 * `{ requestId, userId, k?, exclude?, context? }` with the top-K of the newest model version.
 */
export function runRecoServing({ recommendationsTopic, maxK: maxKConfig, ...config }: RecoServingConfig): Promise<RunningServing> {
  const maxK = integerField('runRecoServing', 'maxK', maxKConfig, 1000, 1, 1_000_000);
  return runServing<RecoEvent>({
    ...config,
    predictionsTopic: recommendationsTopic,
    groupId: config.groupId ?? `${config.modelId}-reco-serving`,
    answer(value, serving, where, requestTimestamp) {
      const request = readRecommendRequest(value, where, maxK);
      if (!isRecommender(serving.model)) {
        throw new StreamlearnError('NO_MODEL', `${where}: model ${config.modelId} is a ${serving.model.kind}, not a recommender`);
      }
      return { key: request.requestId, value: answerRequest(request, serving.model, serving.manifest.version, requestTimestamp) };
    },
  });
}
