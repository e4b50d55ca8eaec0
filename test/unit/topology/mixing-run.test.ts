/**
 * A shared model with mixing on (`mix`), one worker, through `runTopology` over the fake kafkajs client: the
 * worker owns partition 0, so it also runs the mixer. Each round it contributes its model to the mix topic,
 * the mixer merges the round and publishes the version through its fenced (transactional) writer, and the
 * worker adopts it and commits the version's offsets. The broker-backed scenarios with several workers are
 * in test/faults/scale-out.test.ts; this runs the same code in-process.
 */
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { ConfigError } from '../../../src/errors';
import { createHoeffdingTreeRegressor } from '../../../src/trees';
import { createMixReader, type Contribution, type MixStart } from '../../../src/topology/mixing/mix-records';
import { setUpMixing, type MixingDeps } from '../../../src/topology/mixing/set-up';
import { runTopology } from '../../../src/topology/run-topology';
import { fakeCluster } from '../connectors/fake-kafka';
import { linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq' };
const events = (n: number) => linearEvents(n).map((row) => Buffer.from(JSON.stringify(row)));

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 2);
});

describe('mixing through runTopology over a fake Kafka', () => {
  it('one worker: contributes each round, merges and publishes it as the mixer, adopts it, and commits its offsets', async () => {
    const all = events(60);
    fakeCluster.append('events', 0, all.slice(0, 40));
    fakeCluster.append('events', 1, all.slice(40));
    const lines: string[] = [];
    const topology = regressionTopology({ outputs, batch: { maxRecords: 10 } });
    const running = await runTopology(topology, {
      ...connection,
      mix: { everyRecords: 20, everyMs: 600_000 },
      log: (line: string) => lines.push(line),
    });
    // Stopped once every record is learned and a merged version is out: under load the first merge can land
    // after the last record is learned (`until` is only asked after a step).
    let learned = 0;
    running.steps.subscribe(({ progress }) => (learned = progress.learned));
    while (learned < 60 || fakeCluster.partition('models', 0).messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const progress = await running.stop();
    expect(progress.learned).toBe(60);
    expect(fakeCluster.topics.has('models.mix')).toBe(true);
    expect(lines.filter((line) => line.startsWith('mix: leading generation 1 ') && line.endsWith(' from v0'))).toHaveLength(1);

    const newest = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression');
    expect(newest).toBeDefined();
    expect(newest!.manifest.generation).toBe(1);
    expect(newest!.manifest.version).toBeGreaterThanOrEqual(1);
    // The merged version of one worker is its model; the offsets are what it had learned when it contributed.
    const covered = Object.fromEntries(newest!.manifest.offsets.map((o) => [`${o.topic}/${o.partition}`, Number(o.offset)]));
    expect(newest!.manifest.examplesSeen).toBe((covered['events/0'] ?? 0) + (covered['events/1'] ?? 0));
    expect(fakeCluster.calls).toContain('transaction.commit');

    // The mix topic: the mixer's start of generation 1 from v0, then one contribution per round, each on the version before.
    const skipped: string[] = [];
    const read = createMixReader('unit-regression', (reason) => skipped.push(reason));
    const starts: MixStart[] = [];
    const contributions: Contribution[] = [];
    fakeCluster.partition('models.mix', 0).messages.forEach((message, offset) => {
      const event = read({ key: String(message.key), value: message.value as Buffer }, `models.mix/0@${offset}`);
      if (event?.type === 'start') starts.push(event.start);
      if (event?.type === 'contribution') contributions.push(event.contribution);
    });
    expect(skipped).toEqual([]);
    expect(starts).toEqual([expect.objectContaining({ generation: 1, base: 0, claimed: 0 })]);
    expect(contributions.length).toBeGreaterThanOrEqual(newest!.manifest.version);
    contributions.forEach((c, i) => {
      expect([c.generation, c.base, c.partitions]).toEqual([1, i, [0, 1]]);
      expect(c.learned).toBeGreaterThanOrEqual(20);
    });
    // Every version adds the learned examples of its round: the newest holds at least the first round's.
    expect(newest!.manifest.examplesSeen).toBeGreaterThanOrEqual(contributions[0].learned);
    const weights = newest!.state.arrays['model/weights'];
    expect(weights.every(Number.isFinite)).toBe(true);
  });

  it('refuses, with one line each, what cannot be mixed', async () => {
    const start = (config: Parameters<typeof regressionTopology>[0], mix: Record<string, number>) =>
      runTopology(regressionTopology({ outputs, ...config }), { ...connection, mix, until: () => true });
    await expect(start({ modelScope: 'per-partition' }, { everyMs: 100 })).rejects.toThrow(
      "topology unit-regression: mixing merges a shared model; with modelScope 'per-partition' each partition's model moves with its partition",
    );
    await expect(start({}, { everyMs: 0 })).rejects.toThrow('topology unit-regression: mix.everyMs must be positive (Infinity to disable), got 0');
    await expect(start({}, { everyRecords: -1 })).rejects.toThrow('mix.everyRecords must be positive (Infinity to disable), got -1');
    await expect(start({ model: () => createHoeffdingTreeRegressor({ numFeatures: 2 }) as never }, { everyMs: 100 })).rejects.toThrow(ConfigError);
    expect(fakeCluster.topics.has('models.mix')).toBe(false);
  });

  it('without mixing, a second process taking some of the shared model’s partitions ends the run with one line', async () => {
    const failures: Error[] = [];
    const deps = { connection, cadence: undefined, fail: (err: Error) => failures.push(err) } as unknown as MixingDeps;
    const linear = await setUpMixing(regressionTopology({ outputs }), deps);
    expect(linear.member).toBeUndefined();
    const join = (assignment: Record<string, number[]>) => linear.membership!.joined({ memberId: 'm', assignment });
    join({ events: [0, 1] });
    join({ events: [] });
    join({ other: [0] });
    expect(failures).toEqual([]);
    join({ events: [1] });
    expect(failures.map(String)).toEqual([
      'ConfigError: topology unit-regression: another process joined group "unit-regression" and took partitions of the shared model; ' +
        'to train one model with several processes, start each with --mix-every-ms N (docs/scale-out.md)',
    ]);
    // A model that cannot be merged says so instead.
    const tree = await setUpMixing(regressionTopology({ outputs, model: () => createHoeffdingTreeRegressor({ numFeatures: 2 }) as never }), deps);
    tree.membership!.joined({ memberId: 'm', assignment: { events: [0] } });
    expect(failures).toHaveLength(2);
    expect(failures[1]).toBeInstanceOf(ConfigError);
    expect(failures[1].message).not.toContain('--mix-every-ms');
  });
});
