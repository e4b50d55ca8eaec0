import { parseArgs } from 'node:util';
import { createArrowCodec } from '../../connectors/codecs/arrow';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { ConfigError } from '../../src/errors';
import type { JsonValue } from '../../src/learners/estimator';
import { defineTopology, type Topology } from '../../src/topology/topology';
import { ctrLogistic } from '../../topologies/ctr-logistic';
import { regressionSgd } from '../../topologies/regression-sgd';
import { measureCheckpointLatency } from '../e2e/checkpoint-latency';
import { trainColumnar } from '../e2e/columnar';
import { friedmanArrow, friedmanJson, produceAll } from '../e2e/data';
import { createPasses, type RunKey } from '../e2e/passes';
import { latencyTable, targetTable, throughputTable, type LatencyRow } from '../e2e/tables';
import { judgeTargets } from '../e2e/targets';
import { consumeWithRiver, ctrJson } from '../e2e/ctr';
import { spawnSubscriber } from '../e2e/subscriber-process';
import { measureTopology, seedModelTopic } from '../e2e/topology-run';
import { consumeWithKafkaJs } from '../io/bare-kafkajs';
import { loadAverage } from '../io/measure';
import { ROWS_PER_ARROW_MESSAGE } from '../io/records';
import { deleteTopics, messageCount } from '../io/topics';
import type { BenchResult } from '../report';

const CHECKPOINT_EVERY_MS = 1000;
/** Versions a p99 is taken over. */
const MIN_VERSIONS = 50;
/** Runs checkpointing this often are added (at most MAX_FAST_RUNS) until the versions published under load are MIN_VERSIONS. */
const FAST_CHECKPOINT_EVERY_MS = 100;
const MAX_FAST_RUNS = 3;
const LATENCY_INTERVAL_MS = 50;

const log = (line: string) => process.stderr.write(`${line}\n`);

function topicsOf(topology: Topology): string[] {
  const { input, outputs } = topology.config;
  return [input.topic, outputs.modelTopic, outputs.deadLetterTopic, ...(outputs.metricsTopic ? [outputs.metricsTopic] : [])];
}

