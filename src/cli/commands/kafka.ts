import { createKafkaClient } from '../../../connectors/kafka/client';
import { loadBrokerRecord, saveBrokerRecord, startLocalKafka, stopRecordedBroker } from '../../broker/local-kafka';
import { waitForBroker } from '../../broker/wait-for-broker';
import { integerOption, type Command } from '../command';

export const kafkaStart: Command = {
  name: 'kafka start',
  usage: 'streamlearn kafka start [--port N]',
  summary: 'start a local Kafka 3.9.1 (KRaft) broker as a background JVM and print its bootstrap address',
  options: { port: { type: 'string', short: 'p' } },
  async run(args) {
    const running = loadBrokerRecord();
    if (running?.alive) {
      process.stdout.write(`${running.brokers.join(',')}\n`);
      process.stderr.write(`a broker started by streamlearn is already running (pid ${running.pid})\n`);
      return;
    }
    const broker = await startLocalKafka({ port: integerOption(args, 'port', 9092), detached: true });
    saveBrokerRecord({ brokers: broker.brokers, pid: broker.pid, dataDir: broker.dataDir, logFile: broker.logFile, startedAt: new Date().toISOString() });
    process.stdout.write(`${broker.brokers.join(',')}\n`);
    process.stderr.write(`broker pid ${broker.pid}, log ${broker.logFile}\nuse it with: export KAFKA_BROKERS=${broker.brokers.join(',')}\n`);
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
      process.stdout.write('not running\n');
      process.exitCode = 1;
      return;
    }
    await waitForBroker({ brokers: record.brokers }, 10_000);
    const admin = createKafkaClient({ brokers: record.brokers }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const topics = await admin.listTopics();
      process.stdout.write(
        `running: ${record.brokers.join(',')} (pid ${record.pid}, cluster ${cluster.clusterId}, ` +
          `${topics.filter((t) => !t.startsWith('__')).length} topics, since ${record.startedAt})\n`,
      );
    } finally {
      await admin.disconnect();
    }
  },
};

export const kafkaStop: Command = {
  name: 'kafka stop',
  usage: 'streamlearn kafka stop',
  summary: 'stop the broker started by `kafka start` and delete its data',
  options: {},
  async run() {
    const record = await stopRecordedBroker();
    process.stdout.write(record ? `stopped ${record.brokers.join(',')} (pid ${record.pid})\n` : 'no broker was started by streamlearn\n');
  },
};
