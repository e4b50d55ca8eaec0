import '../../../src/builtins';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPayload } from '../../../src/checkpoints/arrow-arrays';
import { buildCheckpoint, decodeEnvelope, openCheckpoint } from '../../../src/checkpoints/envelope';
import { registerLayout } from '../../../src/checkpoints/layout';
import { CHECKPOINT_FORMAT } from '../../../src/checkpoints/manifest';
import { pipeline } from '../../../src/features/pipeline';
import { createStandardScaler } from '../../../src/features/standard-scaler';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createSoftmaxRegression, fromState } from '../../../src/learners';
import { createLinearRegression } from '../../../src/learners';
import { createBiasedMF } from '../../../src/reco';

const FIXTURES = join(__dirname, '../../fixtures/checkpoints');
const fields = { modelId: 'layout-test', version: 1, offsets: [], examplesSeen: 0, metrics: {} };

function rows(n: number, seed = 7): Row[] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, () => ({ a: rnd() * 10, b: rnd(), c: 3 }));
}

/** Predicts from the payload alone, with the formulas of docs/checkpoint-format.md. */
function predictFromLayout(payload: Uint8Array, xs: Row[]): number[] {
  const { arrays, derived, layout } = readPayload(payload);
  const [dPlus1, k] = layout['model/weights'].shape;
  expect(k).toBe(1);
  const weights = arrays['model/weights'];
  const scale = derived['model/scale'][0];
  const { 'stage1/mean': mean } = arrays;
  const std = derived['stage1/std'];
  return xs.map((x) => {
    const raw = [x.a, x.b, x.c] as number[];
    let sum = weights[dPlus1 - 1];
    for (let j = 0; j < dPlus1 - 1; j++) sum += scale * weights[j] * (std[j] > 0 ? (raw[j] - mean[j]) / std[j] : 0);
    return sum;
  });
}

describe('checkpoint layout (format v2)', () => {
  const model = () =>
    pipeline(
      createVectorAssembler({ inputCols: ['a', 'b', 'c'], outputCol: 'raw' }),
      createStandardScaler({ inputCol: 'raw', outputCol: 'f' }),
      createLinearRegression({ numFeatures: 3, stepSize: 0.05, regParam: 0.01, elasticNetParam: 0.5 }),
    );

  it('records shape and role of every array, and the effective-weight scale, so the payload alone predicts', () => {
    const learner = model();
    for (const x of rows(200)) learner.learnOne(x, 2 * (x.a as number) - 5 * (x.b as number) + 1);
    const state = learner.state();
    expect(state.arrays['model/penalty.scalars'][1]).not.toBe(1);
    const { manifest, payload } = buildCheckpoint(fields, state);
    expect(manifest.format).toBe(CHECKPOINT_FORMAT);
    const { layout, derived } = readPayload(payload);
    expect(layout['model/weights']).toEqual({ shape: [4, 1], role: 'weights' });
    expect(layout['stage1/mean']).toEqual({ shape: [3], role: 'scaler.mean' });
    expect(layout['stage1/std']).toEqual({ shape: [3], role: 'scaler.std' });
    expect(Array.from(derived['model/scale'])).toEqual([state.arrays['model/penalty.scalars'][1]]);
    // The constant column c has no spread: its std is 0 and it maps to 0.
    expect(derived['stage1/std'][2]).toBe(0);
    const probe = rows(50, 99);
    const expected = Array.from(learner.predictMany(probe));
    predictFromLayout(payload, probe).forEach((p, i) => expect(Math.abs(p - expected[i])).toBeLessThan(1e-12));
  });

  it('restores exactly the saved state: derived arrays stay out of it', () => {
    const learner = model();
    for (const x of rows(20)) learner.learnOne(x, 1);
    const state = learner.state();
    const { manifest, payload } = buildCheckpoint(fields, state);
    const opened = openCheckpoint(manifest, payload);
    expect(Object.keys(opened.state.arrays).sort()).toEqual(Object.keys(state.arrays).sort());
  });

  it('gives a softmax learner a (d + 1) × K weight matrix and a recommender its id-table rows', () => {
    const softmax = createSoftmaxRegression({ numFeatures: 5, numClasses: 3 });
    softmax.learnOne(Float64Array.of(1, 2, 3, 4, 5), 2);
    expect(readPayload(buildCheckpoint(fields, softmax.state()).payload).layout.weights).toEqual({ shape: [6, 3], role: 'weights' });
    const mf = createBiasedMF({ factors: 4 });
    mf.learnOne({ userId: 'u1', itemId: 'i1' }, 4);
    mf.learnOne({ userId: 'u2', itemId: 'i1' }, 3);
    const { layout } = readPayload(buildCheckpoint(fields, mf.state()).payload);
    expect(layout['items/factors']).toEqual({ shape: [1, 4], role: 'items.factors' });
    expect(layout['users/factors']).toEqual({ shape: [2, 4], role: 'users.factors' });
    expect(layout['users/idOffsets']).toEqual({ shape: [3], role: 'users.ids.offsets' });
    expect(layout.global).toEqual({ shape: [2], role: 'global.mean_count' });
  });

  it('still reads a v1 checkpoint written by the v1 writer, and predicts as it did', () => {
    const bytes = readFileSync(join(FIXTURES, 'v1-linear-pipeline.slck'));
    const { probe, predictions } = JSON.parse(readFileSync(join(FIXTURES, 'v1-linear-pipeline.json'), 'utf8')) as { probe: Row[]; predictions: number[] };
    const { manifest, inlinePayload } = decodeEnvelope(bytes, 'fixture');
    expect(manifest.format).toBe('streamlearn.checkpoint/v1');
    const { layout } = readPayload(inlinePayload);
    expect(layout['model/weights']).toEqual({ shape: [4], role: 'weights' });
    const restored = fromState<Row>(openCheckpoint(manifest, inlinePayload).state);
    expect(Array.from(restored.predictMany(probe))).toEqual(predictions);
  });

  it('falls back to a flat shape when a describer does not fit the state, rather than refusing the checkpoint', () => {
    registerLayout('TestMisfit', () => ({ layout: { a: { shape: [3, 3], role: 'grid' } }, derived: {} }));
    const state = { kind: 'TestMisfit', version: 1, config: {}, arrays: { a: new Float64Array(4), b: new Int32Array(2) } };
    const { layout } = readPayload(buildCheckpoint(fields, state).payload);
    expect(layout.a).toEqual({ shape: [4], role: 'grid' });
    expect(layout.b).toEqual({ shape: [2], role: 'b' });
  });
});
