import { existsSync } from 'node:fs';
import { BrokerError } from '../errors';
import { freePort } from './free-port';
import { waitForBroker } from './wait-for-broker';

export const KAFKA_IMAGE = 'apache/kafka:3.9.1';

/** testcontainers is an optional dependency (the developer kit's broker launcher): a library user need not install it. */
async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  try {
    return await import('testcontainers');
  } catch (err) {
    throw new BrokerError('starting Kafka in a container needs the optional dependency testcontainers: npm install testcontainers', { cause: err });
  }
}

/** Cheap check first: without DOCKER_HOST or a socket, testcontainers would spend seconds probing. */
export async function dockerAnswers(): Promise<boolean> {
  const socket = ['/var/run/docker.sock', `${process.env.HOME ?? ''}/.docker/run/docker.sock`].some((path) => existsSync(path));
  if (!process.env.DOCKER_HOST && !socket) return false;
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the official Apache Kafka image in KRaft mode. @testcontainers/kafka 11.x only drives Confluent
 * images (it runs /etc/confluent/docker/run), so the Apache image is run as a generic container. The host
 * port is fixed before start because the broker must advertise the address clients will dial.
 */
export async function startContainerKafka(): Promise<{ brokers: string[]; stop(): Promise<void> }> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await loadTestcontainers();
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const port = await freePort();
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  const brokers = [`${host}:${port}`];
  await waitForBroker({ brokers });
  return { brokers, stop: async () => void (await container.stop()) };
}
