/**
 * Issue 10: any checkpoint kind a topology publishes can be restored and subscribed to anywhere. A
 * NeuralNet (digits-mlp) and a recommender (reco-mf) train here; then a fresh Node process, which never
 * imported the neural or recommender modules nor initialised TensorFlow.js, follows both through the
 * compiled entry point's `subscribeModel`, and `streamlearn subscribe` prints them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { createRecoWorld } from '../../../src/datasets/reco-events';
import { digitsStream } from '../../../src/datasets/digits';
import { runTopology } from '../../../src/topology/run-topology';
import type { Topology } from '../../../src/topology/topology';
import { digitsMlp } from '../../../topologies/digits-mlp';
import { recoMf } from '../../../topologies/reco-mf';
import { buildDist } from '../../support/build';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, take } from '../topology/support';

const ROOT = join(__dirname, '..', '..', '..');

beforeAll(buildDist, 900_000);

async function train(topology: Topology, events: object[]): Promise<void> {
  const brokers = testBrokers();
  await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
  await produce(brokers, topology.config.input.topic, events);
  await (
    await runTopology(topology, { brokers, until: (p) => p.records >= events.length })
  ).done;
}

/** The first version a fresh process receives, as `{ kind, version, prediction }`, and what it logged. */
function subscribeInFreshProcess(topology: Topology, probe: object): { received: { kind: string; version: number; prediction: unknown }; stderr: string } {
  const script = `
    const { subscribeModel } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'index.js'))});
    const s = subscribeModel({ brokers: ${JSON.stringify(testBrokers())}, topic: ${JSON.stringify(topology.config.outputs.modelTopic)}, modelId: ${JSON.stringify(topology.modelId)}, onRejected: (r) => console.error('rejected: ' + r) })
      .subscribe({ next({ manifest, model }) {
        const probe = ${JSON.stringify(probe)};
        const prediction = typeof model.recommend === 'function' ? model.recommend(probe.userId, 3).length : model.predictOne(probe);
        console.log(JSON.stringify({ kind: model.kind, version: manifest.version, prediction }));
        s.unsubscribe(); process.exit(0);
      }, error(e) { console.error(e.message); process.exit(1); } });`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (child.status !== 0) throw new Error(`subscriber failed (${child.status}):\n${child.stdout}\n${child.stderr}`);
  return { received: JSON.parse(child.stdout.trim().split('\n').pop() as string), stderr: child.stderr };
}

/** `streamlearn subscribe` until it prints one version line. */
function cliSubscribe(topology: Topology): Promise<string> {
  const cli = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'streamlearn.js'),
      'subscribe',
      '--topic',
      topology.config.outputs.modelTopic,
      '--model',
      topology.modelId,
      '--brokers',
      testBrokers().join(','),
    ],
    { cwd: ROOT },
  );
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cli.kill('SIGKILL');
      reject(new Error(`no version line from streamlearn subscribe in 120 s:\n${out}\n${err}`));
    }, 120_000);
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    cli.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      cli.kill('SIGTERM');
      resolve(out.split('\n')[0]);
    });
  });
}

test('a NeuralNet checkpoint is rebuilt by a process that never loaded TensorFlow.js, and by the CLI', async () => {
  const topology = digitsMlp({ prefix: `${uniqueName('kinds')}.`, checkpoint: { everyRecords: 400, everyMs: 60_000 } });
  const digits = take(digitsStream({ seed: 3 }), 800);
  await train(
    topology,
    digits.map((d) => ({ ...d })),
  );
  const probe = Object.fromEntries(Object.entries(digits[0]).filter(([k]) => k !== 'target'));
  const { received, stderr } = subscribeInFreshProcess(topology, probe);
  expect(received).toMatchObject({ kind: 'Pipeline', version: expect.any(Number) });
  expect(Number.isInteger(received.prediction) && (received.prediction as number) >= 0 && (received.prediction as number) <= 9).toBe(true);
  // TensorFlow.js was loaded on demand, by the restore, in that process.
  expect(stderr).toContain('streamlearn: TensorFlow.js backend');
  expect(stderr).not.toContain('rejected');
  expect(await cliSubscribe(topology)).toMatch(new RegExp(`${topology.modelId} v\\d+ Pipeline`));
}, 400_000);

test('a recommender checkpoint is rebuilt by a fresh process, and by the CLI', async () => {
  const topology = recoMf({ prefix: `${uniqueName('kinds')}.`, checkpoint: { everyRecords: 1000, everyMs: 60_000 } });
  const events = take(createRecoWorld({ users: 40, items: 60, seed: 9 }).events(), 2000);
  await train(topology, events as unknown as object[]);
  const { received, stderr } = subscribeInFreshProcess(topology, { userId: (events[0] as { userId: string }).userId });
  expect(received).toMatchObject({ kind: 'BiasedMF', prediction: 3 });
  expect(stderr).not.toContain('TensorFlow.js');
  expect(await cliSubscribe(topology)).toMatch(new RegExp(`${topology.modelId} v\\d+ BiasedMF`));
}, 400_000);
