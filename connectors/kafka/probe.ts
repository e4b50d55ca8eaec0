import { BrokerError } from '../../src/errors';
import { createKafkaClient } from './client';
import { DEFAULT_CONNECTION_TIMEOUT_MS, describeConnection, type KafkaConnection } from './connection';
import { explainConnectionFailure, isPermanentConnectionFailure } from './connection-errors';

export interface ProbeOptions {
  /** Default: the connection's `connectionTimeoutMs`, else 10 000. */
  timeoutMs?: number;
  /** Checked between attempts: a broker process that died will not come up, so stop waiting for it. */
  isAlive?: () => boolean;
  /** Names the caller in the error, e.g. "the broker process". */
  what?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves with the cluster id once a broker answers a metadata request (`describeCluster`) over this
 * connection, security included: the port alone opens before the group coordinator. Retries until the
 * deadline, except after a failure no retry can cure (wrong password, untrusted certificate), which is
 * reported at once. Every failure is one line naming the brokers tried.
 */
export async function probeBrokers(connection: KafkaConnection, options: ProbeOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? connection.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const where = describeConnection(connection);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.isAlive && !options.isAlive()) throw new BrokerError(`${options.what ?? 'the broker process'} at ${where} exited before it was ready`);
    const attemptMs = Math.max(500, Math.min(5000, deadline - Date.now()));
    const admin = createKafkaClient({
      ...connection,
      clientId: 'streamlearn-probe',
      kafkaJs: { retry: { retries: 0 }, connectionTimeout: attemptMs, authenticationTimeout: attemptMs, requestTimeout: attemptMs },
    }).admin();
    try {
      await admin.connect();
      return (await admin.describeCluster()).clusterId;
    } catch (err) {
      lastError = err;
      if (isPermanentConnectionFailure(err))
        throw new BrokerError(`cannot connect to Kafka at ${where}: ${explainConnectionFailure(connection, err)}`, { cause: err });
      await pause(250);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  throw new BrokerError(`no Kafka broker answered at ${where} within ${timeoutMs} ms: ${explainConnectionFailure(connection, lastError)}`, {
    retriable: true,
    cause: lastError,
  });
}
