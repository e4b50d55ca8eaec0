import { createJsonCodec } from '../../connectors/codecs/json';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { randomRbfStream } from '../../src/datasets/tree-streams';
import { createAccuracy } from '../../src/evaluation';
import { createVectorAssembler, pipeline } from '../../src/features';
import { createARFClassifier } from '../../src/trees';
import { readyMadeTopology, type Topology } from '../../src/topology/topology';
import { produceAll } from '../e2e/data';
import { measureTopology, seedModelTopic } from '../e2e/topology-run';
import { perCpuSecond, perSecond } from '../io/measure';
import { deleteTopics, messageCount } from '../io/topics';
import type { BenchTable } from '../report';

const FIELDS = Array.from({ length: 10 }, (_, i) => `x${i}`);

/** RandomRBF with moving centroids (the rbf-drift workload) as JSON events x0..x9, label, one per message. */
function* rbfJson(records: number, seed: number): Generator<Buffer> {
  const stream = randomRbfStream({ seed, numCentroids: 50, driftCentroids: 50, speed: 0.001 });
  for (let i = 0; i < records; i++) {
    const { x, y } = stream.next().value as { x: Float64Array; y: number };
    const event: Record<string, number> = { label: y };
    FIELDS.forEach((name, j) => (event[name] = x[j]));
    yield Buffer.from(JSON.stringify(event));
  }
}

/** ARF(10) on 10 numeric fields: JSON → vector assembler → ARFClassifier, test-then-train, checkpoints every second. */
function arfTopology(prefix: string): Topology {
  return readyMadeTopology(
    'arf-rbf',
    { prefix, checkpoint: { everyRecords: Infinity, everyMs: 1000 } },
    {
      description: '10 numeric fields → adaptive random forest (10 trees)',
      codec: createJsonCodec(),
      label: 'label',
      model: () =>
        pipeline(
          createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }),
          createARFClassifier({ numFeatures: FIELDS.length, numClasses: 2, numModels: 10, seed: 1 }),
        ),
      metrics: () => ({ accuracy: createAccuracy() }),
    },
  );
}

/**
 * The "ARF with 10 trees trains inside a Kafka topology at ≥ 20k events/s per core on 10 numeric
 * features": `records` JSON events on the local broker (started if none runs), learned by runTopology from
 * the earliest offset, `repeats` times; events per CPU-second of this process (the trainer; the broker is
 * another process) and per wall second, the fastest pass counting.
 */
export async function measureArfTopology(records: number, repeats: number, seed: number, log: (line: string) => void): Promise<BenchTable> {
  const broker = await resolveBroker({ log });
  const topology = arfTopology(`bench-trees-${Date.now().toString(36)}-`);
  const { input, outputs } = topology.config;
  const rows: Array<Record<string, string | number>> = [];
  try {
    await ensureTopics({ brokers: broker.brokers }, [{ topic: input.topic, partitions: 1 }]);
    await produceAll(broker.brokers, input.topic, rbfJson(records, seed));
    const stored = await messageCount(broker.brokers, input.topic);
    if (stored !== records) throw new Error(`${input.topic} holds ${stored} messages, ${records} were produced`);
    await seedModelTopic(broker.brokers, topology);
    for (let pass = 0; pass < repeats; pass++) {
      const run = await measureTopology(topology, broker.brokers, records);
      const m = run.measurement;
      log(`  runTopology ARF(10): ${Math.round(perSecond(m))} events/s, ${Math.round(perCpuSecond(m))} events/CPU-s, ${run.versions} checkpoints`);
      rows.push({
        pass: pass + 1,
        records: m.records,
        'events/s': Math.round(perSecond(m)),
        'events/CPU-s': Math.round(perCpuSecond(m)),
        checkpoints: run.versions,
      });
    }
  } finally {
    const topics = [input.topic, outputs.modelTopic, outputs.deadLetterTopic, ...(outputs.metricsTopic ? [outputs.metricsTopic] : [])];
    await deleteTopics(broker.brokers, topics).catch((err: unknown) => log(`could not delete the benchmark topics: ${String(err)}`));
    await broker.stop();
  }
  const best = Math.max(...rows.map((r) => r['events/CPU-s'] as number));
  return {
    title: `ARF(10) inside a Kafka topology (runTopology, JSON, 10 numeric features, RandomRBF with drift; target ≥ 20k events per CPU-second: ${best >= 20_000 ? 'met' : 'missed'})`,
    columns: ['pass', 'records', 'events/s', 'events/CPU-s', 'checkpoints'],
    rows,
  };
}
