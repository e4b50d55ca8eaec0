import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { validateConnection, type KafkaConnection } from './connection';

export type { KafkaConnection, SaslCredentials, SaslMechanism } from './connection';

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export interface KafkaClientConfig extends KafkaConnection {
  clientId?: string;
  /** Overrides for kafkajs; ours stay behind the source/sink interfaces. */
  kafkaJs?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'>;
}

/**
 * The single place a kafkajs client is built, from a validated `KafkaConnection` (brokers, TLS, SASL).
 * kafkajs logs every retriable protocol error at ERROR level (for example "coordinator is loading" on a
 * fresh broker) although it retries them itself and throws what is fatal, so its logger is quiet unless
 * `STREAMLEARN_KAFKA_LOG` asks for more.
 */
export function createKafkaClient({ clientId = 'streamlearn', kafkaJs = {}, ...connection }: KafkaClientConfig): Kafka {
  const { brokers, ssl, sasl } = validateConnection('createKafkaClient', connection);
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const level = LOG_LEVELS[(process.env.STREAMLEARN_KAFKA_LOG ?? 'nothing').toLowerCase()] ?? logLevel.NOTHING;
  return new Kafka({ brokers, clientId, logLevel: level, ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }), ...kafkaJs });
}
