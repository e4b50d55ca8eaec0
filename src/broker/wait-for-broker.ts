import { createKafkaClient, type KafkaConnection } from '../../connectors/kafka/client';
import { BrokerError, errorMessage } from '../errors';

/** Resolves once a kafkajs admin `describeCluster()` succeeds: the port alone opens before the group coordinator. */
export async function waitForBroker(connection: KafkaConnection, timeoutMs = 60_000, isAlive: () => boolean = () => true): Promise<void> {
  const brokers = connection.brokers;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new BrokerError(`the broker process at ${brokers.join(',')} exited before it was ready`);
    const admin = createKafkaClient({ ...connection, clientId: 'streamlearn-probe', kafkaJs: { retry: { retries: 0 }, connectionTimeout: 1000 } }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  throw new BrokerError(`no Kafka broker answered at ${brokers.join(',')} within ${timeoutMs} ms: ${errorMessage(lastError)}`, { retriable: true });
}
