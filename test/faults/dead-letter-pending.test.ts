import { DEAD_LETTER_HEADERS } from '../../connectors/dead-letter';
import { createKafkaClient } from '../../connectors/kafka/client';
import { ensureTopics } from '../../connectors/kafka/topics';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { runTopology } from '../../src/topology/run-topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { committedOffsets } from '../integration/connectors/support';
import { produce, readAll, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { createRandom } from '../../src/random';
import { startFaultBroker, type FaultBroker } from './support/fault-broker';
import { buildCli, exited, expectLearnedOnce, isRunning, latestCheckpoint, sleep, startTrainer, waitForCheckpointAt } from './support/trainer';

/** Every 100th event of the second half is bad: undecodable (the source's letters) or without its label (vetting's). */
const HALF = 1000;
const badAt = (offset: number, from = HALF) => offset >= from && offset % 100 === 50;
const badValue = (offset: number) => (offset % 200 === 50 ? '{"x0": oops' : JSON.stringify({ x0: 1, x1: 2 }));

/** The highest record count a `streamlearn run` progress line has shown. */
const recordsShown = (log: string) => Math.max(0, ...[...log.matchAll(/(\d+) rec \(/g)].map((match) => Number(match[1])));

async function deleteTopic(brokers: string[], topic: string): Promise<void> {
  const admin = createKafkaClient({ brokers }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
    // Deletion completes in the background: wait until the broker no longer lists the topic.
    while ((await admin.listTopics()).includes(topic)) await sleep(200);
  } finally {
    await admin.disconnect();
  }
}

describe('the trainer killed while its dead letters are still being written', () => {
  beforeAll(buildCli, 300_000);

  it('publishes and commits nothing past a pending letter; after the restart every bad record is on the DLQ once, nothing learned twice', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('dlq-pending')}.`;
    const topology = regressionSgd({ prefix });
    const { topic } = topology.config.input;
    const { modelTopic, deadLetterTopic } = topology.config.outputs;
    const events = take(friedmanStream({ seed: 31 }), 2 * HALF) as unknown as Row[];
    const values = events.map((event, offset) => (badAt(offset) ? badValue(offset) : event));
    const bad = values.flatMap((_, offset) => (badAt(offset) ? [String(offset)] : []));
    await ensureTopics({ brokers }, [{ topic }]);

    const trainer = startTrainer(['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, '--checkpoint-every', '300']);
    await produce(brokers, topic, values.slice(0, HALF));
    expect((await waitForCheckpointAt(brokers, modelTopic, topology.modelId, HALF, 60_000))?.manifest.offsets[0].offset).toBe(String(HALF));

    // With its topic gone, every letter of the second half stays pending (retried) while the trainer learns on.
    await deleteTopic(brokers, deadLetterTopic);
    await produce(brokers, topic, values.slice(HALF));
    // Checkpoints fall due meanwhile (every 300 records, every 2 s): none may cover a record whose letter is pending.
    await sleep(3000);
    expect(isRunning(trainer)).toBe(true);
    // A step is reported once its checkpoint is published: none past the first pending letter was.
    expect(recordsShown(trainer.log())).toBeLessThan(2 * HALF);
    const held = (await latestCheckpoint(brokers, modelTopic, topology.modelId))!;
    expect(Number(held.manifest.offsets[0].offset)).toBeLessThanOrEqual(Number(bad[0]));
    expect(Number((await committedOffsets(brokers, topology.modelId, topic)).get(0))).toBeLessThanOrEqual(Number(bad[0]));
    trainer.kill('SIGKILL');
    await exited(trainer);

    // A restart (the runtime recreates the topic, as an operator would) resumes from the held checkpoint.
    const restarted = await runTopology(topology, { brokers, until: (p) => p.lag[`${topic}/0`] === 0 && p.records > 0 });
    await restarted.done;
    const final = (await latestCheckpoint(brokers, modelTopic, topology.modelId))!;
    expectLearnedOnce(
      { manifest: final.manifest, arrays: final.state.arrays },
      topology,
      events.length,
      events.filter((_, offset) => !badAt(offset)),
    );
    const letters = await readAll(brokers, deadLetterTopic);
    const stored = letters.map((letter) => [String(letter.headers[DEAD_LETTER_HEADERS.offset]), letter.value!.toString()]);
    expect(stored.sort(([a], [b]) => Number(a) - Number(b))).toEqual(bad.map((offset) => [offset, badValue(Number(offset))]));
  }, 180_000);
});

/**
 * The broker killed (SIGKILL) right after each burst is produced, while the trainer reads it and its letters
 * are in flight, and restarted 1-3 s later; 2 bursts of 6,000 events, a bad one in each 100. The trainer
 * (the library's runTopology, patient with its letters) rides through.
 */
const BURSTS = 2;
const BURST = 6000;

describe('the broker killed while dead letters are in flight', () => {
  let broker: FaultBroker;
  beforeAll(async () => (broker = await startFaultBroker()), 300_000);
  afterAll(() => broker?.stop());

  it('every bad record is on the DLQ exactly once, every good one learned once: the uninterrupted run’s model', async () => {
    const { brokers } = broker;
    const rng = createRandom(12);
    const topology = regressionSgd({ prefix: `${uniqueName('dlq-broker')}.`, checkpoint: { everyRecords: 500, everyMs: 1000 } });
    const { topic } = topology.config.input;
    const { modelTopic, deadLetterTopic } = topology.config.outputs;
    const total = BURSTS * BURST;
    const events = take(friedmanStream({ seed: 32 }), total) as unknown as Row[];
    const values = events.map((event, offset) => (badAt(offset, 0) ? badValue(offset) : event));
    const bad = values.flatMap((_, offset) => (badAt(offset, 0) ? [String(offset)] : []));
    await ensureTopics({ brokers }, [{ topic }]);

    const patient = { retries: 100, initialDelayMs: 250, maxDelayMs: 3000 };
    const running = await runTopology(topology, { brokers, deadLetterRetry: patient, until: (p) => p.records >= total });
    const outcome = running.done.then(
      () => undefined,
      (err: unknown) => err,
    );
    for (let burst = 0; burst < BURSTS; burst++) {
      await produce(brokers, topic, values.slice(burst * BURST, (burst + 1) * BURST));
      await sleep(rng.next() * 100);
      await broker.kill();
      await sleep(1000 + rng.next() * 2000);
      await broker.restart();
    }
    expect(await outcome).toBeUndefined();

    const final = (await latestCheckpoint(brokers, modelTopic, topology.modelId))!;
    expectLearnedOnce(
      { manifest: final.manifest, arrays: final.state.arrays },
      topology,
      total,
      events.filter((_, offset) => !badAt(offset, 0)),
    );
    const letters = await readAll(brokers, deadLetterTopic);
    const stored = letters.map((letter) => String(letter.headers[DEAD_LETTER_HEADERS.offset]));
    expect(stored.sort((a, b) => Number(a) - Number(b))).toEqual(bad);
  }, 300_000);
});
