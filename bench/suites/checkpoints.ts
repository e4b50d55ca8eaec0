import { parseArgs } from 'node:util';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { ctrEventStream } from '../../src/datasets/ctr-events';
import { ConfigError } from '../../src/errors';
import { ctrLogistic } from '../../topologies/ctr-logistic';
import { measureCheckpointLatency } from '../e2e/checkpoint-latency';
import { measureSizes, trainedStates, type SizeRow } from '../e2e/checkpoint-sizes';
import { produceAll } from '../e2e/data';
import { latencyTable, type LatencyRow } from '../e2e/tables';
import { spawnSubscriber } from '../e2e/subscriber-process';
import { measureTopology, seedModelTopic } from '../e2e/topology-run';
import { loadAverage, perSecond } from '../io/measure';
import { deleteTopics } from '../io/topics';
import type { BenchResult, BenchTable } from '../report';

const LATENCY_INTERVAL_MS = 50;
const LEARNING_CHECKPOINT_EVERY_MS = 100;
const log = (line: string) => process.stderr.write(`${line}\n`);

function* ctrJson(records: number, seed: number): Generator<Buffer> {
  let i = 0;
  for (const event of ctrEventStream({ seed })) {
    if (i++ >= records) return;
    yield Buffer.from(JSON.stringify(event));
  }
}

function sizeTable(rows: SizeRow[]): BenchTable {
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    title: 'Checkpoint payload sizes (bytes): v3 as published (sparse rows where they pay) vs the arrays dense (v2), and gzip at zlib’s default level',
    columns: [
      'model',
      'events learned',
      'dense bytes',
      'payload bytes',
      'payload / dense',
      'sparse arrays',
      'gzip bytes',
      'gzip / payload',
      'gzip ms',
      'gunzip ms',
    ],
    rows: rows.map((row) => ({
      model: row.model,
      'events learned': row.events,
      'dense bytes': row.denseBytes,
      'payload bytes': row.payloadBytes,
      'payload / dense': round(row.payloadBytes / row.denseBytes),
      'sparse arrays': row.sparseArrays,
      'gzip bytes': row.gzipBytes,
      'gzip / payload': round(row.gzipBytes / row.payloadBytes),
      'gzip ms': round(row.gzipMs),
      'gunzip ms': round(row.gunzipMs),
    })),
  };
}

/**
 * What a checkpoint costs: payload sizes of real trained checkpoints (sparse vs dense, gzip's saving and
 * time), publish → subscriber latency of each with producer compression none and gzip (interleaved, one
 * publish per 50 ms), and ctr-logistic's latency while it learns through runTopology with a checkpoint
 * every 100 ms and the subscriber in the same process. Options: `--records n` ctr events (default 200,000),
 * `--versions v` per idle latency run (default 100), `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { records: { type: 'string', default: '200000' }, versions: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' } },
  });
  const records = Number(values.records);
  const versions = Number(values.versions);
  const seed = Number(values.seed);
  if (!(Number.isInteger(records) && records >= 10_000)) throw new ConfigError(`--records must be an integer of at least 10000, got "${values.records}"`);
  if (!(Number.isInteger(versions) && versions >= 20)) throw new ConfigError(`--versions must be an integer of at least 20, got "${values.versions}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);

  const loadAtStart = loadAverage();
  log('training the models offline');
  const trained = trainedStates(records);
  const sizes = measureSizes(trained);
  const broker = await resolveBroker({ log });
  const { brokers } = broker;
  const stamp = `bench-ckpt-${Date.now().toString(36)}`;
  const latencyTopic = `${stamp}-latency.models`;
  const topology = ctrLogistic({ prefix: `${stamp}-`, checkpoint: { everyRecords: Infinity, everyMs: LEARNING_CHECKPOINT_EVERY_MS } });
  const { input, outputs } = topology.config;
  const latency: LatencyRow[] = [];
  let learning: { recordsPerSecond: number } | undefined;
  try {
    for (const { model, state } of trained.filter((t) => t.model !== 'regression-sgd')) {
      for (const compression of ['none', 'gzip'] as const) {
        log(`checkpoint latency: ${model}, compression ${compression}`);
        const result = await measureCheckpointLatency({
          brokers,
          topic: latencyTopic,
          modelId: `${model}-${compression}`,
          state,
          versions,
          intervalMs: LATENCY_INTERVAL_MS,
          compression,
        });
        latency.push({ model, condition: `idle, compression ${compression}, one publish per ${LATENCY_INTERVAL_MS} ms`, ...result });
      }
    }
    await ensureTopics({ brokers }, [{ topic: input.topic, partitions: 1 }]);
    log(`producing ${records} ctr events`);
    await produceAll(brokers, input.topic, ctrJson(records, seed));
    await seedModelTopic(brokers, topology);
    log('ctr-logistic learning through runTopology, one subscriber in the same process and one in a process of its own');
    const outside = spawnSubscriber(brokers, outputs.modelTopic, topology.modelId);
    // Time for it to connect and print the seed version.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const result = await measureTopology(topology, brokers, records);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    outside.stop();
    learning = { recordsPerSecond: Math.round(perSecond(result.measurement)) };
    latency.push({
      model: 'ctr-logistic',
      condition: `learning through runTopology, a checkpoint every ${LEARNING_CHECKPOINT_EVERY_MS} ms (publish column: createdAt → step)`,
      payloadBytes: null,
      publishMs: result.checkpointMs,
      receiveMs: result.receiveMs,
      missed: result.versions - result.receiveMs.length,
      loopDelayP99Ms: result.loopDelayMs.p99,
    });
    latency.push({
      model: 'ctr-logistic',
      condition: `learning as above; \`streamlearn subscribe\` in a process of its own (every version, the final one included)`,
      payloadBytes: null,
      publishMs: [],
      receiveMs: outside.latencies(),
      missed: 0,
      loopDelayP99Ms: null,
    });
  } finally {
    await deleteTopics(brokers, [
      latencyTopic,
      input.topic,
      outputs.modelTopic,
      outputs.deadLetterTopic,
      ...(outputs.metricsTopic ? [outputs.metricsTopic] : []),
    ]).catch((err: unknown) => log(`could not delete the benchmark topics: ${String(err)}`));
    await broker.stop();
  }
  return {
    tables: [sizeTable(sizes), latencyTable(latency)],
    context: {
      loadAverage: { start: loadAtStart, end: loadAverage() },
      records,
      versions,
      seed,
      latencyIntervalMs: LATENCY_INTERVAL_MS,
      learningCheckpointEveryMs: LEARNING_CHECKPOINT_EVERY_MS,
      learning: learning ?? null,
    },
    notes: [
      'dense bytes: the state arrays laid out dense, as v2 payloads held them (plus a few KB of Arrow schema). gzip: zlib.gzipSync at its default level, what kafkajs’s GZIP codec runs (asynchronously, on the libuv pool); medians of 5.',
      'Latency: receivedAt − manifest.createdAt at the subscriber (millisecond clock). Idle runs publish the same trained state every 50 ms with createCheckpointPublisher, the subscriber in the same process.',
    ],
  };
}
