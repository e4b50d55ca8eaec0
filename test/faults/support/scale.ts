import { filter, lastValueFrom, map, toArray } from 'rxjs';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { readTopic } from '../../../connectors/kafka/topic-reader';
import { createCheckpointAssembler } from '../../../src/checkpoints/records';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { decodeEnvelope } from '../../../src/checkpoints/envelope';
import { parseManifestKey } from '../../../src/checkpoints/records';
import type { Checkpoint } from '../../../src/checkpoints/envelope';
import { sleep } from './trainer';
import { isSummable } from '../../../src/evaluation/metric-merge';
import { METRIC_STATE_KEY, resumeMetrics } from '../../../src/topology/metric-state';
import type { Topology } from '../../../src/topology/topology';

/** Every manifest of `modelId` published on the model topic, in topic order, read from its version keys and model-id key alike, once per version record. */
export async function publishedManifests(brokers: string[], topic: string, modelId: string): Promise<CheckpointManifest[]> {
  const records = await lastValueFrom(
    readTopic({ brokers, topic }).pipe(
      filter((event) => event.type === 'record'),
      map((event) => (event as Extract<typeof event, { type: 'record' }>).record),
      toArray(),
    ),
  );
  const manifests: CheckpointManifest[] = [];
  for (const record of records) {
    if (record.key === null || record.value === null || record.key.includes('/chunk/')) continue;
    const named = parseManifestKey(record.key);
    // One record per published version: its version key (compaction keeps the model-id key only for the newest).
    if (named.modelId !== modelId || named.version === undefined) continue;
    manifests.push(decodeEnvelope(record.value, `${topic}@${record.offset}`).manifest);
  }
  return manifests;
}

/** The newest checkpoint of `modelId`, verified. */
export async function newestCheckpoint(brokers: string[], topic: string, modelId: string): Promise<Checkpoint | undefined> {
  const assembler = createCheckpointAssembler({ modelId });
  let newest: Checkpoint | undefined;
  await lastValueFrom(
    readTopic({ brokers, topic }).pipe(
      filter((event) => event.type === 'record'),
      map((event) => {
        const { record } = event as Extract<typeof event, { type: 'record' }>;
        try {
          newest = assembler.push(record, `${topic}@${record.offset}`) ?? newest;
        } catch {
          // A bad record is the subject of other tests.
        }
      }),
    ),
    { defaultValue: undefined },
  );
  return newest;
}

/** End offset of every partition of a topic, as strings. */
export async function endOffsets(brokers: string[], topic: string): Promise<Map<number, string>> {
  const admin = createKafkaClient({ brokers, clientId: 'scale-test' }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls the group's committed offsets and records every value seen per partition: a zombie's commit
 * (an older position) would show as an offset going backwards.
 */
export function watchCommits(brokers: string[], groupId: string, topic: string): { stop(): Promise<Map<number, bigint[]>> } {
  const seen = new Map<number, bigint[]>();
  let running = true;
  const admin = createKafkaClient({ brokers, clientId: 'scale-test-commits' }).admin();
  const loop = (async () => {
    await admin.connect();
    while (running) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => [undefined]);
      for (const { partition, offset } of offsets?.partitions ?? []) {
        if (offset === '-1') continue;
        const list = seen.get(partition) ?? [];
        if (list[list.length - 1] !== BigInt(offset)) list.push(BigInt(offset));
        seen.set(partition, list);
      }
      await sleep(300);
    }
    await admin.disconnect();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Waits for `predicate` over a process's log, or the deadline. */
export async function waitForLog(log: () => string, predicate: (text: string) => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) if (predicate(log())) return true;
  return predicate(log());
}

/** Every overall metric of a merged version counted `events` pairs: each event scored once, on every worker together. */
export function expectOverallMetricsCount(topology: Topology, version: Checkpoint, events: number): void {
  const metrics = resumeMetrics(topology.config.metrics(), version.manifest.extra?.[METRIC_STATE_KEY]);
  const overall = Object.entries(metrics).filter(([, metric]) => isSummable(metric.state()));
  expect(overall.length).toBeGreaterThan(0);
  for (const [name, metric] of overall) expect({ name, count: metric.count() }).toEqual({ name, count: events });
}

/** Waits for a version of `topology`'s model whose offsets are the end of every non-empty input partition. */
export async function waitForCoverage(brokers: string[], topology: Topology, timeoutMs: number): Promise<Checkpoint> {
  const ends = await endOffsets(brokers, topology.config.input.topic);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(1000)) {
    const newest = await newestCheckpoint(brokers, topology.config.outputs.modelTopic, topology.modelId);
    const offsets = new Map(newest?.manifest.offsets.map((o) => [o.partition, o.offset]) ?? []);
    if ([...ends].every(([p, end]) => end === '0' || offsets.get(p) === end)) return newest!;
  }
  throw new Error(`no version covered the end of every partition within ${timeoutMs} ms`);
}
