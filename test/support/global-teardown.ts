import type { ResolvedBroker } from '../../src/broker/resolve-broker';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __streamlearnBroker__?: ResolvedBroker }).__streamlearnBroker__?.stop();
}
