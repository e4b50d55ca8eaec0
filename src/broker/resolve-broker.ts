import type { KafkaConnection } from '../../connectors/kafka/connection';
import { dockerAnswers, startContainerKafka } from './container-kafka';
import { startLocalKafka } from './local-kafka';
import { waitForBroker } from './wait-for-broker';

export type BrokerSource = 'env' | 'container' | 'jvm';

export interface ResolvedBroker {
  brokers: string[];
  /** How every client of the command reaches these brokers (security settings included). */
  connection: KafkaConnection;
  source: BrokerSource;
  /** The broker JVM's process id when this call started one (benchmarks read its CPU from /proc). */
  pid?: number;
  /** Stops what this call started; a broker named by KAFKA_BROKERS is left alone. */
  stop(): Promise<void>;
}

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/**
 * The one place that decides where the broker comes from, in this order: `KAFKA_BROKERS`; a
 * testcontainers Kafka when a Docker engine answers; otherwise a local KRaft broker run as a JVM process.
 */
export async function resolveBroker(options: { port?: number; log?: (line: string) => void } = {}): Promise<ResolvedBroker> {
  const log = options.log ?? (() => undefined);
  const fromEnv = brokersFromEnv();
  if (fromEnv) {
    await waitForBroker({ brokers: fromEnv });
    log(`using KAFKA_BROKERS=${fromEnv.join(',')}`);
    return { brokers: fromEnv, connection: { brokers: fromEnv }, source: 'env', stop: async () => undefined };
  }
  if (await dockerAnswers()) {
    log('starting Kafka in a container (testcontainers)');
    const container = await startContainerKafka();
    return { ...container, connection: { brokers: container.brokers }, source: 'container' };
  }
  log('no KAFKA_BROKERS and no Docker engine: starting a local Kafka 3.9.1 (KRaft) JVM');
  const local = await startLocalKafka({ port: options.port ?? 0 });
  return { brokers: local.brokers, connection: { brokers: local.brokers }, source: 'jvm', pid: local.pid, stop: local.stop };
}
