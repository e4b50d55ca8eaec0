/**
 * The compiled Java example (clients/java: Kafka Java client + Apache Arrow Java) against real checkpoints.
 * It needs Maven and downloads ~50 MB of jars on first use, so it runs only with STREAMLEARN_JAVA_READER=1
 * (`STREAMLEARN_JAVA_READER=1 npx jest test/integration/clients/java-reader.test.ts`); otherwise it is
 * reported skipped.
 */
import { tableFromIPC } from 'apache-arrow';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readPayload } from '../../../src/checkpoints/arrow-arrays';
import { buildCheckpoint, encodeEnvelope } from '../../../src/checkpoints/envelope';
import { pipeline } from '../../../src/features/pipeline';
import { createFeatureHasher } from '../../../src/features/feature-hasher';
import { createStandardScaler } from '../../../src/features/standard-scaler';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLogisticRegression, createSoftmaxRegression } from '../../../src/learners';
import { projectRoot } from '../../../src/paths';
import { createRandom } from '../../../src/random';
import { testBrokers } from '../../support/kafka';
import { publishEpochStampedVersions, publishVersions } from './support';

const run = promisify(execFile);
const JAVA_DIR = join(projectRoot(), 'clients', 'java');
const enabled = process.env.STREAMLEARN_JAVA_READER === '1';

interface JavaAnswer {
  manifest: { version: number; payloadSha256: string; epoch?: number; generation?: number };
  rejected: string[];
  arrays: Record<string, { dtype: string; shape: number[]; role: string; derived: boolean; sum: number; indexSum: number }>;
}

