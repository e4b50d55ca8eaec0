import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { parseManifestKey } from '../../../src/checkpoints/records';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { buildDist } from '../../support/build';
import { ROOT } from '../../support/cli';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SLICES = 4;
const PER_SLICE = 150;
const TRAIN_PER_SLICE = 1500;
const STOP_FIRST_AT = 2;

/** `streamlearn serve` as a user runs it, its stderr collected. */
function startReplica(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

describe('serving replicas', () => {
  beforeAll(buildDist, 300_000);

  it('two `streamlearn serve` processes answer every request exactly once between them, one stopping mid-stream, each answer with a version on the model topic', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('replicas')}.`;
    const topology = regressionSgd({ prefix, checkpoint: { everyRecords: 500, everyMs: 60_000 } });
    const { input, outputs } = topology.config;
    const requestsTopic = `${topology.config.name}.requests`;
    const answersTopic = `${topology.config.name}.answers`;
    await ensureTopics({ brokers }, [{ topic: input.topic }, { topic: requestsTopic, partitions: 4 }]);
    const training = friedmanStream({ seed: 9 });
    const newest = async () => (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)?.manifest.version ?? 0;

    // A trainer in this process; a first version before the replicas start.
    await produce(brokers, input.topic, take(training, TRAIN_PER_SLICE));
    const trainer = await runTopology(topology, { brokers });
    await waitFor('a first version', async () => (await newest()) > 0, 60_000);

    const args = ['regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix];
    const replicas = [startReplica(args), startReplica(args)];
    await waitFor('both replicas serving', () => replicas.every((r) => /serving .* v\d+/.test(r.log())), 60_000);
    // Both are members of the serving group, with partitions of the requests topic each.
    const admin = createKafkaClient({ brokers, clientId: 'replicas-test' }).admin();
    await admin.connect();
    await waitFor(
      'a stable serving group of two',
      async () => {
        const [group] = (await admin.describeGroups([`${topology.modelId}-serving`])).groups;
        return group.state === 'Stable' && group.members.length === 2;
      },
      60_000,
    );
    await admin.disconnect();

    const good: string[] = [];
    const versionsBefore: number[] = [];
    for (let slice = 0; slice < SLICES; slice++) {
      // The trainer publishes a newer version; the replicas hot-swap to it before the slice's requests.
      const before = await newest();
      await produce(brokers, input.topic, take(training, TRAIN_PER_SLICE));
      await waitFor(`a version after v${before}`, async () => (await newest()) > before, 60_000);
      versionsBefore.push(await newest());
      await sleep(1000);
      const requests = take(friedmanStream({ seed: 100 + slice }), PER_SLICE).map((row, i) => ({ ...row, requestId: `s${slice}-r${i}` }));
      good.push(...requests.map((r) => r.requestId));
      // Two bad requests per slice: not JSON, and JSON without a requestId.
      await produce(brokers, requestsTopic, [...requests, '{not json', { x0: 1 }]);
      // The first replica stops while this slice is being answered: the other takes its partitions over.
      if (slice === STOP_FIRST_AT) {
        replicas[0].child.kill('SIGTERM');
        expect(await replicas[0].exited).toBe(0);
      }
    }

    const answered = async () => (await readAll(brokers, answersTopic)).length;
    await waitFor(`${good.length} answers`, async () => (await answered()) >= good.length, 60_000);
    replicas[1].child.kill('SIGTERM');
    expect(await replicas[1].exited).toBe(0);
    await trainer.stop();

    // Every good request answered exactly once, by one of the two.
    const answers = (await readAll(brokers, answersTopic)).map((record) => ({
      key: record.key,
      ...(JSON.parse(record.value!.toString()) as { modelVersion: number }),
    }));
    expect(answers.map((a) => a.key).sort()).toEqual([...good].sort());
    const counts = replicas.map((r) => Number(/stopped after (\d+) answers/.exec(r.log())?.[1]));
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts[0] + counts[1]).toBe(good.length);

    // Each answer names a version published on the model topic, and the replicas followed the new versions.
    const published = new Set(
      (await readAll(brokers, outputs.modelTopic)).flatMap((record) => {
        const { modelId, version } = parseManifestKey(record.key ?? '');
        return record.value !== null && modelId === topology.modelId && version !== undefined ? [version] : [];
      }),
    );
    expect(answers.every((a) => published.has(a.modelVersion))).toBe(true);
    const bySlice = (slice: number) => answers.filter((a) => a.key!.startsWith(`s${slice}-`)).map((a) => a.modelVersion);
    for (let slice = 0; slice < SLICES; slice++) expect(Math.min(...bySlice(slice))).toBeGreaterThanOrEqual(versionsBefore[slice]);

    // The bad requests are dead-lettered once each, with a reason.
    const dead = await readAll(brokers, `${requestsTopic}-dlq`);
    expect(dead).toHaveLength(2 * SLICES);
    expect(dead.every((record) => typeof record.headers['x-error-code'] === 'string')).toBe(true);
  }, 240_000);
});
