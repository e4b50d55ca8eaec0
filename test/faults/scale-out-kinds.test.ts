import { ensureTopics } from '../../connectors/kafka/topics';
import type { Checkpoint } from '../../src/checkpoints/envelope';
import { ctrEventStream } from '../../src/datasets/ctr-events';
import { recoEventStream } from '../../src/datasets/reco-events';
import type { Row } from '../../src/features/stage';
import { fromState } from '../../src/learners/registry';
import type { Topology } from '../../src/topology/topology';
import { initTensorflow } from '../../src/neural';
import type { Recommender } from '../../src/reco';
import { ctrMlp } from '../../topologies/ctr-mlp';
import { recoMf } from '../../topologies/reco-mf';
import { produce, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { endOffsets, expectOverallMetricsCount, publishedManifests, waitForCoverage, waitForLog } from './support/scale';
import { buildCli, exited, isRunning, startTrainer } from './support/trainer';

/**
 * Issue 13: the kinds merged beyond the linear ones (docs/scale-out.md): a NeuralNet pipeline (ctr-mlp)
 * and a recommender (reco-mf, BiasedMF), each trained as one shared model by two `streamlearn run`
 * processes. Half the events arrive once both are mixing, so versions merged from two workers cover them.
 */
const PARTITIONS = 4;

/** Two trainers of `name` learn `events`; the final version is returned once every process has stopped cleanly. */
async function twoWorkers(name: string, prefix: string, topology: Topology, events: object[]): Promise<Checkpoint> {
  const brokers = testBrokers();
  const input = topology.config.input.topic;
  await ensureTopics({ brokers }, [{ topic: input, partitions: PARTITIONS }]);
  const half = events.length / 2;
  await produce(brokers, input, events.slice(0, half));
  const args = [name, '--brokers', brokers.join(','), '--prefix', prefix, '--mix-every-ms', '1000'];
  const trainers = [startTrainer(args), startTrainer(args)];
  const logs = () => trainers.map((t, i) => `--- trainer ${i}\n${t.log()}`).join('\n');
  try {
    expect(await waitForLog(logs, (log) => /published v\d+ \(generation \d+, 2 workers/.test(log), 120_000)).toBe(true);
    await produce(brokers, input, events.slice(half));
    const final = await waitForCoverage(brokers, topology, 180_000);
    for (const t of trainers) t.kill('SIGTERM');
    expect(await Promise.all(trainers.map(exited))).toEqual([0, 0]);

    // Nothing lost, nothing learned twice; one stream of versions, several of them merged from both workers.
    expect(new Map(final.manifest.offsets.map((o) => [o.partition, o.offset]))).toEqual(await endOffsets(brokers, input));
    expect(final.manifest.examplesSeen).toBe(events.length);
    expectOverallMetricsCount(topology, final, events.length);
    const manifests = await publishedManifests(brokers, topology.config.outputs.modelTopic, topology.modelId);
    const versions = manifests.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    const merged = manifests.filter((m) => (m.extra?.mix as { members?: number } | undefined)?.members === 2);
    expect(merged.length).toBeGreaterThanOrEqual(2);
    process.stderr.write(`${name}: ${versions.length} versions, ${merged.length} merged from 2 workers, final v${final.manifest.version}\n`);
    return final;
  } catch (err) {
    process.stderr.write(`${logs()}\n`);
    throw err;
  } finally {
    for (const t of trainers.filter(isRunning)) t.kill('SIGKILL');
  }
}

describe('scale-out of NeuralNet and recommender models', () => {
  beforeAll(buildCli, 300_000);

  it('reco-mf (BiasedMF): two trainers, every event learned once, the merged id tables hold every user and item', async () => {
    const prefix = `${uniqueName('scale-reco')}.`;
    const events = take(recoEventStream({ users: 300, items: 120, seed: 51 }), 16_000);
    const final = await twoWorkers('reco-mf', prefix, recoMf({ prefix }), events);
    const model = fromState(final.state) as Recommender;
    const memory = model.memory();
    expect(memory.users).toBe(new Set(events.map((e) => e.userId)).size);
    expect(memory.items).toBe(new Set(events.map((e) => e.itemId)).size);
    expect(model.predictMany(events.slice(0, 50)).every(Number.isFinite)).toBe(true);
  }, 360_000);

  it('ctr-mlp (a NeuralNet pipeline): two trainers, every event learned once, the merged net predicts', async () => {
    const prefix = `${uniqueName('scale-mlp')}.`;
    const events = take(ctrEventStream({ seed: 61 }), 8_000) as unknown as Row[];
    const final = await twoWorkers('ctr-mlp', prefix, ctrMlp({ prefix }), events);
    await initTensorflow();
    const scores = fromState<Row>(final.state).predictMany(events.slice(0, 50));
    expect(Array.from(scores).every((p) => p >= 0 && p <= 1)).toBe(true);
  }, 360_000);
});
