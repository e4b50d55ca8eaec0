/**
 * Recommendations from an interaction stream: JSON events `{ userId, itemId, rating | event, timestamp }`
 * on `<prefix>reco-mf.events` train a matrix factorization — biased MF on `rating` (explicit feedback,
 * the default) or BPR on `event` (implicit: view, click, buy, weighted by `EVENT_STRENGTH`) — whose
 * checkpoints go to `.models`. `runRecoServing` with `recoServingTopics()` then answers `{ requestId, userId, k }`
 * on `.requests` with the top-K on `.recommendations`, hot-swapping each new checkpoint.
 * See src/datasets/reco-events.ts for a stream to try it with, and docs/recommendations.md.
 */
import {
  createBiasedMF,
  createBprMF,
  createJsonCodec,
  createMae,
  createRmse,
  readyMadeTopology,
  withEventStrength,
  type BiasedMFConfig,
  type BprMFConfig,
  type Metric,
  type Recommender,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

export interface RecoMfOptions extends TopologyOptions {
  feedback?: 'explicit' | 'implicit';
  /** Overrides of the learner's settings (capacities, factors, rates). */
  model?: BiasedMFConfig & BprMFConfig;
}

const NAME = 'reco-mf';

/** The serving side's topics, next to the training topics of the same prefix. */
export function recoServingTopics(prefix = ''): { requestsTopic: string; recommendationsTopic: string; deadLetterTopic: string } {
  const base = `${prefix}${NAME}`;
  return { requestsTopic: `${base}.requests`, recommendationsTopic: `${base}.recommendations`, deadLetterTopic: `${base}.serving-dlq` };
}

export function recoMf(options: RecoMfOptions = {}): Topology {
  const explicit = (options.feedback ?? 'explicit') === 'explicit';
  const settings = { factors: 16, optimizer: 'adagrad' as const, userCapacity: 1_000_000, itemCapacity: 200_000, ...options.model };
  return readyMadeTopology(NAME, options, {
    description: explicit ? 'ratings → biased matrix factorization (AdaGrad)' : 'view/click/buy events → BPR matrix factorization',
    codec: createJsonCodec(),
    label: explicit ? 'rating' : 'strength',
    model: (): Recommender => (explicit ? createBiasedMF({ learningRate: 0.3, ...settings }) : createBprMF({ learningRate: 0.2, ...settings })),
    // Scores of implicit events are not ratings; ranking metrics need the model in the loop (docs/recommendations.md).
    metrics: (): Record<string, Metric> =>
      explicit ? { rmse: createRmse(), rollingRmse: createRmse({ window: 5000 }), mae: createMae(), rollingMae: createMae({ window: 5000 }) } : {},
    transformBatches: explicit ? undefined : withEventStrength({ field: 'strength' }),
    checkpoint: { everyRecords: 50_000, everyMs: 5_000 },
  });
}

export default recoMf;
