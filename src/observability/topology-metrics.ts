import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TopologyObserver } from '../topology/observer';
import { createRateWindow } from './rate-window';

/** Micro-batch sizes: from a trickle of one record to the default cap of 1,000 and beyond. */
const BATCH_RECORD_BUCKETS = [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
/** Learn time per batch and publish time per checkpoint, in seconds: 0.5 ms to 10 s. */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Prometheus label values for a metric name: its characters are kept as they are (label values are free text). */
export interface TopologyMetricsConfig {
  registry: Registry;
  /** The `topology` label of every series. */
  topology: string;
  /** Window of the records/s gauge. */
  rateWindowMs?: number;
}

/**
 * The Prometheus metrics of one running topology, fed by the runtime as its observer. Names follow the
 * Prometheus conventions: `_total` counters, base units (`_seconds`, `_bytes`), one metric per meaning with
 * labels for the parts (learned and dead-lettered are `outcome`s of `streamlearn_records_total`).
 */
export function createTopologyMetrics({ registry, topology, rateWindowMs = 10_000 }: TopologyMetricsConfig): TopologyObserver {
  const registers = [registry];
  const rate = createRateWindow(rateWindowMs);
  const consumed = new Counter({
    name: 'streamlearn_records_consumed_total',
    help: 'Records read from the input topic (learned plus dead-lettered).',
    labelNames: ['topology', 'partition'],
    registers,
  });
  const records = new Counter({
    name: 'streamlearn_records_total',
    help: 'Records by outcome: learned, or dead_lettered.',
    labelNames: ['topology', 'partition', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'streamlearn_dead_letters_total',
    help: 'Records written to the dead-letter topic, by x-error-code.',
    labelNames: ['topology', 'code'],
    registers,
  });
  new Gauge({
    name: 'streamlearn_records_per_second',
    help: `Records consumed per second over the last ${rateWindowMs / 1000} s.`,
    labelNames: ['topology'],
    registers,
    collect() {
      this.set({ topology }, rate.perSecond());
    },
  });
  const lag = new Gauge({
    name: 'streamlearn_consumer_lag',
    help: 'Records behind the high watermark after the latest batch of the partition.',
    labelNames: ['topology', 'topic', 'partition'],
    registers,
  });
  const batchRecords = new Histogram({
    name: 'streamlearn_batch_records',
    help: 'Records per micro-batch.',
    labelNames: ['topology'],
    buckets: BATCH_RECORD_BUCKETS,
    registers,
  });
  const learnSeconds = new Histogram({
    name: 'streamlearn_batch_learn_seconds',
    help: 'Time to vet, test-then-train and publish the predictions of one micro-batch.',
    labelNames: ['topology'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const publishSeconds = new Histogram({
    name: 'streamlearn_checkpoint_publish_seconds',
    help: 'Time to publish a checkpoint until every record is acknowledged.',
    labelNames: ['topology'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const checkpointBytes = new Gauge({
    name: 'streamlearn_checkpoint_size_bytes',
    help: 'Payload size of the latest checkpoint.',
    labelNames: ['topology', 'model'],
    registers,
  });
  const checkpoints = new Counter({ name: 'streamlearn_checkpoints_total', help: 'Checkpoints published.', labelNames: ['topology', 'model'], registers });
  const version = new Gauge({
    name: 'streamlearn_model_version',
    help: 'Version of the latest checkpoint published (or restored) of the model.',
    labelNames: ['topology', 'model'],
    registers,
  });
  const examples = new Gauge({
    name: 'streamlearn_model_examples_seen',
    help: 'Examples the model has learned.',
    labelNames: ['topology', 'model'],
    registers,
  });
  const metric = new Gauge({
    name: 'streamlearn_model_metric',
    help: 'Prequential (test-then-train) metric of the model, by metric name.',
    labelNames: ['topology', 'model', 'metric'],
    registers,
  });

  return {
    batchLearned({ batch, slot, learned, deadLettered, replayed, metrics, learnMs }) {
      const partition = String(batch.partition);
      // Events, not messages: an Arrow message holds many.
      const total = learned + deadLettered + replayed;
      consumed.inc({ topology, partition }, total);
      records.inc({ topology, partition, outcome: 'learned' }, learned);
      records.inc({ topology, partition, outcome: 'dead_lettered' }, deadLettered);
      rate.add(total);
      lag.set({ topology, topic: batch.topic, partition }, batch.lag);
      batchRecords.observe({ topology }, total);
      learnSeconds.observe({ topology }, learnMs / 1000);
      version.set({ topology, model: slot.modelId }, slot.version);
      examples.set({ topology, model: slot.modelId }, slot.examplesSeen);
      // A metric without a value yet (NaN) is left out rather than exported as NaN.
      for (const [name, value] of Object.entries(metrics)) if (Number.isFinite(value)) metric.set({ topology, model: slot.modelId, metric: name }, value);
    },
    deadLettered(code) {
      deadLetters.inc({ topology, code });
    },
    checkpointPublished(manifest, publishMs) {
      publishSeconds.observe({ topology }, publishMs / 1000);
      checkpointBytes.set({ topology, model: manifest.modelId }, manifest.payloadBytes);
      checkpoints.inc({ topology, model: manifest.modelId });
      version.set({ topology, model: manifest.modelId }, manifest.version);
    },
  };
}
