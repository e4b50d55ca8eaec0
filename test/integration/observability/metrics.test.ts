import { ensureTopics } from '../../../connectors/kafka/topics';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { startMetricsServer, type MetricsServer } from '../../../src/observability/metrics-server';
import { createServingMetrics } from '../../../src/observability/serving-metrics';
import { createTopologyMetrics } from '../../../src/observability/topology-metrics';
import { runServing } from '../../../src/serving/run-serving';
import { runTopology } from '../../../src/topology/run-topology';
import { ctrLogistic } from '../../../topologies/ctr-logistic';
import { testBrokers, uniqueName } from '../../support/kafka';
import { parsePrometheusText, sampleValue, sumOf, type MetricFamily } from '../../support/prometheus-text';
import { produce, readAll, take } from '../topology/support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(server: MetricsServer): Promise<Map<string, MetricFamily>> {
  const response = await fetch(server.url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** Every `every`-th event is replaced by one that cannot be learned: bad JSON, or a label that is not a number. */
function eventsWithPoison(count: number, every: number): { values: Array<object | string>; malformed: number; schema: number } {
  const events = take(ctrEventStream({ seed: 3, functionBefore: 1 }), count);
  let malformed = 0;
  let schema = 0;
  const values = events.map((event, i) => {
    if (i % every !== every - 1) return event;
    if ((i / every) % 2 < 1) {
      malformed++;
      return '{"age": "age3", "label": ';
    }
    schema++;
    return { ...event, label: 'yes' };
  });
  return { values, malformed, schema };
}

describe('Prometheus metrics', () => {
  let server: MetricsServer;
  beforeEach(async () => {
    server = await startMetricsServer({ port: 0 });
  });
  afterEach(() => server.close());

  it('of a topology learning on the broker add up: learned + dead-lettered = produced, by partition and by error code', async () => {
    const brokers = testBrokers();
    const topology = ctrLogistic({
      prefix: `${uniqueName('prom')}.`,
      partitions: 2,
      checkpoint: { everyRecords: 3000, everyMs: 60_000 },
      batch: { maxRecords: 500 },
    });
    const { input, outputs } = topology.config;
    await ensureTopics({ brokers }, [{ topic: input.topic, partitions: 2 }]);
    const { values, malformed, schema } = eventsWithPoison(12_000, 250);
    await produce(brokers, input.topic, values);

    const observer = createTopologyMetrics({ registry: server.registry, topology: topology.config.name });
    const running = await runTopology(topology, { brokers, observer, until: (p) => p.records >= values.length });
    // A scrape while learning is well-formed too (prom-client collects asynchronously; nothing may tear).
    let midway: Map<string, MetricFamily> | undefined;
    for (let waited = 0; !midway && waited < 60_000; waited += 100) {
      const families = await scrape(server);
      if (sumOf(families, 'streamlearn_records_consumed_total') > 0) midway = families;
      else await sleep(100);
    }
    const progress = await running.done;
    expect(midway).toBeDefined();

    const families = await scrape(server);
    const labels = { topology: topology.config.name };
    const learned = sumOf(families, 'streamlearn_records_total', { ...labels, outcome: 'learned' });
    const deadLettered = sumOf(families, 'streamlearn_records_total', { ...labels, outcome: 'dead_lettered' });
    expect(learned + deadLettered).toBe(values.length);
    expect(learned).toBe(progress.learned);
    expect(deadLettered).toBe(malformed + schema);
    expect(sumOf(families, 'streamlearn_records_consumed_total', labels)).toBe(values.length);
    for (const partition of ['0', '1']) {
      const consumed = sampleValue(families, 'streamlearn_records_consumed_total', { ...labels, partition });
      expect(consumed).toBeGreaterThan(0);
      expect(sumOf(families, 'streamlearn_records_total', { ...labels, partition })).toBe(consumed);
      expect(sampleValue(families, 'streamlearn_consumer_lag', { ...labels, topic: input.topic, partition })).toBe(0);
    }
    // Each dead letter is counted under its x-error-code, and each is on the dead-letter topic.
    expect(sampleValue(families, 'streamlearn_dead_letters_total', { ...labels, code: 'MALFORMED' })).toBe(malformed);
    expect(sampleValue(families, 'streamlearn_dead_letters_total', { ...labels, code: 'SCHEMA' })).toBe(schema);
    expect(await readAll(brokers, outputs.deadLetterTopic)).toHaveLength(malformed + schema);

    const model = { ...labels, model: topology.modelId };
    const version = progress.versions[topology.modelId];
    expect(version).toBeGreaterThanOrEqual(4);
    expect(sampleValue(families, 'streamlearn_model_version', model)).toBe(version);
    expect(sampleValue(families, 'streamlearn_checkpoints_total', model)).toBe(version);
    expect(sampleValue(families, 'streamlearn_model_examples_seen', model)).toBe(learned);
    expect(sampleValue(families, 'streamlearn_checkpoint_size_bytes', model)).toBeGreaterThan(1000);
    expect(sampleValue(families, 'streamlearn_checkpoint_publish_seconds_count', labels)).toBe(version);
    for (const [name, value] of Object.entries(progress.metrics)) {
      if (Number.isFinite(value)) expect(sampleValue(families, 'streamlearn_model_metric', { ...model, metric: name })).toBeCloseTo(value, 12);
    }
    expect(sampleValue(families, 'streamlearn_model_metric', { ...model, metric: 'rollingAccuracy' })).toBeGreaterThan(0.5);
    // One observation per batch: batch sizes sum to the records; learn times were measured.
    const batches = sampleValue(families, 'streamlearn_batch_records_count', labels);
    expect(batches).toBeGreaterThanOrEqual(values.length / 500);
    expect(sampleValue(families, 'streamlearn_batch_records_sum', labels)).toBe(values.length);
    expect(sampleValue(families, 'streamlearn_batch_learn_seconds_count', labels)).toBe(batches);
    expect(sampleValue(families, 'streamlearn_batch_learn_seconds_sum', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'streamlearn_records_per_second', labels)).toBeGreaterThan(0);
    expect(families.get('streamlearn_records_total')?.type).toBe('counter');
    expect(families.get('streamlearn_batch_learn_seconds')?.type).toBe('histogram');
    // prom-client's process metrics: CPU, memory, event-loop delay.
    expect(sampleValue(families, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');

    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
  });

  it('of serving count requests by outcome, answer latency and the model version served', async () => {
    const brokers = testBrokers();
    const topology = ctrLogistic({ prefix: `${uniqueName('prom-serve')}.` });
    const { input, outputs } = topology.config;
    await ensureTopics({ brokers }, [{ topic: input.topic }]);
    await produce(brokers, input.topic, take(ctrEventStream({ functionBefore: 2 }), 3000));
    const trained = await (await runTopology(topology, { brokers, until: (p) => p.records >= 3000 })).done;

    const requestsTopic = `${outputs.modelTopic}.requests`;
    const observer = createServingMetrics({ registry: server.registry, model: topology.modelId });
    const serving = await runServing({
      brokers,
      modelTopic: outputs.modelTopic,
      modelId: topology.modelId,
      requestsTopic,
      predictionsTopic: `${outputs.modelTopic}.predictions`,
      deadLetterTopic: `${outputs.modelTopic}.requests-dlq`,
      observer,
    });
    const requests = take(ctrEventStream({ seed: 5, functionBefore: 2 }), 120).map((event, i) => ({ ...event, requestId: `r${i}` }));
    await produce(brokers, requestsTopic, [...requests, { age: 'age3' }, 'not json']);
    const model = { model: topology.modelId };
    let families = await scrape(server);
    for (let waited = 0; sumOf(families, 'streamlearn_serving_requests_total', model) < requests.length + 2 && waited < 30_000; waited += 100) {
      await sleep(100);
      families = await scrape(server);
    }
    await serving.stop();

    expect(sampleValue(families, 'streamlearn_serving_requests_total', { ...model, outcome: 'answered' })).toBe(requests.length);
    expect(sampleValue(families, 'streamlearn_serving_requests_total', { ...model, outcome: 'dead_lettered' })).toBe(2);
    expect(sampleValue(families, 'streamlearn_serving_dead_letters_total', { ...model, code: 'SCHEMA' })).toBe(1);
    expect(sampleValue(families, 'streamlearn_serving_dead_letters_total', { ...model, code: 'MALFORMED' })).toBe(1);
    expect(sampleValue(families, 'streamlearn_serving_answer_latency_seconds_count', model)).toBe(requests.length);
    expect(sampleValue(families, 'streamlearn_serving_answer_latency_seconds_sum', model)).toBeGreaterThan(0);
    expect(sampleValue(families, 'streamlearn_serving_model_version', model)).toBe(trained.versions[topology.modelId]);
    expect(sampleValue(families, 'streamlearn_serving_requests_per_second', model)).toBeGreaterThan(0);
  });
});
