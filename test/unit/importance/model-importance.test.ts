import { pipeline } from '../../../src/features/pipeline';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { importanceExtra, pipelineImportance, readImportanceExtra, selectorImportance } from '../../../src/importance';
import { createLinearRegression, type Estimator } from '../../../src/learners';
import { createRandom } from '../../../src/random';

/** y = 3 a + b + ε over records with a third, irrelevant column and a group of two columns. */
function batches(seed: number, count: number, size = 50): { rows: Row[]; ys: Float64Array }[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const rows: Row[] = Array.from({ length: size }, () => ({ a: random.gaussian(), b: random.gaussian(), c: random.gaussian() }));
    return { rows, ys: Float64Array.from(rows, (row) => 3 * (row.a as number) + (row.b as number) + 0.1 * random.gaussian()) };
  });
}

const linearPipeline = () => pipeline(createVectorAssembler({ inputCols: ['a', 'b', 'c'] }), createLinearRegression({ numFeatures: 3, stepSize: 0.02 }));

describe('importance hooks for the topology runtime', () => {
  it('pipelineImportance explains a pipeline over raw columns and groups, before each batch is learned', () => {
    const model = linearPipeline();
    const importance = pipelineImportance(model, { features: { a: ['a'], 'b+c': ['b', 'c'] }, sampleRate: 0.5, smoothing: 0.01 });
    for (const { rows, ys } of batches(1, 200)) {
      importance.beforeLearn(rows, ys);
      model.learnMany(rows, ys);
    }
    const snapshot = importance.snapshot();
    expect(snapshot.features.map((score) => score.name)).toEqual(['a', 'b+c']);
    // 2 β² for a standard normal feature: 18 for a, 2 for the group b+c (c adds nothing).
    expect(snapshot.features[0].mean).toBeGreaterThan(13);
    expect(snapshot.features[0].mean).toBeLessThan(23);
    expect(snapshot.features[1].mean).toBeGreaterThan(1.2);
    expect(snapshot.features[1].mean).toBeLessThan(2.8);
  });

  it('resumes from the snapshot a checkpoint carried', () => {
    const model = linearPipeline();
    const first = pipelineImportance(model, { features: ['a', 'b', 'c'], sampleRate: 0.5 });
    for (const { rows, ys } of batches(2, 50)) {
      first.beforeLearn(rows, ys);
      model.learnMany(rows, ys);
    }
    const carried = readImportanceExtra({ modelId: 'm', version: 1, extra: JSON.parse(JSON.stringify(importanceExtra(first.snapshot()))) });
    const resumed = pipelineImportance(model, { features: ['a', 'b', 'c'], sampleRate: 0.5, resume: carried });
    expect(resumed.snapshot()).toEqual(first.snapshot());
  });

  it('selectorImportance needs a pipeline with an ImportanceSelector', () => {
    expect(() => selectorImportance(linearPipeline())).toThrow(/no ImportanceSelector stage \(stages: VectorAssembler\)/);
    expect(() => selectorImportance(createLinearRegression({ numFeatures: 1 }) as unknown as Estimator<Row>)).toThrow(
      /the model is a LinearRegression, not a pipeline/,
    );
  });
});
