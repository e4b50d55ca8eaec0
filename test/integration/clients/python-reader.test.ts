/**
 * The Python reference reader (clients/python) against real checkpoints: each ready-made topology trains
 * briefly on the test broker, then the reader, in the project's `reader` venv (confluent-kafka, pyarrow,
 * numpy only), reads the model topic and predicts on the same inputs as streamlearn's own restored model.
 * Without Python or the venv the suite fails, naming why: it never passes silently.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { buildCheckpoint, encodeEnvelope } from '../../../src/checkpoints/envelope';
import { createImputer } from '../../../src/features/imputer';
import { createOneHotEncoder } from '../../../src/features/one-hot-encoder';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLinearSVM, createSoftmaxRegression } from '../../../src/learners';
import { createFactorizationMachine, createPopularity } from '../../../src/reco';
import { createRandom } from '../../../src/random';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { DIGIT_COLUMNS, digitsStream } from '../../../src/datasets/digits';
import { friedmanStream } from '../../../src/datasets/friedman';
import { createRecoWorld } from '../../../src/datasets/reco-events';
import { topicTextStream } from '../../../src/datasets/topics-text';
import type { Row } from '../../../src/features/stage';
import type { Classifier, Estimator } from '../../../src/learners/estimator';
import { fromState } from '../../../src/learners/registry';
import { projectRoot } from '../../../src/paths';
import type { Recommender } from '../../../src/reco';
import { runTopology } from '../../../src/topology/run-topology';
import type { Topology, TopologyOptions } from '../../../src/topology/topology';
import { ctrLogistic } from '../../../topologies/ctr-logistic';
import { ctrMlp } from '../../../topologies/ctr-mlp';
import { digitsMlp } from '../../../topologies/digits-mlp';
import { recoMf } from '../../../topologies/reco-mf';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { selectionEvents, selectThenMlp } from '../../../topologies/select-then-mlp';
import { textClassifier } from '../../../topologies/text-classifier';
import { testBrokers, uniqueName } from '../../support/kafka';
import { readerPython } from '../../support/python-venv';
import { produce, take } from '../topology/support';
import { publishEpochStampedVersions, publishVersions } from './support';

const run = promisify(execFile);
const ROOT = projectRoot();
const EVENTS = 3000;
const PROBES = 200;

interface ReaderAnswer {
  manifest: CheckpointManifest;
  rejected: string[];
  predictions?: Array<number | null>;
  probabilities?: number[][];
  recommendations?: Array<Array<{ itemId: string; score: number }>>;
  labels?: Array<string | boolean | number | null>;
  arrays?: Record<string, { dtype: string; shape: number[]; role: string; derived: boolean; encoding: 'dense' | 'sparse' }>;
}

let python = '';
let workDir = '';

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'py-reader-'));
  python = await readerPython();
}, 660_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Runs the reader's CLI on the model topic with a JSON request; returns its JSON answer. */
async function reader(topology: Topology | { topic: string; modelId: string }, request: object | 'show'): Promise<ReaderAnswer> {
  const input = join(workDir, `${uniqueName('request')}.json`);
  writeFileSync(input, JSON.stringify(request));
  const { topic, modelId } = 'config' in topology ? { topic: topology.config.outputs.modelTopic, modelId: topology.modelId } : topology;
  const command = request === 'show' ? ['show'] : ['predict', '--input', input];
  const args = ['-m', 'streamlearn_reader', ...command, '--brokers', testBrokers().join(','), '--topic', topic, '--model-id', modelId];
  const { stdout } = await run(python, args, {
    env: { ...process.env, PYTHONPATH: join(ROOT, 'clients', 'python') },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return JSON.parse(stdout) as ReaderAnswer;
}

describe('the Python reader on a v1 checkpoint', () => {
  it('reads a record written by the v1 writer (no layout columns) and predicts as streamlearn did', async () => {
    const fixtures = join(ROOT, 'test', 'fixtures', 'checkpoints');
    const { probe, predictions } = JSON.parse(readFileSync(join(fixtures, 'v1-linear-pipeline.json'), 'utf8')) as { probe: Row[]; predictions: number[] };
    const input = join(workDir, 'v1-request.json');
    writeFileSync(input, JSON.stringify({ rows: probe }));
    const args = ['-m', 'streamlearn_reader', 'predict', '--file', join(fixtures, 'v1-linear-pipeline.slck'), '--input', input];
    const { stdout } = await run(python, args, { env: { ...process.env, PYTHONPATH: join(ROOT, 'clients', 'python') } });
    const answer = JSON.parse(stdout) as ReaderAnswer;
    expect(answer.manifest.format).toBe('streamlearn.checkpoint/v1');
    answer.predictions!.forEach((p, i) => expect(Math.abs(p! - predictions[i])).toBeLessThanOrEqual(1e-9));
  });
});

/** Trains the topology on `values` (objects as JSON, strings as they are) and returns its newest checkpoint. */
async function train(topology: Topology, values: Array<object | string>) {
  const brokers = testBrokers();
  await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
  await produce(brokers, topology.config.input.topic, values);
  const progress = await (await runTopology(topology, { brokers, until: (p) => p.records >= values.length })).done;
  expect(progress.learned).toBe(values.length);
  const latest = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
  // Several versions were published: the reader must pick the newest, not the first or the last read.
  expect(latest.manifest.version).toBeGreaterThanOrEqual(2);
  return latest;
}

// Small micro-batches: under load a large one of an MLP outlasts the consumer session (10 s), and the
// offset commit after it fails with "The coordinator is not aware of this member" (seen with ctr-mlp).
const options = (): TopologyOptions => ({ prefix: `${uniqueName('py')}.`, checkpoint: { everyRecords: 1000, everyMs: 600_000 }, batch: { maxRecords: 250 } });

interface PipelineCase {
  make(options: TopologyOptions): Topology;
  events(): Iterator<Row>;
  /** How events go on the wire (default JSON). */
  encode?(event: Row): string;
  /** Regression: predictions agree within 1e-9. Classification: identical classes. */
  regression: boolean;
  /** Probabilities also agree within this, for classifiers. */
  probabilityTolerance?: number;
  chunked?: boolean;
  /** Arrays whose shape and role the reader must see as recorded. */
  layout: Record<string, { shape: number[]; role: string; derived?: boolean; encoding?: 'dense' | 'sparse' }>;
}

const digitsCsv = (event: Row) => DIGIT_COLUMNS.map((column) => String(event[column])).join(',');

const pipelines: Record<string, PipelineCase> = {
  'regression-sgd': {
    make: regressionSgd,
    events: () => friedmanStream() as Iterator<Row>,
    regression: true,
    layout: {
      'model/weights': { shape: [11, 1], role: 'weights' },
      'model/scale': { shape: [1], role: 'scale', derived: true },
      'stage1/std': { shape: [10], role: 'scaler.std', derived: true },
    },
  },
  'ctr-logistic': {
    make: ctrLogistic,
    events: () => ctrEventStream({ functionBefore: 2 }) as Iterator<Row>,
    regression: false,
    probabilityTolerance: 1e-9,
    // Hashed weights, mostly zeros: stored sparse, 6.3 MB dense fit one record.
    chunked: false,
    layout: {
      'model/weights': { shape: [2 ** 19 + 1, 1], role: 'weights', encoding: 'sparse' },
      'model/ftrl.z': { shape: [2 ** 19 + 1, 1], role: 'optimizer.ftrl.z', encoding: 'sparse' },
    },
  },
  'text-classifier': {
    make: textClassifier,
    events: () => topicTextStream() as Iterator<Row>,
    regression: false,
    probabilityTolerance: 1e-9,
    chunked: false,
    layout: { 'model/weights': { shape: [2 ** 18 + 1, 4], role: 'weights', encoding: 'sparse' } },
  },
  'digits-mlp': {
    make: digitsMlp,
    events: () => digitsStream() as Iterator<Row>,
    encode: digitsCsv,
    regression: false,
    probabilityTolerance: 1e-4,
    layout: {
      'model/layer0/kernel': { shape: [64, 64], role: 'dense.kernel' },
      'model/layer1/kernel': { shape: [64, 10], role: 'dense.kernel' },
      'model/layer1/bias': { shape: [10], role: 'dense.bias' },
    },
  },
  'select-then-mlp': {
    make: selectThenMlp,
    events: () => selectionEvents() as Iterator<Row>,
    regression: false,
    probabilityTolerance: 1e-4,
    layout: { 'stage2/selection/mask': { shape: [50], role: 'selector.mask' } },
  },
  'ctr-mlp': {
    make: ctrMlp,
    events: () => ctrEventStream({ functionBefore: 2 }) as Iterator<Row>,
    regression: false,
    probabilityTolerance: 1e-4,
    layout: { 'model/layer0/kernel': { shape: [1024, 32], role: 'dense.kernel' } },
  },
};

describe.each(Object.keys(pipelines))('the Python reader on a %s checkpoint', (name) => {
  it('reads the newest verified version and predicts as streamlearn does', async () => {
    const { make, events, encode, regression, probabilityTolerance, chunked, layout } = pipelines[name];
    const topology = make(options());
    const stream = events();
    const trainingEvents = take(stream, EVENTS);
    const latest = await train(topology, encode ? trainingEvents.map(encode) : trainingEvents);
    expect(Boolean(latest.manifest.chunks)).toBe(Boolean(chunked));
    const model = fromState<Row>(latest.state);
    const probe = take(stream, PROBES);

    const answer = await reader(topology, { rows: probe, probabilities: probabilityTolerance !== undefined });
    expect(answer.rejected).toEqual([]);
    expect(answer.manifest.version).toBe(latest.manifest.version);
    expect(answer.manifest.payloadSha256).toBe(latest.manifest.payloadSha256);
    const expected = Array.from(model.predictMany(probe));
    const got = answer.predictions!.map((p) => p ?? NaN);
    if (regression) {
      got.forEach((p, i) => expect(Math.abs(p - expected[i])).toBeLessThanOrEqual(1e-9));
    } else {
      expect(got).toEqual(expected);
      // Not all one class: the comparison would prove little if the model answered a constant.
      expect(new Set(expected).size).toBeGreaterThan(1);
    }
    // Every array with a shape that fits its values, and the ones named here as recorded.
    const { arrays } = await reader(topology, 'show');
    for (const [arrayName, info] of Object.entries(arrays!)) {
      const values = latest.state.arrays[arrayName];
      if (values) expect(info.shape.reduce((a, b) => a * b, 1)).toBe(values.length);
      else expect(info.derived).toBe(true);
    }
    for (const [arrayName, expectedLayout] of Object.entries(layout))
      expect(arrays![arrayName]).toMatchObject({ derived: false, encoding: 'dense', ...expectedLayout });
    if (probabilityTolerance !== undefined) {
      const classifier = model as unknown as Classifier<Row>;
      const probabilities = classifier.predictProbaMany(probe);
      answer.probabilities!.forEach((row, i) =>
        row.forEach((p, c) => expect(Math.abs(p - probabilities[i * classifier.numClasses + c])).toBeLessThanOrEqual(probabilityTolerance)),
      );
    }
  });
});

describe.each(['explicit', 'implicit'] as const)('the Python reader on a reco-mf (%s) checkpoint', (feedback) => {
  it('scores pairs and returns the same top-K lists as streamlearn', async () => {
    const topology = recoMf({ ...options(), feedback });
    const world = createRecoWorld({ users: 60, items: 90, seed: 17 });
    const stream = world.events();
    const values = take(stream, EVENTS).map((e) => (feedback === 'explicit' ? e : { ...e, rating: undefined }));
    const latest = await train(topology, values);
    expect(latest.manifest.model.kind).toBe(feedback === 'explicit' ? 'BiasedMF' : 'BprMF');
    const model = fromState(latest.state) as unknown as Recommender & Estimator<object>;
    const probe: object[] = [...take(stream, PROBES), { userId: 'nobody-yet', itemId: 'i3' }, { userId: 'u1', itemId: 'no-such-item' }];
    const asks: Array<{ userId: string; k: number; exclude?: string[] }> = [
      ...['u0', 'u1', 'u7', 'u33'].map((userId) => ({ userId, k: 10 })),
      { userId: 'u2', k: 5, exclude: ['i0', 'i1', 'i2'] },
      { userId: 'nobody-yet', k: 10 },
    ];

    const answer = await reader(topology, { rows: probe, recommend: asks });
    expect(answer.manifest.version).toBe(latest.manifest.version);
    const expected = Array.from(model.predictMany(probe));
    answer.predictions!.forEach((p, i) => expect(Math.abs(p! - expected[i])).toBeLessThanOrEqual(1e-9));
    asks.forEach((ask, a) => {
      const mine = model.recommend(ask.userId, ask.k, { exclude: ask.exclude });
      expect(answer.recommendations![a].map((r) => r.itemId)).toEqual(mine.map((r) => r.itemId));
      expect(mine.length).toBe(ask.k);
      answer.recommendations![a].forEach((r, i) => expect(Math.abs(r.score - mine[i].score)).toBeLessThanOrEqual(1e-9));
    });
  });
});

describe('the Python reader on kinds no ready-made topology uses', () => {
  it('predicts a pipeline of Imputer (median), OneHotEncoder and VectorAssembler into a LinearSVM; skips a tampered version, reads a versioned key', async () => {
    const random = createRandom(3);
    const colors = ['red', 'green', 'blue', 'teal'];
    const row = (): Row => {
      const a = random.gaussian();
      const color = colors[Math.floor(random.next() * colors.length)];
      return { a: random.next() < 0.2 ? null : a, b: random.gaussian(), color, flag: random.next() < 0.5 };
    };
    const label = (r: Row) => (((r.a as number | null) ?? 0) + (r.color === 'red' ? 1 : -0.3) + (r.flag ? 0.5 : 0) > 0 ? 1 : 0);
    const model = pipeline(
      createImputer({ inputCols: ['a', 'b'], outputCols: ['ai', 'bi'], strategy: 'median' }),
      createOneHotEncoder({ inputCols: ['color'], outputCol: 'colors', maxCategories: 3 }),
      createVectorAssembler({ inputCols: ['ai', 'bi', 'flag', 'colors'], vectorSizes: { colors: 4 } }),
      createLinearSVM({ numFeatures: 7, stepSize: 0.05, regParam: 0.01, optimizer: { kind: 'adam' } }),
    );
    const { topic, last, sink } = await publishVersions('py-kinds', 'kinds-svm', 4, () => {
      for (let i = 0; i < 300; i++) {
        const r = row();
        model.learnOne(r, label(r));
      }
      return model as unknown as Estimator<never>;
    });
    try {
      expect(last.chunks!.count).toBeGreaterThan(1);
      // A newer manifest whose payload does not match its hash: the reader must skip it, with a reason.
      const { manifest, payload } = buildCheckpoint({ modelId: 'kinds-svm', version: 99, offsets: [], examplesSeen: 0, metrics: {} }, model.state());
      const tampered = Buffer.from(payload);
      tampered[tampered.length - 9] ^= 1;
      // A good version under its version key only (as a publisher keeping versions writes it), and one whose
      // key names another version than its manifest: the first is read, the second refused.
      const good = buildCheckpoint({ modelId: 'kinds-svm', version: last.version + 1, offsets: [], examplesSeen: 0, metrics: {} }, model.state());
      await sink.send(topic, [
        { key: 'kinds-svm', value: encodeEnvelope({ ...manifest, chunks: undefined }, tampered) },
        { key: `kinds-svm@v${last.version + 1}`, value: encodeEnvelope(good.manifest, good.payload) },
        { key: 'kinds-svm@v77', value: encodeEnvelope({ ...good.manifest, version: 78 }, good.payload) },
      ]);
      const probe = Array.from({ length: PROBES }, row);
      const answer = await reader({ topic, modelId: 'kinds-svm' }, { rows: probe });
      expect(answer.manifest.version).toBe(last.version + 1);
      expect(answer.rejected).toHaveLength(2);
      expect(answer.rejected[0]).toMatch(/SHA-256/);
      expect(answer.rejected[1]).toMatch(/names another model or version/);
      const expected = Array.from(model.predictMany(probe));
      expect(answer.predictions).toEqual(expected);
      expect(new Set(expected).size).toBe(2);
    } finally {
      await sink.close();
    }
  });

  it('recommends with a Popularity model as streamlearn does', async () => {
    const model = createPopularity();
    const events = take(createRecoWorld({ users: 30, items: 50, seed: 9 }).events(), 2000);
    const { topic, last, sink } = await publishVersions('py-kinds', 'kinds-popularity', 2, (version) => {
      events.slice((version - 1) * 1000, version * 1000).forEach((e) => model.learnOne(e, 1));
      return model as unknown as Estimator<never>;
    });
    await sink.close();
    const asks = [
      { userId: 'u1', k: 10 },
      { userId: 'u2', k: 7, exclude: ['i0', 'i5'] },
    ];
    const answer = await reader({ topic, modelId: 'kinds-popularity' }, { rows: events.slice(0, 50), recommend: asks });
    expect(answer.manifest.version).toBe(last.version);
    expect(answer.predictions).toEqual(Array.from(model.predictMany(events.slice(0, 50))));
    asks.forEach((ask, a) => expect(answer.recommendations![a]).toEqual(model.recommend(ask.userId, ask.k, { exclude: ask.exclude })));
  });

  it('scores and recommends with a FactorizationMachine (hashed ids and context fields) as streamlearn does', async () => {
    const model = createFactorizationMachine({ bits: 12, factors: 4, userFields: ['device'], itemFields: ['category'] });
    const events = take(createRecoWorld({ users: 40, items: 60, seed: 21 }).events(), 3000);
    const { topic, last, sink } = await publishVersions('py-kinds', 'kinds-fm', 3, (version) => {
      events.slice((version - 1) * 1000, version * 1000).forEach((e) => model.learnOne(e, e.rating));
      return model;
    });
    await sink.close();
    const asks = [
      { userId: 'u1', k: 10, context: { device: events[0].device } },
      { userId: 'u3', k: 5, exclude: ['i1'], context: { device: 'tablet' } },
      { userId: 'someone', k: 8 },
    ];
    const probe = [...events.slice(0, 100), { userId: 'someone', itemId: 'i2', device: 'web', category: 'c1' }];
    const answer = await reader({ topic, modelId: 'kinds-fm' }, { rows: probe, recommend: asks });
    expect(answer.manifest.version).toBe(last.version);
    const expected = Array.from(model.predictMany(probe));
    answer.predictions!.forEach((p, i) => expect(Math.abs(p! - expected[i])).toBeLessThanOrEqual(1e-9));
    asks.forEach((ask, a) => {
      const mine = model.recommend(ask.userId, ask.k, { exclude: ask.exclude, context: ask.context });
      expect(answer.recommendations![a].map((r) => r.itemId)).toEqual(mine.map((r) => r.itemId));
      answer.recommendations![a].forEach((r, i) => expect(Math.abs(r.score - mine[i].score)).toBeLessThanOrEqual(1e-9));
    });
  });

  it('follows mixer epochs: reads the versions of a reset group, refuses an older generation within an epoch and an older epoch', async () => {
    const topic = await publishEpochStampedVersions('py-epochs');
    const answer = await reader({ topic, modelId: 'mixed' }, 'show');
    expect([answer.manifest.version, answer.manifest.epoch, answer.manifest.generation]).toEqual([5, 1, 3]);
    expect(answer.rejected).toEqual([
      expect.stringMatching(/mixed v3 comes from generation 1, older than generation 2 already accepted$/),
      expect.stringMatching(/mixed v4 comes from epoch 0, older than epoch 1 already accepted$/),
    ]);
  });

  it('maps classes to labels for a LabelIndexed classifier (its state written here, as the wrapper writes it)', async () => {
    const random = createRandom(8);
    const rows = Array.from({ length: 400 }, () => ({ a: random.gaussian(), b: random.gaussian(), c: random.gaussian() }));
    const inner = pipeline(createVectorAssembler({ inputCols: ['a', 'b', 'c'] }), createSoftmaxRegression({ numFeatures: 3, numClasses: 3 }));
    rows.forEach((r) => inner.learnOne(r, r.a > 0.5 ? 2 : r.b > 0 ? 0 : 1));
    const { kind, version, config, arrays } = inner.state();
    const labels = ['cat', 'dog', 'bird'];
    const state = {
      kind: 'LabelIndexed',
      version: 1,
      config: { labels, model: { kind, version, config } },
      arrays: Object.fromEntries(Object.entries(arrays).map(([name, a]) => [`model/${name}`, a])),
    };
    const { manifest, payload } = buildCheckpoint({ modelId: 'labels', version: 1, offsets: [], examplesSeen: 400, metrics: {} }, state);
    const file = join(workDir, 'label-indexed.slck');
    writeFileSync(file, encodeEnvelope(manifest, payload));
    const input = join(workDir, 'label-indexed.json');
    writeFileSync(input, JSON.stringify({ rows: rows.slice(0, 100), probabilities: true }));
    const { stdout } = await run(python, ['-m', 'streamlearn_reader', 'predict', '--file', file, '--input', input], {
      env: { ...process.env, PYTHONPATH: join(ROOT, 'clients', 'python') },
    });
    const answer = JSON.parse(stdout) as ReaderAnswer;
    const classes = Array.from(inner.predictMany(rows.slice(0, 100)));
    expect(answer.predictions).toEqual(classes);
    expect(answer.labels).toEqual(classes.map((c) => labels[c]));
    expect(new Set(answer.labels).size).toBe(3);
  });
});
