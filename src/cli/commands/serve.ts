import { createServingMetrics } from '../../observability/serving-metrics';
import { runServing } from '../../serving/run-serving';
import { loadTopology } from '../../topology/load-topology';
import { brokersFor } from '../brokers';
import { untilSignal } from '../follow';
import { brokerOption, stringOption, UsageError, type Command } from '../command';
import { metricsOptions, metricsServerFor } from '../metrics-option';

/**
 * Serves a topology's newest model: answers JSON requests `{ requestId, ...features }` from
 * `<topology>.requests` on `<topology>.answers`, hot-swapping versions as checkpoints arrive.
 */
export const serve: Command = {
  name: 'serve',
  usage: 'streamlearn serve <topology> [--prefix P] [--requests T] [--answers T] [--brokers B] [--metrics-port N [--metrics-host H]]',
  summary: "answer prediction requests with a topology's newest model version (default topics <topology>.requests → .answers)",
  options: { ...brokerOption, prefix: { type: 'string' }, requests: { type: 'string' }, answers: { type: 'string' }, ...metricsOptions },
  async run(args) {
    const name = args.positionals[0];
    if (!name) throw new UsageError('name a topology, e.g. ctr-logistic');
    const topology = loadTopology(name, { prefix: stringOption(args, 'prefix') });
    const base = topology.config.name;
    const requestsTopic = stringOption(args, 'requests') ?? `${base}.requests`;
    const predictionsTopic = stringOption(args, 'answers') ?? `${base}.answers`;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const broker = await brokersFor(args);
    const metrics = await metricsServerFor(args, log);
    try {
      log(`waiting for a first version of ${topology.modelId} on ${topology.config.outputs.modelTopic}`);
      const serving = await runServing({
        ...broker.connection,
        modelTopic: topology.config.outputs.modelTopic,
        modelId: topology.modelId,
        requestsTopic,
        predictionsTopic,
        deadLetterTopic: `${requestsTopic}-dlq`,
        observer: metrics && createServingMetrics({ registry: metrics.registry, model: topology.modelId }),
      });
      log(`serving ${topology.modelId} v${serving.version()}: ${requestsTopic} → ${predictionsTopic} (Ctrl-C to stop)`);
      await untilSignal();
      await serving.stop();
      log(`stopped after ${serving.answered()} answers`);
    } finally {
      await metrics?.close();
      await broker.stop();
    }
  },
};
