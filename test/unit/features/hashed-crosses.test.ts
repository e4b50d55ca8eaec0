import '../../../src/builtins';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import { createFeatureHasher } from '../../../src/features/feature-hasher';
import { createHashedCrosses, type HashedCrossesConfig } from '../../../src/features/hashed-crosses';
import { createInteractions } from '../../../src/features/interactions';
import { pipeline, pipelineFromState } from '../../../src/features/pipeline';
import { stageFromState } from '../../../src/features/registry';
import type { Row, Stage } from '../../../src/features/stage';
import { ReusedStageOutput } from '../../../src/features/stage-output';
import type { SizedSparseVector } from '../../../src/features/vector';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLogisticRegression } from '../../../src/learners';
import { CTR_FEATURES, CTR_FIELDS } from '../../../topologies/ctr-logistic';

/** The stage chain HashedCrosses replaces (ctr-logistic's stages until stop 21), from the same config. */
function chainOf(config: HashedCrossesConfig): Stage[] {
  const bits = config.bits ?? 18;
  const crossBits = config.crossBits ?? 18;
  const shared = { seed: config.seed, signed: config.signed };
  return [
    createFeatureHasher({ inputCols: config.inputCols, outputCol: 'columns', bits, ...shared }),
    ...Object.entries(config.namespaces).map(([name, { inputCols, bits: nsBits }]) =>
      createFeatureHasher({ inputCols, outputCol: name, bits: nsBits, ...shared }),
    ),
    createInteractions({ pairs: config.pairs, outputCol: 'crosses', bits: crossBits, seed: config.seed }),
    createVectorAssembler({ inputCols: ['columns', 'crosses'], vectorSizes: { columns: 2 ** bits, crosses: 2 ** crossBits } }),
  ];
}

/** The chain's output for `record`, through the row forms. */
function chainVector(chain: Stage[], record: Row): SizedSparseVector {
  const row = { ...record };
  for (const stage of chain) stage.transform(row);
  return row.features as SizedSparseVector;
}

const plain = (vector: SizedSparseVector) => ({ size: vector.size, indices: Array.from(vector.indices), values: Array.from(vector.values) });

function expectSameVectors(config: HashedCrossesConfig, records: Row[]): void {
  const chain = chainOf(config);
  const fused = createHashedCrosses(config);
  const out = new ReusedStageOutput();
  for (const record of records) {
    const expected = plain(chainVector(chain, record));
    const row = { ...record };
    fused.transform(row);
    expect(plain(row.features as SizedSparseVector)).toEqual(expected);
    const reused = { ...record };
    fused.transformInto!(reused, out);
    // toEqual on plain arrays compares with Object.is: -0, signs and every bit of the sums.
    expect(plain(reused.features as SizedSparseVector)).toEqual(expected);
  }
}

const ctrEvents = (n: number, seed = 5): Row[] => {
  const stream = ctrEventStream({ seed });
  return Array.from({ length: n }, () => stream.next().value as Row);
};

