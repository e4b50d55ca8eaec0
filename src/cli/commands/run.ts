import { watchBrokers } from '../../../connectors/kafka/broker-watch';
import { loadTopology } from '../../topology/load-topology';
import { runTopology, type TopologyProgress } from '../../topology/run-topology';
import { brokersFor } from '../brokers';
import { brokerOption, integerOption, stringOption, UsageError, type Command } from '../command';
import { createTopologyMetrics } from '../../observability/topology-metrics';
import { metricsOptions, metricsServerFor } from '../metrics-option';
import { createProgressPrinter, progressLine } from '../progress-line';
import { signingKeyOption, signingKeyPath, verifyKeyOption, verifyKeyPath } from '../signing-options';

export const run: Command = {
  name: 'run',
  usage:
    'streamlearn run <topology> [--brokers B] [--from-beginning] [--prefix P] [--checkpoint-every N] [--checkpoint-min-interval MS] [--partitions N] [--mix-every-ms N] [--mix-every-records N] [--metrics-port N [--metrics-host H]] [--signing-key PEM] [--verify-key PEM]',
  summary:
    'train a topology (built-in name or module path) on its Kafka topic, publishing checkpoints. To train one shared model with several ' +
    'processes, run this N times (any machines, a topic of ≥ N partitions) with --mix-every-ms and/or --mix-every-records: the workers ' +
    'split the partitions and their models are merged on that cadence (docs/scale-out.md)',
  options: {
    ...brokerOption,
    ...signingKeyOption,
    ...verifyKeyOption,
    'from-beginning': { type: 'boolean' },
    prefix: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'checkpoint-min-interval': { type: 'string' },
    'mix-every-ms': { type: 'string' },
    'mix-every-records': { type: 'string' },
    partitions: { type: 'string' },
    ...metricsOptions,
  },
  async run(args) {
    const name = args.positionals[0];
    if (!name) throw new UsageError('name a topology, e.g. ctr-logistic');
    const everyRecords = integerOption(args, 'checkpoint-every');
    // A count alone follows the record rate (1M records/s at every 20k = 50 checkpoints/s): this puts a floor under the interval.
    const minIntervalMs = integerOption(args, 'checkpoint-min-interval');
    // Only for creating a missing input topic: an existing one is used with the partitions it has.
    const partitions = integerOption(args, 'partitions');
    if (partitions === 0) throw new UsageError('--partitions must be at least 1');
    const where = { prefix: stringOption(args, 'prefix'), ...(partitions === undefined ? {} : { partitions }) };
    const own = loadTopology(name, where);
    // --checkpoint-every N replaces the topology's cadence with a count alone; the floor keeps whichever cadence applies.
    const topology =
      everyRecords === undefined && minIntervalMs === undefined
        ? own
        : loadTopology(name, {
            ...where,
            checkpoint: {
              everyRecords: everyRecords ?? own.checkpointEveryRecords,
              everyMs: everyRecords === undefined ? own.checkpointEveryMs : Infinity,
              minIntervalMs: minIntervalMs ?? own.checkpointMinIntervalMs,
            },
          });
    const mixEveryMs = integerOption(args, 'mix-every-ms');
    const mixEveryRecords = integerOption(args, 'mix-every-records');
    if (mixEveryMs === 0 || mixEveryRecords === 0) throw new UsageError('--mix-every-ms and --mix-every-records must be at least 1');
    const mix = mixEveryMs === undefined && mixEveryRecords === undefined ? undefined : { everyMs: mixEveryMs, everyRecords: mixEveryRecords };
    const broker = await brokersFor(args);
    const metrics = await metricsServerFor(args, (line) => process.stderr.write(`${line}\n`));
    const observer = metrics && createTopologyMetrics({ registry: metrics.registry, topology: topology.config.name });
    const printer = createProgressPrinter();
    const running = await runTopology(topology, {
      ...broker.connection,
      fromBeginning: args.values['from-beginning'] === true,
      observer,
      signingKey: signingKeyPath(args),
      verifyKey: verifyKeyPath(args),
      onHandover: ({ modelId, change, version }) => printer.log(change === 'taken' ? `took ${modelId} from v${version}` : `gave up ${modelId} at v${version}`),
      mix,
      log: (line) => printer.log(line),
    }).catch(async (err: unknown) => {
      await metrics?.close();
      throw err;
    });
    for (const [id, version] of Object.entries(running.restored)) process.stderr.write(`restored ${id} v${version}\n`);
    let latest: TopologyProgress | undefined;
    const show = (force = false) => latest && printer.update(progressLine(latest, Date.now(), watch.unreachableSince()), force);
    // While the broker is down no step arrives: the watch says so once per interval, and the progress line too.
    const watch = watchBrokers(broker.connection, {
      log: (line) => {
        printer.log(`[kafka] ${line}`);
        show(true);
      },
    });
    // A failure ends `done` too, which reports it once: the subscription must not rethrow it.
    running.steps.subscribe({
      next: (step) => {
        latest = step.progress;
        show();
      },
      error: () => undefined,
    });

    // SIGTERM/SIGINT: finish the batch in hand, checkpoint, commit, exit 0.
    const stop = () => void running.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const progress = await running.done;
      printer.update(progressLine(progress), true);
      printer.done();
      process.stderr.write(
        `stopped: ${Object.entries(progress.versions)
          .map(([id, v]) => `${id} v${v}`)
          .join(', ')} published\n`,
      );
    } finally {
      watch.stop();
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      await metrics?.close();
      await broker.stop();
    }
  },
};
