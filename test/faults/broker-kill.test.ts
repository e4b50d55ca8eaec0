import { createRandom } from '../../src/random';
import { expectTrainerRidesThrough } from './support/broker-faults';
import { startFaultBroker, type FaultBroker } from './support/fault-broker';
import { buildCli, sleep } from './support/trainer';

/**
 * Issue 11 asks for 10 broker kills during a 500k-event stream. Scaled for CI: 10 kills, each in the
 * middle of a 15k-event burst (150k events), with the trainer checkpointing every 10,000 records or 5 s (default), so every
 * kill lands while the model has learned past its last commit: the case that used to learn records twice.
 */
const KILLS = 10;

describe('the broker killed with SIGKILL and restarted on the same data, 10 times during a stream', () => {
  let broker: FaultBroker;
  beforeAll(async () => {
    await buildCli();
    broker = await startFaultBroker();
  }, 600_000);
  afterAll(() => broker?.stop());

  it('ends with the uninterrupted run’s model: every event learned once, none lost, the trainer never down', async () => {
    const rng = createRandom(7);
    const outages: number[] = [];
    await expectTrainerRidesThrough(broker, {
      name: 'broker kill',
      seed: 11,
      faults: KILLS,
      burst: 15_000,
      async inject(killed) {
        await sleep(200 + rng.next() * 800);
        const killedAt = Date.now();
        await killed.kill();
        await sleep(1000 + Math.floor(rng.next() * 4000));
        await killed.restart();
        // Down from the kill until the restarted broker answers again (JVM start and log recovery included).
        outages.push(Date.now() - killedAt);
      },
    });
    process.stderr.write(
      `broker kills: ${KILLS}, broker unreachable for ${outages.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s, all events learned once\n`,
    );
  }, 900_000);
});
