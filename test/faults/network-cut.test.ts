import { ensureTopics } from '../../connectors/kafka/topics';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { regressionSgd } from '../../topologies/regression-sgd';
import { produce, take } from '../integration/topology/support';
import { uniqueName } from '../support/kafka';
import { startFaultBroker, type FaultBroker } from './support/fault-broker';
import { buildCli, exited, expectSameState, isRunning, sleep, startTrainer, waitForCheckpointAt } from './support/trainer';

/**
 * The network cut: the broker frozen with SIGSTOP for 15 s, longer than the trainer's 10 s session
 * timeout, then thawed with SIGCONT; three times, each in the middle of a 15k-event burst. To the trainer
 * the broker is silent, not gone: requests hang until they time out, and the group's session expires.
 */
const CUTS = 3;
const BURST = 15_000;
const EVENTS = CUTS * BURST;
const CUT_MS = 15_000;

describe('the network cut by SIGSTOP of the broker for longer than the session timeout, then SIGCONT', () => {
  let broker: FaultBroker;
  beforeAll(async () => {
    await buildCli();
    broker = await startFaultBroker();
  }, 600_000);
  afterAll(() => broker?.stop());

  it('resumes and ends with the uninterrupted run’s model', async () => {
    const brokers = broker.brokers;
    const prefix = `${uniqueName('netcut')}.`;
    const topology = regressionSgd({ prefix });
    const { topic } = topology.config.input;
    const events = take(friedmanStream({ seed: 17 }), EVENTS) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic }]);

    const trainer = startTrainer(['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix]);
    for (let cut = 0; cut < CUTS; cut++) {
      await produce(brokers, topic, events.slice(cut * BURST, (cut + 1) * BURST));
      await sleep(500);
      broker.pause();
      await sleep(CUT_MS);
      broker.resume();
      if (!isRunning(trainer)) throw new Error(`the trainer exited (${trainer.exitCode}) after network cut ${cut + 1}:\n${trainer.log().slice(-3000)}`);
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
  }, 900_000);
});