/**
 * Consume → decode → learn → checkpoint through the broker, in one invocation: runTopology (regression-sgd)
 * on JSON events with and without a checkpoint per second, a bare kafkajs + JSON.parse consumer on the same
 * topic, Arrow input both through runTopology (rows materialised) and on the columnar path, and checkpoint
 * publish and subscriber latency. Options: `--records n` JSON events (default 500,000), `--arrow-records n`
 * Arrow rows (default 8,000,000), `--repeats r` passes of each throughput run, the fastest counting
 * (default 2), `--versions v` checkpoints per latency run (default 100), `--seed s`. `--only ctr`: the CTR runs
 * alone (bare kafkajs, runTopology ctr-logistic, confluent-kafka + River) and ctr-logistic's latency while learning; no
 * JSON regression, Arrow or idle latency runs. `--only arrow`: the Arrow runs alone (the columnar ceiling peer and
 * runTopology on Arrow), interleaved. `--only json`: the JSON regression runs alone (bare kafkajs, runTopology
 * regression-sgd with and without checkpoints), no latency runs.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string', default: '500000' },
      'arrow-records': { type: 'string', default: '8000000' },
      repeats: { type: 'string', default: '2' },
      versions: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string' },
    },
  });
  const records = Number(values.records);
  const arrowRecords = Number(values['arrow-records']);
  const repeats = Number(values.repeats);
  const versions = Number(values.versions);
  const seed = Number(values.seed);
  if (!(Number.isInteger(records) && records >= 10_000)) throw new ConfigError(`--records must be an integer of at least 10000, got "${values.records}"`);
  if (!(Number.isInteger(arrowRecords) && arrowRecords >= 10_000 && arrowRecords % ROWS_PER_ARROW_MESSAGE === 0)) {
    throw new ConfigError(`--arrow-records must be a multiple of ${ROWS_PER_ARROW_MESSAGE}, at least 10000, got "${values['arrow-records']}"`);
  }
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);
  if (!(Number.isInteger(versions) && versions >= MIN_VERSIONS))
    throw new ConfigError(`--versions must be an integer of at least ${MIN_VERSIONS}, got "${values.versions}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);
  if (values.only !== undefined && values.only !== 'ctr' && values.only !== 'arrow' && values.only !== 'json')
    throw new ConfigError(`--only takes "ctr", "arrow" or "json", got "${values.only}"`);
  // The CTR peers alone, or the Arrow ones, or the JSON regression ones: a quick measure of one path against its peers.
  const all = values.only === undefined;
  const withCtr = all || values.only === 'ctr';
  const withArrow = all || values.only === 'arrow';
  const withJson = all || values.only === 'json';

  const loadAtStart = loadAverage();
  const broker = await resolveBroker({ log });
  const { brokers } = broker;
  const stamp = `bench-e2e-${Date.now().toString(36)}`;
  const jsonTopology = (everyMs: number) => regressionSgd({ prefix: `${stamp}-json-`, checkpoint: { everyRecords: Infinity, everyMs } });
  const arrowConfig = regressionSgd({ prefix: `${stamp}-arrow-`, checkpoint: { everyRecords: Infinity, everyMs: CHECKPOINT_EVERY_MS } }).config;
  // The same topology as the JSON runs (assembler, scaler, SGD, 5 metrics, iPFI, a checkpoint per second), on Arrow input.
  const arrowTopology = defineTopology({ ...arrowConfig, input: { ...arrowConfig.input, codec: createArrowCodec() } });
  const ctrTopology = (everyMs = CHECKPOINT_EVERY_MS) => ctrLogistic({ prefix: `${stamp}-ctr-`, checkpoint: { everyRecords: Infinity, everyMs } });
  const ctrTopic = ctrTopology().config.input.topic;
  const jsonTopic = jsonTopology(CHECKPOINT_EVERY_MS).config.input.topic;
  const arrowTopic = arrowTopology.config.input.topic;
  const columnarModels = `${stamp}-columnar.models`;
  const latencyTopic = `${stamp}-latency.models`;
  const topics = [
    ...(withJson ? topicsOf(jsonTopology(CHECKPOINT_EVERY_MS)) : []),
    ...(all ? [latencyTopic] : []),
    ...(withArrow ? [...topicsOf(arrowTopology), columnarModels] : []),
    ...(withCtr ? topicsOf(ctrTopology()) : []),
  ];
  const peerMetrics: Record<string, number>[] = [];

  const passes = createPasses(log);
  const latency: LatencyRow[] = [];
  // Versions published while learning, by input: JSON (regression-sgd) and CTR (ctr-logistic, issue 12's p99).
  const underLoadOf = () => ({ receiveMs: [] as number[], checkpointMs: [] as number[], versions: 0, loopDelayP99Ms: 0 });
  const underLoad = { JSON: underLoadOf(), [CTR]: underLoadOf() } as Record<string, ReturnType<typeof underLoadOf>>;
  const learnUnderLoad = async (topology: Topology, rows: number, key: RunKey) => {
    const result = await measureTopology(topology, brokers, rows);
    passes.add(key, result.measurement, result.versions);
    const bucket = underLoad[key.input];
    if (bucket === undefined || result.versions === 0) return;
    bucket.receiveMs.push(...result.receiveMs);
    bucket.checkpointMs.push(...result.checkpointMs);
    bucket.versions += result.versions;
    bucket.loopDelayP99Ms = Math.max(bucket.loopDelayP99Ms, result.loopDelayMs.p99);
  };
  const fastRuns = async (input: RunKey['input'], path: string, topology: (everyMs: number) => Topology) => {
    for (let run = 0; run < MAX_FAST_RUNS && underLoad[input].versions < MIN_VERSIONS; run++) {
      await learnUnderLoad(topology(FAST_CHECKPOINT_EVERY_MS), records, { input, path, checkpoints: checkpointLabel(FAST_CHECKPOINT_EVERY_MS) });
    }
  };
  let outsideCtrMs: number[] | undefined;
  try {
    const produced = [
      ...(withCtr ? [[ctrTopic, records] as const] : []),
      ...(withJson ? [[jsonTopic, records] as const] : []),
      ...(withArrow ? [[arrowTopic, arrowRecords / ROWS_PER_ARROW_MESSAGE] as const] : []),
    ];
    await ensureTopics(
      { brokers },
      produced.map(([topic]) => ({ topic, partitions: 1 })),
    );
    log(
      `producing ${all ? `${records} JSON and CTR events and ${arrowRecords} Arrow rows` : withCtr ? `${records} CTR events` : withJson ? `${records} JSON events` : `${arrowRecords} Arrow rows`}`,
    );
    if (withJson) await produceAll(brokers, jsonTopic, friedmanJson(records, seed));
    if (withArrow) await produceAll(brokers, arrowTopic, friedmanArrow(arrowRecords, seed + 1));
    if (withCtr) await produceAll(brokers, ctrTopic, ctrJson(records, seed + 2));
    for (const [topic, messages] of produced) {
      const stored = await messageCount(brokers, topic);
      if (stored !== messages) throw new Error(`${topic} holds ${stored} messages, ${messages} were produced`);
    }
    if (withJson) await seedModelTopic(brokers, jsonTopology(CHECKPOINT_EVERY_MS));
    if (withArrow) await seedModelTopic(brokers, arrowTopology);
    if (withCtr) await seedModelTopic(brokers, ctrTopology());

    // Round-robin, so that a burst of load from the machine's other users spreads over all the runs.
    for (let pass = 0; pass < repeats; pass++) {
      if (withJson) {
        passes.add(
          { input: 'JSON', path: BARE, checkpoints: '–' },
          await consumeWithKafkaJs({ brokers, topic: jsonTopic, messages: records, parseJson: true }),
          null,
        );
        for (const everyMs of [Infinity, CHECKPOINT_EVERY_MS]) {
          await learnUnderLoad(jsonTopology(everyMs), records, { input: 'JSON', path: TOPOLOGY_JSON, checkpoints: checkpointLabel(everyMs) });
        }
      }
      if (withCtr) {
        passes.add(
          { input: CTR, path: BARE, checkpoints: '–' },
          await consumeWithKafkaJs({ brokers, topic: ctrTopic, messages: records, parseJson: true }),
          null,
        );
        await learnUnderLoad(ctrTopology(), records, { input: CTR, path: TOPOLOGY_CTR, checkpoints: checkpointLabel(CHECKPOINT_EVERY_MS) });
        const river = await consumeWithRiver(brokers, ctrTopic, records);
        passes.add({ input: CTR, path: RIVER, checkpoints: '–' }, river.measurement, null);
        peerMetrics.push(river.metrics);
      }
      if (!withArrow) continue;
      for (const everyMs of [Infinity, CHECKPOINT_EVERY_MS]) {
        const result = await trainColumnar({
          brokers,
          topic: arrowTopic,
          modelTopic: columnarModels,
          modelId: `${stamp}-columnar-${pass}`,
          records: arrowRecords,
          checkpointEveryMs: everyMs,
        });
        passes.add({ input: 'Arrow', path: COLUMNAR, checkpoints: checkpointLabel(everyMs) }, result.measurement, result.versions);
      }
      await learnUnderLoad(arrowTopology, arrowRecords, { input: 'Arrow', path: TOPOLOGY_ARROW, checkpoints: checkpointLabel(CHECKPOINT_EVERY_MS) });
    }
    if (all) await fastRuns('JSON', TOPOLOGY_JSON, jsonTopology);
    // The ctr-logistic model while learning: the subscriber in the trainer's process (as in the passes) and
    // `streamlearn subscribe` in a process of its own, as a serving process (and npm start's watcher thread)
    // follows it. Only in these added runs, so that the passes' CPU figures do not carry it.
    if (withCtr) {
      const outside = spawnSubscriber(brokers, ctrTopology().config.outputs.modelTopic, ctrTopology().modelId);
      try {
        await outside.ready;
        await fastRuns(CTR, TOPOLOGY_CTR, ctrTopology);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        outsideCtrMs = outside.latencies();
      } finally {
        outside.stop();
      }
    }

    const latencyModels = [
      [REGRESSION_MODEL, jsonTopology(CHECKPOINT_EVERY_MS).config.model().state()],
      [CTR_MODEL, ctrLogistic().config.model().state()],
    ] as const;
    for (const [model, state] of all ? latencyModels : []) {
      log(`checkpoint latency: ${model}`);
      const result = await measureCheckpointLatency({
        brokers,
        topic: latencyTopic,
        modelId: `${stamp}-${model.split(' ')[0]}`,
        state,
        versions,
        intervalMs: LATENCY_INTERVAL_MS,
      });
      latency.push({ model, condition: `idle, one publish per ${LATENCY_INTERVAL_MS} ms`, ...result });
    }
    const learning = (model: string, input: RunKey['input'], payloadBytes: number | null) => {
      const bucket = underLoad[input];
      latency.push({
        model,
        condition: `${UNDER_LOAD} (checkpoints ${checkpointLabel(CHECKPOINT_EVERY_MS)} and ${checkpointLabel(FAST_CHECKPOINT_EVERY_MS)}; subscriber in the trainer's process)`,
        payloadBytes,
        publishMs: bucket.checkpointMs,
        receiveMs: bucket.receiveMs,
        missed: bucket.versions - bucket.receiveMs.length,
        loopDelayP99Ms: bucket.loopDelayP99Ms,
      });
    };
    if (all) learning(REGRESSION_MODEL, 'JSON', latency[0].payloadBytes);
    if (withCtr) {
      learning(CTR_MODEL, CTR, all ? latency[1].payloadBytes : null);
      latency.push({
        model: CTR_MODEL,
        condition: `${UNDER_LOAD} (checkpoints ${checkpointLabel(FAST_CHECKPOINT_EVERY_MS)}; \`streamlearn subscribe\` in a process of its own)`,
        payloadBytes: null,
        publishMs: [],
        receiveMs: outsideCtrMs ?? [],
        missed: 0,
        loopDelayP99Ms: null,
      });
    }
  } finally {
    await deleteTopics(brokers, topics).catch((err: unknown) => log(`could not delete the benchmark topics: ${String(err)}`));
    await broker.stop();
  }

  const throughput = passes.rows();
  const targets = judgeTargets(throughput, latency, {
    bare: BARE,
    jsonTopology: TOPOLOGY_JSON,
    ctr: { input: CTR, topology: TOPOLOGY_CTR, river: RIVER },
    columnar: COLUMNAR,
    arrowTopology: TOPOLOGY_ARROW,
    everySecond: checkpointLabel(CHECKPOINT_EVERY_MS),
  });
  return {
    tables: [throughputTable(throughput), latencyTable(latency), targetTable(targets)],
    context: {
      records,
      arrowRecords,
      repeats,
      versions,
      seed,
      broker: broker.source,
      checkpointEveryMs: [CHECKPOINT_EVERY_MS, FAST_CHECKPOINT_EVERY_MS],
      latencyIntervalMs: LATENCY_INTERVAL_MS,
      loadAverage: { start: loadAtStart, end: loadAverage() } as { [key: string]: JsonValue },
      riverMetrics: peerMetrics.at(-1) ?? null,
    },
    notes: [
      'One partition, one broker on this machine sharing its 2 cores with the client. Each throughput run reads its topic from the earliest offset under a fresh consumer group and is timed from its first micro-batch to its last record, counting only the records after that first batch ("startup s" is the time to get there); the fastest of the passes counts. "records/CPU-s" counts this process\'s CPU (all its threads); "busy cores" is the whole machine, broker and other users\' work included.',
      `${TOPOLOGY_JSON}: the regression-sgd topology (10 numeric fields → standard scaler → SGD linear regression, test-then-train, prequential metrics), micro-batches of 1,000, checkpoints never, every ${CHECKPOINT_EVERY_MS} ms (the passes) or every ${FAST_CHECKPOINT_EVERY_MS} ms (runs added until ${MIN_VERSIONS} versions were published under load, for a p99), each followed by its offset commit and metrics record, a subscribeModel subscriber running in the same process.`,
      `${CTR}: Agrawal applicants as nine categorical fields (src/datasets/ctr-events.ts), one JSON event per message. ${TOPOLOGY_CTR}: the ready-made topology (hashed categories 2^18, crosses of age with salary, commission and elevel, FTRL logistic regression, 5 prequential metrics, iPFI importance), checkpoints ${checkpointLabel(CHECKPOINT_EVERY_MS)}. ${RIVER}: bench/python/e2e_peers.py, a confluent-kafka consumer loop (queued.min.messages raised) with River 0.26.1 doing the same work: one-hot, the same crosses, FTRL-Proximal, the same metrics; no checkpoints, no importance.`,
      `${BARE}: a plain kafkajs consumer (createKafkaClient, eachBatch, no commits) that JSON.parses each value and nothing else: the ceiling a JSON topology is measured against.`,
      `${COLUMNAR}: the ceiling peer, built from connectors and learners, not runTopology: createKafkaSource with the Arrow codec, numericColumn views, per row predictOne then learnOne of regression-sgd's learner (no scaler, no metrics, no importance, no vetting, no dead letters) on one reused Float64Array; checkpoints through createCheckpointPublisher, then the offset commit, as runTopology does.`,
      `${TOPOLOGY_ARROW}: the regression-sgd topology of the JSON runs (assembler, scaler, SGD, 5 prequential metrics, iPFI importance, label guard, a checkpoint per second) on the Arrow topic through runTopology, which learns the tables on column views (docs/performance.md, "Arrow"), interleaved with the ceiling peer.`,
      `Latency: createdAt has millisecond resolution. "idle": a publisher and subscriber alone in this process, ${versions} versions. "${UNDER_LOAD}": every version the checkpointed JSON runs (regression-sgd) and CTR runs (ctr-logistic) published while learning, received by the subscriber that shares their event loop (or, for ctr-logistic, also by \`streamlearn subscribe\` in a process of its own, during the runs checkpointing every ${FAST_CHECKPOINT_EVERY_MS} ms: "missed" is not counted there); there the publish column is the whole checkpoint step (publish, offset commit, metrics record), from createdAt to the micro-batch step that carries it. "loop delay p99": the process's event-loop delay (perf_hooks), how long a ready socket may wait to be read.`,
    ],
  };
}

const BARE = 'kafkajs eachBatch + JSON.parse (bare)';
const CTR = 'CTR JSON';
const TOPOLOGY_CTR = 'runTopology ctr-logistic';
const RIVER = 'confluent-kafka + River (Python)';
const REGRESSION_MODEL = 'regression-sgd (10 features + scaler)';
const CTR_MODEL = 'ctr-logistic (FTRL, 2^19 float32 weights)';
const UNDER_LOAD = 'while runTopology learns';
const TOPOLOGY_JSON = 'runTopology regression-sgd';
const TOPOLOGY_ARROW = 'runTopology regression-sgd, Arrow columnar';
const COLUMNAR = 'columnar: source(arrow) → numericColumn → learnOne';

const checkpointLabel = (everyMs: number) => (Number.isFinite(everyMs) ? `every ${everyMs / 1000} s` : 'none');
