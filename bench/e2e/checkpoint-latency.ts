import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { ensureTopics } from '../../connectors/kafka/topics';
import { createCheckpointPublisher } from '../../src/checkpoints/publisher';
import type { ModelState } from '../../src/state';
import { followModel } from './follow-model';

export interface LatencyRun {
  brokers: string[];
  /** A compacted topic of its own. */
  topic: string;
  modelId: string;
  state: ModelState;
  versions: number;
  /** One publish every this many ms, like a trainer that checkpoints on a timer. */
  intervalMs: number;
  /** The publisher's producer compression; default none. */
  compression?: 'none' | 'gzip';
}

export interface LatencyResult {
  payloadBytes: number;
  /** How long each `publisher.publish` took, in ms. */
  publishMs: number[];
  /** receivedAt − createdAt of each version the subscriber received, in ms. */
  receiveMs: number[];
  /** Versions published but not received within 10 s of the last publish. */
  missed: number;
  /** p99 event-loop delay (ms) while publishing: what the subscriber may wait for beside the broker. */
  loopDelayP99Ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes `versions` checkpoints of one model state with `createCheckpointPublisher`, one every
 * `intervalMs`, while a `subscribeModel` subscriber in this process follows the topic. A first version,
 * untimed, makes sure the subscriber is live before the clock starts.
 */
export async function measureCheckpointLatency({ brokers, topic, modelId, state, versions, intervalMs, compression }: LatencyRun): Promise<LatencyResult> {
  await ensureTopics({ brokers }, [{ topic, compacted: true }]);
  const sink = createKafkaSink({ brokers, clientId: 'bench-e2e-publisher', compression });
  const publisher = createCheckpointPublisher({ sink, topic });
  const fields = (version: number) => ({ modelId, version, offsets: [], examplesSeen: 0, metrics: {} });
  const publishMs: number[] = [];
  const timed: number[] = [];
  let payloadBytes = 0;
  await publisher.publish(fields(1), state);
  const follower = followModel(brokers, topic, modelId);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  try {
    await follower.ready;
    loopDelay.enable();
    for (let version = 2; version <= versions + 1; version++) {
      const startedAt = performance.now();
      payloadBytes = (await publisher.publish(fields(version), state)).payloadBytes;
      const took = performance.now() - startedAt;
      publishMs.push(took);
      timed.push(version);
      await sleep(Math.max(0, intervalMs - took));
    }
    await follower.received(versions + 1, 10_000);
    const receiveMs = follower.latencies(timed);
    return { payloadBytes, publishMs, receiveMs, missed: timed.length - receiveMs.length, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
  } finally {
    loopDelay.disable();
    follower.stop();
    await sink.close();
  }
}
