import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ServingObserver } from '../serving/run-serving';
import { createRateWindow } from './rate-window';

/** Answer latency from the request's Kafka timestamp to the answer's acknowledgement: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServingMetricsConfig {
  registry: Registry;
  /** The `model` label: the model id being served. */
  model: string;
  rateWindowMs?: number;
}

/** The Prometheus metrics of a serving process (see docs/observability.md), fed as its observer. */
export function createServingMetrics({ registry, model, rateWindowMs = 10_000 }: ServingMetricsConfig): ServingObserver {
  const registers = [registry];
  const rate = createRateWindow(rateWindowMs);
  const requests = new Counter({
    name: 'streamlearn_serving_requests_total',
    help: 'Requests by outcome: answered, or dead_lettered.',
    labelNames: ['model', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'streamlearn_serving_dead_letters_total',
    help: 'Requests written to the dead-letter topic, by x-error-code.',
    labelNames: ['model', 'code'],
    registers,
  });
  new Gauge({
    name: 'streamlearn_serving_requests_per_second',
    help: `Requests handled per second over the last ${rateWindowMs / 1000} s.`,
    labelNames: ['model'],
    registers,
    collect() {
      this.set({ model }, rate.perSecond());
    },
  });
  const latency = new Histogram({
    name: 'streamlearn_serving_answer_latency_seconds',
    help: "From the request's Kafka timestamp to its answer being acknowledged.",
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const version = new Gauge({
    name: 'streamlearn_serving_model_version',
    help: 'Version of the model that answered the latest requests.',
    labelNames: ['model'],
    registers,
  });
  return {
    answered(latenciesMs, modelVersion) {
      requests.inc({ model, outcome: 'answered' }, latenciesMs.length);
      rate.add(latenciesMs.length);
      for (const ms of latenciesMs) latency.observe({ model }, Math.max(0, ms) / 1000);
      version.set({ model }, modelVersion);
    },
    deadLettered(code) {
      requests.inc({ model, outcome: 'dead_lettered' });
      rate.add(1);
      deadLetters.inc({ model, code });
    },
  };
}
