import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { parseManifestKey } from '../../../src/checkpoints/records';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology, type RunningTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { ROOT } from '../../support/cli';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from './support';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `streamlearn serve` as a user runs it, its stderr collected. */
export function startReplica(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

export type Replica = ReturnType<typeof startReplica>;

/** A trainer (in this process) with a first version published, and two `streamlearn serve` replicas in one stable group. */
export async function servingSetup(name: string, trainPerSlice: number) {
  const brokers = testBrokers();
  const prefix = `${uniqueName(name)}.`;
  const topology = regressionSgd({ prefix, checkpoint: { everyRecords: 500, everyMs: 60_000 } });
  const { input, outputs } = topology.config;
  const requestsTopic = `${topology.config.name}.requests`;
  const answersTopic = `${topology.config.name}.answers`;
  await ensureTopics({ brokers }, [{ topic: input.topic }, { topic: requestsTopic, partitions: 4 }]);
  const training = friedmanStream({ seed: 9 });
  const newest = async () => (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)?.manifest.version ?? 0;

  await produce(brokers, input.topic, take(training, trainPerSlice));
  const trainer: RunningTopology = await runTopology(topology, { brokers });
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
  return { brokers, topology, requestsTopic, answersTopic, training, newest, trainer, replicas };
}

/** Requests of one slice (ids `s<slice>-r<i>`), then two bad ones: not JSON, and JSON without a requestId. */
export async function produceRequests(brokers: string[], topic: string, slice: number, count: number): Promise<string[]> {
  const requests = take(friedmanStream({ seed: 100 + slice }), count).map((row, i) => ({ ...row, requestId: `s${slice}-r${i}` }));
  await produce(brokers, topic, [...requests, '{not json', { x0: 1 }]);
  return requests.map((r) => r.requestId);
}

/** Every answer on the topic, and the versions of the model published on the model topic. */
export async function answersAndVersions(brokers: string[], answersTopic: string, modelTopic: string, modelId: string) {
  const answers = (await readAll(brokers, answersTopic)).map((record) => ({
    key: record.key!,
    ...(JSON.parse(record.value!.toString()) as { modelVersion: number }),
  }));
  const published = new Set(
    (await readAll(brokers, modelTopic)).flatMap((record) => {
      const parsed = parseManifestKey(record.key ?? '');
      return record.value !== null && parsed.modelId === modelId && parsed.version !== undefined ? [parsed.version] : [];
    }),
  );
  return { answers, published };
}
