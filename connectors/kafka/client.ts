import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export interface KafkaClientConfig {
  brokers: string[];
  clientId?: string;
  /** Overrides for kafkajs; ours stay behind the source/sink interfaces. */
  kafkaJs?: Omit<KafkaConfig, 'brokers' | 'clientId'>;
}

/**
 * The single place a kafkajs client is built. kafkajs logs every retriable protocol error at ERROR level
 * (for example "coordinator is loading" on a fresh broker) although it retries them itself and throws what
 * is fatal, so its logger is quiet unless `STREAMLEARN_KAFKA_LOG` asks for more.
 */
export function createKafkaClient({ brokers, clientId = 'streamlearn', kafkaJs = {} }: KafkaClientConfig): Kafka {
  if (brokers.length === 0) throw new Error('createKafkaClient: brokers must name at least one host:port');
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const level = LOG_LEVELS[(process.env.STREAMLEARN_KAFKA_LOG ?? 'nothing').toLowerCase()] ?? logLevel.NOTHING;
  return new Kafka({ brokers, clientId, logLevel: level, ...kafkaJs });
}
