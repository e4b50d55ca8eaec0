import '../../../src/builtins';
import { CheckpointError, ConfigError, DecodeError } from '../../../src/errors';
import {
  createFeatureHasher,
  createHashingTokenizer,
  createImputer,
  createInteractions,
  createOneHotEncoder,
  createStandardScaler,
  createVectorAssembler,
  pipeline,
  type Pipeline,
  pipelineFromState,
  type Row,
} from '../../../src/features';
import { createLinearRegression, createLogisticRegression, fromState, type LearnerState } from '../../../src/learners';
import { createRandom } from '../../../src/random';

const CITIES = ['Oslo', 'Lima', 'Kyiv', 'Pune', 'Bern', 'Cork', 'Riga', 'Nice'];
const WORDS = ['fast', 'slow', 'red', 'blue', 'big', 'small', 'new', 'old'];

/** Records with missing numbers, categories and text; the target depends on all of them. */
function records(count: number, seed: number): { x: Row; y: number }[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const age = 20 + 40 * random.next();
    const income = 1000 * random.gaussian();
    const city = CITIES[random.nextInt(CITIES.length)];
    const words = Array.from({ length: 1 + random.nextInt(4) }, () => WORDS[random.nextInt(WORDS.length)]);
    const y = 0.05 * age + 0.001 * income + (city === 'Oslo' ? 2 : 0) + (words.includes('fast') ? 1 : 0) + 0.1 * random.gaussian();
    const x = {
      age: random.next() < 0.1 ? null : age,
      income,
      city,
      tier: `t${random.nextInt(3)}`,
      text: words.join(' '),
    };
    return { x, y };
  });
}

const WIDTH = 2 + 16 + 6 + 256 + 256;

function featurePipeline(model = createLinearRegression({ numFeatures: WIDTH, stepSize: 0.01 })): Pipeline {
  return pipeline(
    createImputer({ inputCols: ['age', 'income'], outputCols: ['age_f', 'income_f'], strategy: 'median' }),
    createVectorAssembler({ inputCols: ['age_f', 'income_f'], outputCol: 'numeric' }),
    createStandardScaler({ inputCol: 'numeric', outputCol: 'scaled' }),
    createFeatureHasher({ inputCols: ['city', 'tier'], outputCol: 'hashed', bits: 4 }),
    createOneHotEncoder({ inputCols: ['city'], outputCol: 'city_onehot', maxCategories: 5 }),
    createHashingTokenizer({ inputCol: 'text', outputCol: 'words', bits: 8, norm: 'l2' }),
    createInteractions({ pairs: [['city_onehot', 'words']], outputCol: 'crossed', bits: 8 }),
    createVectorAssembler({
      inputCols: ['scaled', 'hashed', 'city_onehot', 'words', 'crossed'],
      vectorSizes: { scaled: 2, hashed: 16, city_onehot: 6, words: 256, crossed: 256 },
    }),
    model,
  );
}

/** What a checkpoint would carry: config through JSON, arrays as typed arrays. */
const stored = (state: LearnerState): LearnerState => ({ ...state, config: JSON.parse(JSON.stringify(state.config)) });

