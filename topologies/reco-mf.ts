/**
 * Recommendations from an interaction stream: JSON events `{ userId, itemId, rating | event, timestamp }`
 * on `<prefix>reco-mf.events` train a matrix factorization — biased MF on `rating` (explicit feedback,
 * the default) or BPR on `event` (implicit: view, click, buy, weighted by `EVENT_STRENGTH`) — whose
 * checkpoints go to `.models`. `runRecoServing` with `recoServingTopics()` then answers `{ requestId, userId, k }`
 * on `.requests` with the top-K on `.recommendations`, hot-swapping each new checkpoint.
 * See src/datasets/reco-events.ts for a stream to try it with, and docs/recommendations.md.
 */
import { createJsonCodec } from '../connectors/codecs/json';
import { createMae, createRmse, type Metric } from '../src/evaluation';
import type { Pipeline } from '../src/features/pipeline';
import { createBiasedMF, createBprMF, type BiasedMFConfig, type BprMFConfig, type Recommender } from '../src/reco';
import { withEventStrength } from '../src/reco/with-event-strength';
import { defineTopology, topicsFor, type Topology, type TopologyOptions } from '../src/topology/topology';

export interface RecoMfOptions extends TopologyOptions {
  feedback?: 'explicit' | 'implicit';
  /** Overrides of the learner's settings (capacities, factors, rates). */
  model?: BiasedMFConfig & BprMFConfig;
}

const NAME = 'reco-mf';

/**
 * The runtime types its models as pipelines but calls only `transformOne` (to dead-letter bad events),
 * `predictMany`, `learnMany` and `state`, which every recommender has.
 */
const asTopologyModel = (model: Recommender): Pipeline => model as unknown as Pipeline;

/** The serving side's topics, next to the training topics of the same prefix. */
export function recoServingTopics(prefix = ''): { requestsTopic: string; recommendationsTopic: string; deadLetterTopic: string } {
  const base = `${prefix}${NAME}`;
  return { requestsTopic: `${base}.requests`, recommendationsTopic: `${base}.recommendations`, deadLetterTopic: `${base}.serving-dlq` };
}

export function recoMf(options: RecoMfOptions = {}): Topology {
  const topics = topicsFor(NAME, options.prefix);
  const explicit = (options.feedback ?? 'explicit') === 'explicit';
  const settings = { factors: 16, optimizer: 'adagrad' as const, userCapacity: 1_000_000, itemCapacity: 200_000, ...options.model };
  return defineTopology({
    name: `${options.prefix ?? ''}${NAME}`,
    description: explicit ? 'ratings → biased matrix factorization (AdaGrad)' : 'view/click/buy events → BPR matrix factorization',
    input: { topic: topics.input, partitions: options.partitions ?? 1, codec: createJsonCodec() },
    label: explicit ? 'rating' : 'strength',
    model: () => asTopologyModel(explicit ? createBiasedMF({ learningRate: 0.3, ...settings }) : createBprMF({ learningRate: 0.2, ...settings })),
    // Scores of implicit events are not ratings; ranking metrics need the model in the loop (docs/recommendations.md).
    metrics: (): Record<string, Metric> => (explicit ? { rmse: createRmse(), rollingRmse: createRmse({ window: 5000 }), mae: createMae(), rollingMae: createMae({ window: 5000 }) } : {}),
    transformBatches: explicit ? undefined : withEventStrength({ field: 'strength' }),
    checkpoint: options.checkpoint ?? { everyRecords: 50_000, everyMs: 5_000 },
    batch: options.batch,
    modelScope: options.modelScope,
    outputs: topics,
  });
}

export default recoMf;
