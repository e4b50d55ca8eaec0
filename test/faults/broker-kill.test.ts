import { ensureTopics } from '../../connectors/kafka/topics';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { createRandom } from '../../src/random';
import { regressionSgd } from '../../topologies/regression-sgd';
import { produce, take } from '../integration/topology/support';
import { uniqueName } from '../support/kafka';
import { startFaultBroker, type FaultBroker } from './support/fault-broker';
import { buildCli, exited, expectSameState, isRunning, sleep, startTrainer, waitForCheckpointAt } from './support/trainer';

/**
 * Issue 11 asks for 10 broker kills during a 500k-event stream. Scaled for CI: 10 kills, each in the
 * middle of a 15k-event burst (150k events), with the trainer checkpointing every 10,000 records or 5 s (default), so every
 * kill lands while the model has learned past its last commit: the case that used to learn records twice.
 */
const KILLS = 10;
const BURST = 15_000;
const EVENTS = KILLS * BURST;

describe('the broker killed with SIGKILL and restarted on the same data, 10 times during a stream', () => {
  let broker: FaultBroker;
  beforeAll(async () => {
    await buildCli();
    broker = await startFaultBroker();
  }, 600_000);
  afterAll(() => broker?.stop());

  it('ends with the uninterrupted run’s model: every event learned once, none lost, the trainer never down', async () => {
    const brokers = broker.brokers;
    const prefix = `${uniqueName('brokerkill')}.`;
    const topology = regressionSgd({ prefix });
    const { topic } = topology.config.input;
    const events = take(friedmanStream({ seed: 11 }), EVENTS) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic }]);

    const trainer = startTrainer(['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix]);
    const rng = createRandom(7);
    const outages: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await produce(brokers, topic, events.slice(kill * BURST, (kill + 1) * BURST));
      await sleep(200 + rng.next() * 800);
      const killedAt = Date.now();
      await broker.kill();
      await sleep(1000 + Math.floor(rng.next() * 4000));
      await broker.restart();
      // Down from the kill until the restarted broker answers again (JVM start and log recovery included).
      outages.push(Date.now() - killedAt);
      if (!isRunning(trainer)) throw new Error(`the trainer exited (${trainer.exitCode}) after broker kill ${kill + 1}:\n${trainer.log().slice(-3000)}`);
    }

    const final = await waitForCheckpointAt(brokers, topology.config.outputs.modelTopic, topology.modelId, EVENTS, 300_000);
    trainer.kill('SIGTERM');
    expect(await exited(trainer)).toBe(0);
    expect(final?.manifest.offsets).toEqual([{ topic, partition: 0, offset: String(EVENTS) }]);
    expect(final!.manifest.examplesSeen).toBe(EVENTS);

    const reference = topology.config.model();
    reference.learnMany(
      events,
      Float64Array.from(events, (e) => e.y as number),
    );
    expectSameState(final!.state, reference.state());
    process.stderr.write(
      `broker kills: ${KILLS}, broker unreachable for ${outages.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s, ${EVENTS} events learned once\n`,
    );
  }, 900_000);
});
