import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { ensureTopics } from '../../connectors/kafka/topics';
import { createCheckpointPublisher } from '../../src/checkpoints/publisher';
import { runTopology } from '../../src/topology/run-topology';
import type { Topology } from '../../src/topology/topology';
import { startSpan, type Measurement, type Span } from '../io/measure';
import { followModel } from './follow-model';

export interface TopologyRun {
  measurement: Measurement;
  /** Versions published while learning (the final one, at stop, not included). */
  versions: number;
  /** Subscriber latency (receivedAt − createdAt, ms) of those versions, as received in this busy process. */
  receiveMs: number[];
  /** createdAt to the step that carries the manifest (ms): publish, offset commit and metrics record, under load. */
  checkpointMs: number[];
  /** Event-loop delay while learning (ms): how long anything else in the process, a subscriber too, may wait. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

/**
 * Gives the model topic a first version, so that a subscriber has one to be ready on; the topology then
 * numbers its own after it. Its model is fresh and `fromBeginning` runs ignore it.
 */
export async function seedModelTopic(brokers: string[], topology: Topology): Promise<void> {
  const topic = topology.config.outputs.modelTopic;
  await ensureTopics({ brokers }, [{ topic, compacted: true }]);
  const sink = createKafkaSink({ brokers, clientId: 'bench-e2e-seed' });
  try {
    const fields = { modelId: topology.modelId, version: 1, offsets: [], examplesSeen: 0, metrics: {} };
    await createCheckpointPublisher({ sink, topic }).publish(fields, topology.config.model().state());
  } finally {
    await sink.close();
  }
}

/**
 * Runs the topology from the earliest offset under a fresh consumer group until it has consumed `records`,
 * with a `subscribeModel` subscriber in the same process. Timed from the first learned micro-batch to the
 * one that reaches `records`, counting only the records after the first; checkpoints published on the way
 * are inside the clock, the final one at stop is not.
 */
export async function measureTopology(topology: Topology, brokers: string[], records: number): Promise<TopologyRun> {
  const follower = followModel(brokers, topology.config.outputs.modelTopic, topology.modelId);
  try {
    await follower.ready;
    const startedAt = process.hrtime.bigint();
    const running = await runTopology(topology, {
      brokers,
      fromBeginning: true,
      groupId: `bench-e2e-${randomUUID()}`,
      until: (progress) => progress.records >= records,
    });
    const published: number[] = [];
    const checkpointMs: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    let stop: (() => Span) | undefined;
    let startupSeconds = 0;
    let first = 0;
    let seen = 0;
    let measurement: Measurement | undefined;
    running.steps.subscribe(({ learned, deadLettered, replayed, published: manifest }) => {
      // Events, not messages: an Arrow message holds many rows.
      const count = learned + deadLettered + replayed;
      if (stop === undefined) {
        stop = startSpan();
        startupSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
        first = count;
        loopDelay.enable();
      }
      seen += count;
      if (manifest && measurement === undefined) {
        published.push(manifest.version);
        checkpointMs.push(Date.now() - Date.parse(manifest.createdAt));
      }
      if (seen >= records && measurement === undefined) {
        measurement = { records: seen - first, span: stop(), startupSeconds };
        loopDelay.disable();
      }
    });
    const progress = await running.done;
    if (measurement === undefined) throw new Error(`${topology.modelId} stopped after ${seen} of ${records} records`);
    if (progress.deadLettered > 0) throw new Error(`${topology.modelId} dead-lettered ${progress.deadLettered} records`);
    if (published.length > 0) await follower.received(published[published.length - 1], 10_000);
    const loopDelayMs = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    return { measurement, versions: published.length, receiveMs: follower.latencies(published), checkpointMs, loopDelayMs };
  } finally {
    follower.stop();
  }
}
