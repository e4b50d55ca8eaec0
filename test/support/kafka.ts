import { randomUUID } from 'node:crypto';
import { brokersFromEnv } from '../../src/broker/resolve-broker';

/** Brokers started by the integration project's global setup. */
export function testBrokers(): string[] {
  const brokers = brokersFromEnv();
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: integration tests run under the jest global setup');
  return brokers;
}

/** A topic (or group) name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
