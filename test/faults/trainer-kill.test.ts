import { ensureTopics } from '../../connectors/kafka/topics';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { createRandom } from '../../src/random';
import { regressionSgd } from '../../topologies/regression-sgd';
import { produce, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { runTopology } from '../../src/topology/run-topology';
import { buildCli, exited, expectSameState, latestCheckpoint, sleep, startTrainer } from './support/trainer';

/**
 * Issue 11: the trainer killed with SIGKILL 20 times (today's integration kill test does 5). 200k events,
 * 10k more before each restart so that every kill lands mid-stream, checkpoints every 3,000 records, each
 * kill 0.5-3 s after the restarted trainer starts learning. Each restart first waits for the killed
 * member's session (10 s) to expire, which sets the pace. A last trainer (the library's runTopology, in
 * this process) then learns to the end and stops once it has caught up.
 */
const KILLS = 20;
const BURST = 10_000;
const EVENTS = KILLS * BURST;

describe('the trainer killed with SIGKILL 20 times', () => {
  beforeAll(buildCli, 300_000);

  it('ends with exactly the model of an uninterrupted run: nothing learned twice, nothing skipped', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('kill20')}.`;
    const topology = regressionSgd({ prefix });
    const modelTopic = topology.config.outputs.modelTopic;
    const events = take(friedmanStream({ seed: 21 }), EVENTS) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);

    const args = ['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, '--checkpoint-every', '3000'];
    const rng = createRandom(4711);
    const versions: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await produce(brokers, topology.config.input.topic, events.slice(kill * BURST, (kill + 1) * BURST));
      const trainer = startTrainer(args);
      for (let waited = 0; waited < 30_000 && !trainer.log().includes(' rec ('); waited += 100) await sleep(100);
      await sleep(500 + rng.next() * 2500);
      trainer.kill('SIGKILL');
      await exited(trainer);
      versions.push((await latestCheckpoint(brokers, modelTopic, topology.modelId))?.manifest.version ?? 0);
    }
    // Checkpoints were published between kills, so restarts really did resume mid-stream.
    expect(new Set(versions).size).toBeGreaterThan(KILLS / 4);

    // The last trainer learns what is left, if anything is (a last kill may have come after a checkpoint at the end).
    const covered = (await latestCheckpoint(brokers, modelTopic, topology.modelId))?.manifest.offsets[0]?.offset;
    if (covered !== String(EVENTS)) {
      const last = await runTopology(topology, { brokers, until: (p) => p.lag[`${topology.config.input.topic}/0`] === 0 });
      await last.done;
    }
    const final = (await latestCheckpoint(brokers, modelTopic, topology.modelId))!;
    expect(final.manifest.offsets).toEqual([{ topic: topology.config.input.topic, partition: 0, offset: String(EVENTS) }]);
    expect(final.manifest.examplesSeen).toBe(EVENTS);
    const reference = topology.config.model();
    reference.learnMany(
      events,
      Float64Array.from(events, (e) => e.y as number),
    );
    expectSameState(final.state, reference.state());
    process.stderr.write(`trainer kills: ${KILLS}, checkpoint versions at each kill: ${versions.join(' ')}\n`);
  }, 900_000);
});
