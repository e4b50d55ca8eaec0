import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { createRandom } from '../../../src/random';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { checkpointMetrics, uninterruptedMetrics } from './prequential-reference';
import { produce, take } from './support';

const ROOT = join(__dirname, '..', '..', '..');
const EVENTS = 200_000;
const KILLS = 5;

function startTrainer(brokers: string[], prefix: string): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, 'bin', 'streamlearn.js'), 'run', 'regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, '--checkpoint-every', '7000'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a trainer killed with SIGKILL at random points', () => {
  beforeAll(() => {
    // The trainer runs as a real separate process, from the compiled CLI.
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }, 300_000);

  // Each restart after SIGKILL first waits for the killed member's session (10 s) to expire.
  it('ends with exactly the model of an uninterrupted run: nothing learned twice, nothing skipped', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('kill')}.`;
    const topology = regressionSgd({ prefix });
    const events = take(friedmanStream({ seed: 99 }), EVENTS) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
    await produce(brokers, topology.config.input.topic, events);

    const rng = createRandom(2024);
    const killedAtVersions: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const trainer = startTrainer(brokers, prefix);
      // Kill at a random point once it is learning (a restart first waits for the killed member's session to expire).
      const learning = new Promise<void>((resolve) => trainer.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes(' rec (') && resolve()));
      await Promise.race([learning, sleep(20_000)]);
      // Once it has published a version of its own, so that every restart resumes past the last: a time alone is
      // no measure of progress (on a quiet machine the trainer learns all the events in under a second).
      const before = killedAtVersions.at(-1) ?? 0;
      for (let waited = 0; waited < 20_000; waited += 100) {
        const version = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)?.manifest.version ?? 0;
        if (version > before) break;
        await sleep(100);
      }
      await sleep(rng.next() * 500);
      trainer.kill('SIGKILL');
      await exited(trainer);
      const latest = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId);
      killedAtVersions.push(latest?.manifest.version ?? 0);
    }
    // Checkpoints were published between kills, so restarts really did resume mid-stream.
    expect(new Set(killedAtVersions).size).toBeGreaterThan(1);

    const last = startTrainer(brokers, prefix);
    let stderr = '';
    last.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let waited = 0; waited < 120_000; waited += 250) {
      const latest = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId);
      if (latest?.manifest.offsets[0]?.offset === String(EVENTS)) break;
      await sleep(250);
    }
    const stopAsked = Date.now();
    last.kill('SIGTERM');
    expect(await exited(last)).toBe(0);
    expect(Date.now() - stopAsked).toBeLessThan(10_000);
    expect(stderr).toContain('stopped:');

    const final = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
    expect(final.manifest.offsets).toEqual([{ topic: topology.config.input.topic, partition: 0, offset: String(EVENTS) }]);
    expect(final.manifest.examplesSeen).toBe(EVENTS);

    const reference = topology.config.model();
    reference.learnMany(
      events,
      Float64Array.from(events, (e) => e.y as number),
    );
    const expected = reference.state();
    expect(final.state.kind).toBe(expected.kind);
    expect(Object.keys(final.state.arrays).sort()).toEqual(Object.keys(expected.arrays).sort());
    for (const [name, array] of Object.entries(expected.arrays)) {
      const actual = final.state.arrays[name];
      expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(array.buffer, array.byteOffset, array.byteLength))).toBe(true);
    }

    // The metrics resumed with the model at every restart: every event was scored exactly once (counts), and
    // the values are an uninterrupted run's up to where the micro-batches were cut, which differs between any
    // two runs (an event is predicted by the model of the start of its batch).
    const { values, counts } = checkpointMetrics(topology, final);
    expect(final.manifest.metrics).toEqual(values);
    expect(counts).toEqual({ mae: EVENTS, rmse: EVENTS, r2: EVENTS, rollingRmse: 2000, rollingR2: 2000 });
    const uninterrupted = uninterruptedMetrics(topology, events);
    const relativeErrors = Object.entries(uninterrupted).map(([name, value]) => [name, Math.abs(values[name] - value) / Math.abs(value)] as const);
    expect(relativeErrors.filter(([, error]) => !(error < 0.01))).toEqual([]);
  }, 420_000);
});