describe('pipeline', () => {
  it('learns raw records: stages count every learnt record, and the model fits the target', () => {
    const train = records(3000, 1);
    const model = featurePipeline();
    for (const { x, y } of train) model.learnOne(x, y);
    const imputer = model.stages[0].state();
    expect(imputer.arrays.count).toEqual(Float64Array.from([train.filter(({ x }) => x.age !== null).length, 3000]));
    const test = records(500, 2);
    const mean = test.reduce((sum, { y }) => sum + y, 0) / test.length;
    const squaredError = (predict: (x: Row) => number) => test.reduce((sum, { x, y }) => sum + (predict(x) - y) ** 2, 0);
    expect(squaredError((x) => model.predictOne(x))).toBeLessThan(0.2 * squaredError(() => mean));
  });

  it('featurises each learnt record with the statistics of the records before it', () => {
    const learnt: number[] = [];
    const recorder = createLinearRegression({ numFeatures: 1 });
    recorder.learnOne = (x) => learnt.push((x as Float64Array)[0]);
    const scaled = pipeline(createStandardScaler({ inputCol: 'x', outputCol: 'z' }), recorder);
    for (const x of [1, 3, 5, 7]) scaled.learnOne({ x: [x] }, 0);
    // No spread before the third record; then (5 − 2) / std(1, 3) and (7 − 3) / std(1, 3, 5).
    expect(learnt).toEqual([0, 0, 3 / Math.SQRT2, 2]);
  });

  it('rebuilds from state, every stage and the model, predicting identically and learning on identically', () => {
    const original = featurePipeline();
    for (const { x, y } of records(400, 3)) original.learnOne(x, y);
    const state = stored(original.state());
    expect(state.kind).toBe('Pipeline');
    const restored = pipelineFromState(state);
    const viaRegistry = fromState<Row>(state);
    const probe = records(200, 4);
    for (const { x } of probe) {
      expect(restored.predictOne(x)).toBe(original.predictOne(x));
      expect(viaRegistry.predictOne(x)).toBe(original.predictOne(x));
    }
    for (const { x, y } of probe) {
      original.learnOne(x, y);
      restored.learnOne(x, y);
    }
    expect(restored.state()).toEqual(original.state());
    for (const { x } of records(50, 5)) expect(restored.predictOne(x)).toBe(original.predictOne(x));
  });

  it('learnMany and predictMany match learnOne and predictOne record by record', () => {
    const batch = records(200, 6);
    const one = featurePipeline();
    const many = featurePipeline();
    for (const { x, y } of batch) one.learnOne(x, y);
    many.learnMany(
      batch.map(({ x }) => x),
      batch.map(({ y }) => y),
      'test@0',
    );
    expect(many.state()).toEqual(one.state());
    const probe = records(20, 7).map(({ x }) => x);
    expect(Array.from(many.predictMany(probe))).toEqual(probe.map((x) => one.predictOne(x)));
  });

  it('drops records a stage skips: no learning, NaN predictions', () => {
    const skipping = pipeline(createVectorAssembler({ inputCols: ['a', 'b'], handleInvalid: 'skip' }), createLogisticRegression({ numFeatures: 2 }));
    skipping.learnOne({ a: 1, b: 2 }, 1);
    const before = skipping.state();
    skipping.learnOne({ a: null, b: 2 }, 0);
    skipping.learnMany([{ a: NaN, b: 1 }], [1]);
    expect(skipping.state()).toEqual(before);
    expect(skipping.predictOne({ a: null, b: 1 })).toBeNaN();
    expect(Array.from(skipping.predictProbaOne({ a: null, b: 1 }))).toEqual([NaN, NaN]);
    const probabilities = skipping.predictProbaMany([{ a: 1, b: 0 }, { b: 0 }]);
    expect(probabilities[0] + probabilities[1]).toBeCloseTo(1, 12);
    expect(probabilities[2]).toBeNaN();
    expect(skipping.transformOne({ a: 1, b: 2 })).toEqual(Float64Array.from([1, 2]));
    expect(skipping.numClasses).toBe(2);
  });

  it('rejects malformed pipelines and states', () => {
    const model = createLinearRegression({ numFeatures: 1 });
    expect(() => pipeline(model)).toThrow(ConfigError);
    expect(() => pipeline(createImputer({ inputCols: ['a', 'b'], outputCols: ['c', 'd'] }), model)).toThrow(/writes 2 columns/);
    const notVector = pipeline(createImputer({ inputCols: ['a'], outputCols: ['c'] }), model);
    expect(() => notVector.learnOne({ a: 1 }, 1)).toThrow(DecodeError);
    expect(() => notVector.predictOne({ a: 1 })).toThrow(/"c" written by Imputer holds 1, not a vector/);
    const state = stored(featurePipeline().state());
    const stages = state.config.stages as { kind: string }[];
    expect(() => pipelineFromState({ ...state, config: { ...state.config, stages: [{ ...stages[0], kind: 'Nope' }] } })).toThrow(CheckpointError);
    expect(() => pipelineFromState({ ...state, config: { ...state.config, model: null } })).toThrow(/model state header/);
  });
});

