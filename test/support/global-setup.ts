import { resolveBroker } from '../../src/broker/resolve-broker';

/** One broker for the whole integration project; workers inherit KAFKA_BROKERS from this process. */
export default async function globalSetup(): Promise<void> {
  const broker = await resolveBroker({ log: (line) => process.stderr.write(`[kafka] ${line}\n`) });
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  (globalThis as { __streamlearnBroker__?: typeof broker }).__streamlearnBroker__ = broker;
}