describe('createHashedCrosses', () => {
  it("gives ctr-logistic's vector of the old stage chain, event by event, bit for bit", () => {
    expectSameVectors(CTR_FEATURES, ctrEvents(2000));
  });

  it('gives the same vectors where slots collide, cancel, and with numbers, arrays, booleans and missing values', () => {
    // 2^2-slot spaces: most entries collide; signed sums cancel to zero and are dropped, as in the chain.
    const config: HashedCrossesConfig = {
      inputCols: ['a', 'b', 'c', 'd'],
      bits: 3,
      seed: 17,
      namespaces: { left: { inputCols: ['c', 'a'], bits: 2 }, right: { inputCols: ['b', 'd', 'c'], bits: 2 } },
      pairs: [
        ['left', 'right'],
        ['right', 'right'],
      ],
      crossBits: 3,
    };
    const records: Row[] = [];
    for (let i = 0; i < 400; i++) {
      records.push({
        a: i % 5 === 0 ? null : `a${i % 7}`,
        b: i % 3 === 0 ? 0.1 * (i % 11) - 0.3 : [`x${i % 4}`, `y${i % 6}`, `x${i % 4}`],
        c: i % 4 === 0 ? i % 8 === 0 : 1.7 * ((i % 9) - 4),
        d: i % 6 === 0 ? undefined : `d${i % 13}`,
      });
    }
    expectSameVectors(config, records);
    expectSameVectors({ ...config, signed: false }, records);
  });

  it("learns ctr-logistic's FTRL weights bit for bit, and predicts alike, against the old stage chain", () => {
    const learner = () =>
      createLogisticRegression({ numFeatures: 2 ** 19, optimizer: { kind: 'ftrl' }, stepSize: 0.1, regParam: 1, elasticNetParam: 0.5, dtype: 'float32' });
    const old = pipeline(...chainOf(CTR_FEATURES), learner());
    const fused = pipeline(createHashedCrosses(CTR_FEATURES), learner());
    for (const event of ctrEvents(2000, 9)) {
      const { label, ...x } = event;
      expect(fused.predictProbaOne(x)).toEqual(old.predictProbaOne(x));
      old.learnOne(x, label as number);
      fused.learnOne(x, label as number);
    }
    // The model's arrays as bytes: equal bytes are equal weights, bit for bit (and a quick compare of 2^19 slots).
    const model = (state: { arrays: Record<string, ArrayBufferView> }) =>
      Object.fromEntries(
        Object.entries(state.arrays)
          .filter(([name]) => name.startsWith('model/'))
          .map(([name, array]) => [name, Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64')]),
      );
    const learned = model(fused.state());
    expect(Object.keys(learned).length).toBeGreaterThan(0);
    expect(learned).toEqual(model(old.state()));
    // Both restore from their checkpoint states (a checkpoint written before stop 21 holds the chain) and
    // predict the same probabilities, bit for bit.
    const probe = ctrEvents(50, 10).map(({ label: _label, ...x }) => x);
    const expected = probe.map((x) => fused.predictProbaOne(x));
    expect(new Set(expected.map((p) => p[1] > 0.5)).size).toBe(2);
    for (const state of [fused.state(), old.state()]) {
      const restored = pipelineFromState(state) as typeof fused;
      expect(probe.map((x) => restored.predictProbaOne(x))).toEqual(expected);
    }
  });

  it('restores from its state, which keeps every setting', () => {
    const stage = createHashedCrosses(CTR_FEATURES);
    const state = stage.state();
    expect(state).toMatchObject({ kind: 'HashedCrosses', version: 1, config: { inputCols: CTR_FIELDS, bits: 18, seed: 0, signed: true, crossBits: 18 } });
    const again = stageFromState(JSON.parse(JSON.stringify(state)));
    const [event] = ctrEvents(1);
    const a = { ...event };
    const b = { ...event };
    stage.transform(a);
    again.transform(b);
    expect(plain(b.features as SizedSparseVector)).toEqual(plain(a.features as SizedSparseVector));
  });

  it('refuses a bad value in one line naming the stage and column, and an overflowing cross as non-finite', () => {
    const stage = createHashedCrosses(CTR_FEATURES);
    expect(() => stage.transform({ age: { nested: 1 } })).toThrow(new DecodeError('SCHEMA', 'HashedCrosses: column "age" holds Object'));
    expect(() => stage.transform({ age: [1] })).toThrow(DecodeError);
    expect(() => stage.transform({ age: Infinity })).toThrow(NonFiniteError);
    const big = createHashedCrosses({ inputCols: ['a', 'b'], namespaces: { x: { inputCols: ['a'] }, y: { inputCols: ['b'] } }, pairs: [['x', 'y']] });
    expect(() => big.transform({ a: 1e200, b: 1e200 })).toThrow(/^HashedCrosses: output slot \d+ is -?Infinity \(a sum or product overflowed\)$/);
  });

  it('refuses configs it cannot honour', () => {
    const base = CTR_FEATURES;
    expect(() => createHashedCrosses({ ...base, namespaces: {} })).toThrow(ConfigError);
    expect(() => createHashedCrosses({ ...base, namespaces: { n: { inputCols: ['nope'] } }, pairs: [['n', 'n']] })).toThrow(
      'HashedCrosses: namespaces.n reads column "nope", which is not one of inputCols',
    );
    expect(() => createHashedCrosses({ ...base, pairs: [['ageNs', 'other']] })).toThrow(/pairs\[0\] must be two of the namespaces \(ageNs, profileNs\)/);
    expect(() => createHashedCrosses({ ...base, pairs: [] })).toThrow(ConfigError);
    expect(() => createHashedCrosses({ ...base, crossBits: 31 })).toThrow(ConfigError);
    expect(() => createHashedCrosses({ ...base, outputCol: 'age' })).toThrow(ConfigError);
  });
});
