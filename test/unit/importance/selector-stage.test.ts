import '../../../src/builtins';
import { pipeline, pipelineFromState } from '../../../src/features/pipeline';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createImportanceSelector, type ImportanceSelector } from '../../../src/importance';
import { createLinearRegression, createLogisticRegression, type LearnerState } from '../../../src/learners';
import { createRandom } from '../../../src/random';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

/** y = 1 when 2a − b + ε > 0: a and b matter, c..f are noise. */
function rows(seed: number, n: number): Row[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => {
    const row: Row = Object.fromEntries(NAMES.map((name) => [name, random.gaussian()]));
    row.label = 2 * (row.a as number) - (row.b as number) + 0.3 * random.gaussian() > 0 ? 1 : 0;
    return row;
  });
}

function selectorPipeline(method: 'ipfi' | 'coefficients') {
  const selector = createImportanceSelector({
    inputCol: 'features',
    labelCol: 'label',
    features: NAMES,
    ranker: createLogisticRegression({ numFeatures: NAMES.length, stepSize: 0.05 }),
    importance: { method, sampleRate: 0.2, seed: 3 },
    topK: 2,
    refreshEvery: 100,
  });
  const model = pipeline(createVectorAssembler({ inputCols: NAMES }), selector, createLogisticRegression({ numFeatures: NAMES.length, stepSize: 0.05 }));
  return { selector, model };
}

function learn(model: ReturnType<typeof selectorPipeline>['model'], data: Row[]): void {
  for (let i = 0; i < data.length; i += 50) {
    const batch = data.slice(i, i + 50);
    model.learnMany(
      batch,
      Float64Array.from(batch, (row) => row.label as number),
    );
  }
}

/** A state as it comes back from a checkpoint: config through JSON, arrays copied. */
function throughCheckpoint(state: LearnerState): LearnerState {
  const arrays: LearnerState['arrays'] = {};
  for (const [key, value] of Object.entries(state.arrays)) arrays[key] = value.slice();
  return { ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })), arrays };
}

describe('the ImportanceSelector stage', () => {
  it.each(['ipfi', 'coefficients'] as const)('with %s importance, selects the two relevant features and zeroes the rest', (method) => {
    const { selector, model } = selectorPipeline(method);
    learn(model, rows(1, 8000));
    expect(selector.selection.selected()).toEqual(['a', 'b']);
    expect(selector.importance.method).toBe(method);
    const vector = model.transformOne({ ...rows(2, 1)[0] }) as Float64Array;
    expect(Array.from(vector.subarray(2))).toEqual([0, 0, 0, 0]);
    expect(vector[0]).not.toBe(0);
    // The downstream model, fed only a and b, learns the rule.
    const test = rows(3, 2000);
    const predictions = model.predictMany(test);
    expect(test.filter((row, i) => predictions[i] === row.label).length / test.length).toBeGreaterThan(0.9);
  });

  it('restores from a checkpoint whole: ranker, importances, selection and counters', () => {
    const { selector, model } = selectorPipeline('ipfi');
    learn(model, rows(1, 3000));
    const restored = pipelineFromState(throughCheckpoint(model.state()));
    const restoredSelector = restored.stages[1] as ImportanceSelector;
    expect(restoredSelector.selection.selected()).toEqual(selector.selection.selected());
    expect(restoredSelector.importance.snapshot()).toEqual(selector.importance.snapshot());
    expect(restoredSelector.ranker.state()).toEqual(selector.ranker.state());
    const test = rows(4, 200);
    expect(restored.predictMany(test)).toEqual(model.predictMany(test));
    expect(restored.state()).toEqual(model.state());
  });

  it('names the column that holds a bad value', () => {
    const { selector } = selectorPipeline('ipfi');
    expect(() => selector.transform({ features: new Float64Array(3) })).toThrow(/column "features" must hold a dense vector of 6 features, got 3 features/);
    expect(() => selector.learn({ features: new Float64Array(6), label: 'yes' })).toThrow(/label column "label" holds "yes", not a number/);
    expect(() => selector.learn({ features: new Float64Array(6), label: NaN })).toThrow(/label column "label" is NaN/);
  });

  it('rejects a config it cannot run', () => {
    const ranker = createLinearRegression({ numFeatures: 2 });
    const base = { inputCol: 'v', labelCol: 'y', features: ['p', 'q'], ranker, topK: 1 };
    expect(() => createImportanceSelector({ ...base, outputCol: 'y' })).toThrow(/output column "y" is also an input/);
    expect(() => createImportanceSelector({ ...base, importance: { method: 'shap' as 'ipfi' } })).toThrow(
      /importance.method must be 'ipfi', 'coefficients' or 'split-gain'/,
    );
    expect(() => createImportanceSelector({ ...base, refreshEvery: 0 })).toThrow(/refreshEvery must be an integer/);
    expect(() => createImportanceSelector({ ...base, ranker: {} as typeof ranker })).toThrow(/ranker must be an estimator/);
    expect(() => createImportanceSelector({ ...base, features: [] })).toThrow(/features must name each slot of "v"/);
    expect(() => createImportanceSelector({ ...base, features: ['p', 'p'] })).toThrow(/feature "p" is named twice/);
  });
});