describe('Pipeline prediction of a batch through the column forms', () => {
  const fields = ['a', 'b', 'c'];
  const make = (calls: { rows: number }) => {
    const model = pipeline(
      createVectorAssembler({ inputCols: fields, outputCol: 'raw', handleInvalid: 'skip' }),
      createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      createLinearRegression({ numFeatures: fields.length, stepSize: 0.05 }),
    );
    for (const stage of model.stages) {
      const { transform } = stage;
      stage.transform = (row) => (calls.rows++, transform(row));
    }
    return model;
  };
  const rows: Row[] = Array.from({ length: 40 }, (_, i) => ({ a: Math.sin(i) * 3, b: Math.cos(i * 0.7) - 1, c: (i % 4) / 3, y: i / 7 }));

  it('predicts each row as predictOne does, bit for bit, calling the row forms only for rows a kernel declines', () => {
    const calls = { rows: 0 };
    const model = make(calls);
    for (const row of rows.slice(0, 30)) model.learnOne(row, row.y as number);
    const batch = [...rows.slice(30), { a: NaN, b: 1, c: 2 }, { a: Infinity, b: 1, c: 2 }];
    calls.rows = 0;
    const predicted = model.predictMany(batch);
    // The two declined rows take the assembler's row form, which drops them (NaN predictions).
    expect(calls.rows).toBe(2);
    const one = batch.map((row) => model.predictOne(row));
    expect(Array.from(predicted)).toEqual(one);
    expect(one.slice(-2).every(Number.isNaN)).toBe(true);
  });

  it('takes the row forms for a batch with a cell that is not a number, with their error', () => {
    const model = make({ rows: 0 });
    for (const row of rows) model.learnOne(row, row.y as number);
    const batch = [rows[0], { ...rows[1], b: 'x' }];
    expect(() => model.predictMany(batch)).toThrow(DecodeError);
    expect(() => model.predictOne(batch[1])).toThrow(DecodeError);
    expect(model.predictMany([rows[0], { ...rows[1], b: 2 }])[1]).toBe(model.predictOne({ ...rows[1], b: 2 }));
  });
});

describe('Pipeline prediction of a batch without column forms (hashed categories)', () => {
  const FIELDS = ['city', 'tier', 'word'];
  const make = (calls: { rows: number }) => {
    const model = pipeline(
      createFeatureHasher({ inputCols: FIELDS, outputCol: 'categories', bits: 6 }),
      createFeatureHasher({ inputCols: ['city'], outputCol: 'cityNs', bits: 3 }),
      createFeatureHasher({ inputCols: ['tier', 'word'], outputCol: 'restNs', bits: 3 }),
      createInteractions({ pairs: [['cityNs', 'restNs']], outputCol: 'crosses', bits: 6 }),
      createVectorAssembler({ inputCols: ['categories', 'crosses'], vectorSizes: { categories: 64, crosses: 64 }, handleInvalid: 'skip' }),
      createLogisticRegression({ numFeatures: 128, stepSize: 0.2 }),
    );
    for (const stage of model.stages) {
      const { transform } = stage;
      stage.transform = (row) => (calls.rows++, transform(row));
    }
    return model;
  };
  const random = createRandom(11);
  const rows: Row[] = Array.from({ length: 60 }, () => ({
    city: CITIES[random.nextInt(CITIES.length)],
    tier: `t${random.nextInt(3)}`,
    word: WORDS[random.nextInt(WORDS.length)],
    y: random.nextInt(2),
  }));

  it('predicts each row as predictProbaOne does, bit for bit, through the reused buffers (no row form), and leaves the fused pass its buffers', () => {
    const calls = { rows: 0 };
    const model = make(calls);
    for (const row of rows.slice(0, 40)) model.learnOne(row, row.y as number);
    // With rows missing fields: fewer entries, an empty vector.
    const batch = [...rows.slice(40), { city: 'Oslo' }, {}];
    const held = model.featureStep(rows[0], () => true);
    const heldCopy = held && 'indices' in held ? { indices: held.indices.slice(), values: held.values.slice() } : null;
    calls.rows = 0;
    const probabilities = model.predictProbaMany(batch);
    expect(calls.rows).toBe(0);
    const one = batch.flatMap((row) => Array.from(model.predictProbaOne(row)));
    expect(Array.from(probabilities)).toEqual(one);
    expect(Array.from(model.predictMany(batch))).toEqual(batch.map((row) => model.predictOne(row)));
    // The fused pass's features, handed out before the prediction, are still the row's.
    expect(held && 'indices' in held ? { indices: held.indices, values: held.values } : null).toEqual(heldCopy);
  });

  it('refuses a bad cell with the row form’s error', () => {
    const model = make({ rows: 0 });
    const bad = { ...rows[0], tier: { nested: true } };
    expect(() => model.predictProbaMany([rows[1], bad])).toThrow(DecodeError);
    expect(() => model.predictProbaMany([rows[1], bad])).toThrow(/FeatureHasher: column "tier" holds/);
    expect(() => model.predictOne(bad)).toThrow(/FeatureHasher: column "tier" holds/);
  });
});
