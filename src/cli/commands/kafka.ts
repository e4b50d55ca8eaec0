import { loadBrokerRecord, localBrokerHome, saveBrokerRecord, stopRecordedBroker } from '../../broker/broker-record';
import { startLocalKafka } from '../../broker/local-kafka';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { probeBrokers } from '../../../connectors/kafka/probe';
import { integerOption, type Command } from '../command';

export const kafkaStart: Command = {
  name: 'kafka start',
  usage: 'streamlearn kafka start [--port N] [--fresh]',
  summary: 'start a local Kafka 3.9.1 (KRaft) broker as a background JVM; later commands use it; its data survives stop/start (--fresh: start empty)',
  options: { port: { type: 'string', short: 'p' }, fresh: { type: 'boolean' } },
  async run(args) {
    const running = loadBrokerRecord();
    if (running?.alive) {
      if (args.values.fresh === true)
        throw new Error(`a broker started by streamlearn is running (pid ${running.pid}); run \`streamlearn kafka stop\` before \`kafka start --fresh\``);
      process.stdout.write(`${running.brokers.join(',')}\n`);
      process.stderr.write(`a broker started by streamlearn is already running (pid ${running.pid})\n`);
      return;
    }
    const fresh = args.values.fresh === true;
    const broker = await startLocalKafka({ port: integerOption(args, 'port', 9092), detached: true, home: localBrokerHome(), fresh });
    saveBrokerRecord({
      brokers: broker.brokers,
      pid: broker.pid,
      clusterId: broker.clusterId,
      home: broker.home,
      dataDir: broker.dataDir,
      logFile: broker.logFile,
      startedAt: new Date().toISOString(),
    });
    process.stdout.write(`${broker.brokers.join(',')}\n`);
    process.stderr.write(
      `broker pid ${broker.pid}, cluster ${broker.clusterId}, data in ${broker.dataDir}${fresh ? ' (new)' : ''}, log ${broker.logFile}\n` +
        'streamlearn commands use it by default (unless --brokers or KAFKA_BROKERS say otherwise) until `streamlearn kafka stop`\n',
    );
  },
};

export const kafkaStatus: Command = {
  name: 'kafka status',
  usage: 'streamlearn kafka status',
  summary: 'say whether the broker started by `kafka start` is up, with its cluster id and topics',
  options: {},
  async run() {
    const record = loadBrokerRecord();
    if (!record?.alive) {
      process.stdout.write(record ? `not running (the broker started at ${record.startedAt}, pid ${record.pid}, has exited)\n` : 'not running\n');
      process.exitCode = 1;
      return;
    }
    const connection = { brokers: record.brokers };
    const clusterId = await probeBrokers(connection);
    if (clusterId !== record.clusterId)
      throw new Error(`the broker answering at ${record.brokers.join(',')} is cluster ${clusterId}, not the one streamlearn started (${record.clusterId})`);
    const admin = createKafkaClient(connection).admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      process.stdout.write(
        `running: ${record.brokers.join(',')} (pid ${record.pid}, cluster ${clusterId}, ${topics.filter((t) => !t.startsWith('__')).length} topics, since ${record.startedAt})\n`,
      );
    } finally {
      await admin.disconnect();
    }
  },
};

export const kafkaStop: Command = {
  name: 'kafka stop',
  usage: 'streamlearn kafka stop',
  summary: 'stop the broker started by `kafka start` (only that process); its data is kept for the next `kafka start`',
  options: {},
  async run() {
    const stopped = await stopRecordedBroker();
    if (!stopped) {
      process.stdout.write('no broker was started by streamlearn\n');
      return;
    }
    const { record, wasRunning } = stopped;
    process.stdout.write(
      wasRunning
        ? `stopped ${record.brokers.join(',')} (pid ${record.pid}); data kept in ${record.dataDir} (\`kafka start --fresh\` starts empty)\n`
        : `the broker started by streamlearn (pid ${record.pid}) was not running; nothing to stop\n`,
    );
  },
};