async function javaReader(topic: string, modelId: string): Promise<JavaAnswer> {
  const classpath = [join(JAVA_DIR, 'target', 'streamlearn-reader-0.2.0.jar'), join(JAVA_DIR, 'target', 'lib', '*')].join(':');
  const args = [
    '--add-opens=java.base/java.nio=ALL-UNNAMED',
    '-cp',
    classpath,
    'dev.streamlearn.reader.CheckpointReader',
    testBrokers().join(','),
    topic,
    modelId,
  ];
  const { stdout } = await run('java', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as JavaAnswer;
}

const indexSum = (values: ArrayLike<number>) => Array.from(values).reduce((sum, v, i) => sum + (i + 1) * v, 0);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

(enabled ? describe : describe.skip)('the Java example reader (STREAMLEARN_JAVA_READER=1)', () => {
  beforeAll(async () => {
    // Rebuilt when the source is newer than the jar, so a changed reader is never tested stale.
    const jar = join(JAVA_DIR, 'target', 'streamlearn-reader-0.2.0.jar');
    const source = join(JAVA_DIR, 'src', 'main', 'java', 'dev', 'streamlearn', 'reader', 'CheckpointReader.java');
    if (!existsSync(jar) || statSync(source).mtimeMs > statSync(jar).mtimeMs) {
      await run('mvn', ['-q', '-B', `-Dmaven.repo.local=${join(projectRoot(), '.cache', 'm2-java')}`, 'package'], { cwd: JAVA_DIR, timeout: 600_000 });
    }
  }, 660_000);

  it('reads the newest verified version of a chunked checkpoint, with every array’s dtype, shape and role', async () => {
    const random = createRandom(5);
    const model = pipeline(
      createVectorAssembler({ inputCols: ['a', 'b', 'c'], outputCol: 'raw' }),
      createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      createSoftmaxRegression({ numFeatures: 3, numClasses: 4, regParam: 0.01, dtype: 'float32' }),
    );
    const { topic, last, sink } = await publishVersions('java', 'java-softmax', 3, () => {
      for (let i = 0; i < 200; i++) {
        const row = { a: random.gaussian(), b: random.gaussian(), c: random.gaussian() };
        model.learnOne(row, Math.floor(random.next() * 4));
      }
      return model;
    });
    try {
      const { manifest, payload } = buildCheckpoint({ modelId: 'java-softmax', version: 50, offsets: [], examplesSeen: 0, metrics: {} }, model.state());
      const tampered = Buffer.from(payload);
      tampered[tampered.length - 9] ^= 1;
      await sink.send(topic, [{ key: 'java-softmax', value: encodeEnvelope(manifest, tampered) }]);
    } finally {
      await sink.close();
    }
    const answer = await javaReader(topic, 'java-softmax');
    expect(last.chunks!.count).toBeGreaterThan(1);
    expect(answer.manifest.version).toBe(last.version);
    expect(answer.rejected).toEqual([expect.stringMatching(/SHA-256/)]);

    // The same arrays, read here from the same payload: layout equal, values summing the same.
    const { payload } = buildCheckpoint({ modelId: 'x', version: 1, offsets: [], examplesSeen: 0, metrics: {} }, model.state());
    const mine = readPayload(payload);
    const names = [...Object.keys(mine.arrays), ...Object.keys(mine.derived)].sort();
    expect(Object.keys(answer.arrays).sort()).toEqual(names);
    expect(answer.arrays['model/weights']).toMatchObject({ dtype: 'float32', shape: [4, 4], role: 'weights', derived: false });
    expect(answer.arrays['model/scale']).toMatchObject({ dtype: 'float64', shape: [1], role: 'scale', derived: true });
    for (const name of names) {
      const values = mine.arrays[name] ?? mine.derived[name];
      expect(answer.arrays[name].shape).toEqual(mine.layout[name].shape);
      expect(answer.arrays[name].role).toBe(mine.layout[name].role);
      const sum = Array.from(values as ArrayLike<number>).reduce((a, b) => a + b, 0);
      expect(Math.abs(answer.arrays[name].sum - sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(sum)));
    }
  });

  it('densifies the sparse rows of a hashed model (format v3) to the arrays streamlearn restores', async () => {
    const random = createRandom(9);
    const model = pipeline(
      createFeatureHasher({ inputCols: ['site', 'device'], outputCol: 'features', bits: 14 }),
      createLogisticRegression({ numFeatures: 2 ** 14, optimizer: { kind: 'ftrl' }, dtype: 'float32' }),
    );
    const { topic, last, sink } = await publishVersions('java-sparse', 'java-hashed', 2, () => {
      for (let i = 0; i < 300; i++) {
        const row = { site: `s${Math.floor(random.next() * 40)}`, device: `d${Math.floor(random.next() * 5)}` };
        model.learnOne(row, random.next() < 0.3 ? 1 : 0);
      }
      return model;
    });
    await sink.close();
    const answer = await javaReader(topic, 'java-hashed');
    expect(answer.manifest.version).toBe(last.version);
    const state = model.state();
    const { payload } = buildCheckpoint({ modelId: 'x', version: 1, offsets: [], examplesSeen: 0, metrics: {} }, state);
    const table = tableFromIPC(payload);
    const sparse = table
      .getChild('name')!
      .toArray()
      .filter((_: string, i: number) => table.getChild('encoding')!.get(i) === 'sparse');
    expect(sparse).toEqual(expect.arrayContaining(['model/weights', 'model/ftrl.z', 'model/ftrl.n']));
    for (const name of sparse as string[]) {
      expect(answer.arrays[name].shape).toEqual([2 ** 14 + 1, 1]);
      expect(
        close(
          answer.arrays[name].sum,
          Array.from(state.arrays[name]).reduce((a, b) => a + b, 0),
        ),
      ).toBe(true);
      expect(close(answer.arrays[name].indexSum, indexSum(state.arrays[name]))).toBe(true);
    }
  });

  it('follows mixer epochs: reads the versions of a reset group, refuses an older generation within an epoch and an older epoch', async () => {
    const topic = await publishEpochStampedVersions('java-epochs');
    const answer = await javaReader(topic, 'mixed');
    expect([answer.manifest.version, answer.manifest.epoch, answer.manifest.generation]).toEqual([5, 1, 3]);
    expect(answer.rejected).toEqual([
      expect.stringMatching(/mixed v3 comes from generation 1, older than generation 2 already accepted$/),
      expect.stringMatching(/mixed v4 comes from epoch 0, older than epoch 1 already accepted$/),
    ]);
  });
});
