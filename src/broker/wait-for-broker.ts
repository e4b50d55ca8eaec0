import type { KafkaConnection } from '../../connectors/kafka/connection';
import { probeBrokers } from '../../connectors/kafka/probe';

/** Resolves with the cluster id once the broker answers; a broker process just started may need a minute. */
export function waitForBroker(connection: KafkaConnection, timeoutMs = 60_000, isAlive: () => boolean = () => true): Promise<string> {
  return probeBrokers(connection, { timeoutMs, isAlive });
}
