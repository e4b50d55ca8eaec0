import { ConfigError } from '../../../src/errors';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createSplitGainImportance, splitGainImportance } from '../../../src/importance';
import { createLogisticRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';
import { createHoeffdingTreeClassifier } from '../../../src/trees';

/** label = [x1 > 0]; x0 and x2 are noise. */
function rows(n: number, seed: number) {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => {
    const [x0, x1, x2] = [rng.gaussian(), rng.gaussian(), rng.gaussian()];
    return { x0, x1, x2, label: x1 > 0 ? 1 : 0 };
  });
}

describe('split-gain (MDI) importance', () => {
  it('ranks the feature a tree splits on first, in the ImportanceSnapshot form', () => {
    const tree = createHoeffdingTreeClassifier({ numFeatures: 3, numClasses: 2, gracePeriod: 50 });
    const importance = createSplitGainImportance<Float64Array>({ model: tree, names: ['x0', 'x1', 'x2'], sampleRate: 0.1, smoothing: 0.05 });
    for (const row of rows(3000, 1)) {
      const x = Float64Array.of(row.x0, row.x1, row.x2);
      importance.update([x], [row.label]);
      tree.learnOne(x, row.label);
    }
    const snapshot = importance.snapshot();
    expect(snapshot.method).toBe('split-gain');
    expect(snapshot.features[0]).toMatchObject({ name: 'x1', rank: 1 });
    expect(snapshot.features[0]!.mean).toBeGreaterThan(0.5);
    expect(snapshot.samples).toBeGreaterThan(200);
    expect(snapshot.samples).toBeLessThan(400);
  });

  it('publishes a tree pipeline’s ranking over the assembled columns, and refuses a model without split gains', () => {
    const tree = pipeline(
      createVectorAssembler({ inputCols: ['x0', 'x1', 'x2'], outputCol: 'features' }),
      createHoeffdingTreeClassifier({ numFeatures: 3, numClasses: 2 }),
    );
    const importance = splitGainImportance(tree, { features: ['x0', 'x1', 'x2'], sampleRate: 0.2 });
    const data = rows(3000, 2);
    for (let i = 0; i < data.length; i += 100) {
      const batch = data.slice(i, i + 100);
      const ys = Float64Array.from(batch, (row) => row.label);
      importance.beforeLearn(batch, ys);
      tree.learnMany(batch, ys);
    }
    expect(importance.snapshot().features[0]!.name).toBe('x1');
    const linear = pipeline(createVectorAssembler({ inputCols: ['x0'], outputCol: 'features' }), createLogisticRegression({ numFeatures: 1 }));
    expect(() => splitGainImportance(linear, { features: ['x0'] })).toThrow(ConfigError);
    expect(() => splitGainImportance(linear, { features: ['x0'] })).toThrow(/not a tree or forest/);
  });
});
