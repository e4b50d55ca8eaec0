import { ensureTopics } from '../../../connectors/kafka/topics';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { produce, take } from '../../integration/topology/support';
import { uniqueName } from '../../support/kafka';
import type { FaultBroker } from './fault-broker';
import { exited, expectLearnedOnce, isRunning, startTrainer, waitForCheckpointAt } from './trainer';

export interface BrokerFaultScenario {
  /** Names the topics (`<name>-<unique>.`) and the fault in errors, e.g. "broker kill". */
  name: string;
  /** Seed of the Friedman stream. */
  seed: number;
  /** How many faults, each in the middle of its own burst of `burst` events. */
  faults: number;
  burst: number;
  /** Injects fault `index` (0-based) into the broker, after its burst was produced; returns when the broker is back. */
  inject(broker: FaultBroker, index: number): Promise<void>;
}

/**
 * The broker-fault scenarios (kill, network cut) share one shape: a `regression-sgd` trainer (a child
 * process of the compiled CLI) learns a Friedman stream produced in bursts, a fault hits the broker in
 * the middle of each burst, and the trainer must ride through all of them. It then asserts that nothing
 * was lost and nothing learned twice: the final checkpoint covers every offset, `examplesSeen` equals the
 * events produced, and the model equals an uninterrupted run's bit for bit; SIGTERM then exits 0.
 */
export async function expectTrainerRidesThrough(broker: FaultBroker, scenario: BrokerFaultScenario): Promise<void> {
  const { brokers } = broker;
  const total = scenario.faults * scenario.burst;
  const prefix = `${uniqueName(scenario.name.replace(/\W/g, ''))}.`;
  const topology = regressionSgd({ prefix });
  const { topic } = topology.config.input;
  const events = take(friedmanStream({ seed: scenario.seed }), total) as unknown as Row[];
  await ensureTopics({ brokers }, [{ topic }]);

  const trainer = startTrainer(['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix]);
  for (let index = 0; index < scenario.faults; index++) {
    await produce(brokers, topic, events.slice(index * scenario.burst, (index + 1) * scenario.burst));
    await scenario.inject(broker, index);
    if (!isRunning(trainer)) throw new Error(`the trainer exited (${trainer.exitCode}) after ${scenario.name} ${index + 1}:\n${trainer.log().slice(-3000)}`);
  }

  const final = await waitForCheckpointAt(brokers, topology.config.outputs.modelTopic, topology.modelId, total, 300_000);
  trainer.kill('SIGTERM');
  expect(await exited(trainer)).toBe(0);
  expectLearnedOnce({ manifest: final!.manifest, arrays: final!.state.arrays }, topology, total, events);
}
