import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology } from '../../../src/topology/run-topology';
import { defineTopology } from '../../../src/topology/topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { buildCli, ROOT } from '../../support/cli';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from './support';

async function partitionCount(topic: string): Promise<number> {
  const admin = createKafkaClient({ brokers: testBrokers() }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0].partitions.length;
  } finally {
    await admin.disconnect();
  }
}

describe('a ready-made topology on an input topic that already exists', () => {
  it('is trained on the topic as it is, with all of its partitions, and predictions go to the same partitions', async () => {
    const brokers = testBrokers();
    const readyMade = regressionSgd({ prefix: `${uniqueName('parts')}.`, checkpoint: { everyRecords: 300, everyMs: 60_000 } });
    const topology = defineTopology({
      ...readyMade.config,
      outputs: { ...readyMade.config.outputs, predictionsTopic: `${readyMade.config.input.topic}.predictions` },
    });
    const { input, outputs } = topology.config;
    await ensureTopics({ brokers }, [{ topic: input.topic, partitions: 3 }]);
    await produce(brokers, input.topic, take(friedmanStream(), 900));

    const running = await runTopology(topology, { brokers, until: (p) => p.records >= 900 });
    const progress = await running.done;
    expect(progress.learned).toBe(900);
    expect(Object.keys(progress.lag).sort()).toEqual([0, 1, 2].map((p) => `${input.topic}/${p}`));
    const latest = (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)!;
    expect(latest.manifest.offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2]);
    expect(latest.manifest.offsets.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(900);
    expect(await partitionCount(outputs.predictionsTopic!)).toBe(3);
    const predictions = await readAll(brokers, outputs.predictionsTopic!);
    expect(predictions).toHaveLength(900);
    expect(new Set(predictions.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
  });

  it('ensureTopics with acceptExistingPartitions keeps an existing count and creates a missing topic with the one given', async () => {
    const brokers = testBrokers();
    const existing = uniqueName('keep');
    const missing = uniqueName('make');
    await ensureTopics({ brokers }, [{ topic: existing, partitions: 2 }]);
    await ensureTopics({ brokers }, [
      { topic: existing, partitions: 5, acceptExistingPartitions: true },
      { topic: missing, partitions: 4, acceptExistingPartitions: true },
    ]);
    expect(await partitionCount(existing)).toBe(2);
    expect(await partitionCount(missing)).toBe(4);
  });
});

describe('streamlearn run --partitions', () => {
  beforeAll(() => buildCli(), 300_000);

  it('creates a missing input topic with that many partitions', async () => {
    const prefix = `${uniqueName('cli-parts')}.`;
    const topic = regressionSgd({ prefix }).config.input.topic;
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'streamlearn.js'), 'run', 'regression-sgd', '--prefix', prefix, '--partitions', '3', '--brokers', testBrokers().join(',')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let count = 0;
      for (let waited = 0; count === 0 && waited < 60_000; waited += 500) {
        await new Promise((r) => setTimeout(r, 500));
        count = await partitionCount(topic).catch(() => 0);
      }
      expect(count).toBe(3);
    } finally {
      child.kill('SIGTERM');
    }
    // SIGTERM may arrive while the trainer is still starting: only that it is gone matters here.
    await exited;
  });
});
