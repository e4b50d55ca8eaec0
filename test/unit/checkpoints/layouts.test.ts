/**
 * The per-kind layouts a checkpoint publishes for readers in other languages (docs/checkpoint-format.md, one
 * table per kind): each array's shape and role as the tables give them. Trained models where a model is
 * cheap to train; a hand-made state where the kind needs tfjs (NeuralNet), since the describer reads only
 * the state.
 */
import '../../../src/builtins';
import { describeState } from '../../../src/checkpoints/layout';
import '../../../src/checkpoints/layouts';
import { createImputer } from '../../../src/features/imputer';
import { createOneHotEncoder } from '../../../src/features/one-hot-encoder';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createImportanceSelector } from '../../../src/importance/importance-selector';
import { createLinearRegression, createLogisticRegression, createSoftmaxRegression, indexLabels } from '../../../src/learners';
import { createBprMF, createFactorizationMachine, createPopularity } from '../../../src/reco';
import type { ModelState } from '../../../src/state';
import { createARFClassifier, createHoeffdingAdaptiveTreeRegressor, createHoeffdingTreeClassifier } from '../../../src/trees';

type Layout = ReturnType<typeof describeState>['layout'];

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const shapeOf = (layout: Layout, name: string) => layout[name]?.shape;
const roleOf = (layout: Layout, name: string) => layout[name]?.role;

describe('checkpoint layouts of the built-in kinds (docs/checkpoint-format.md)', () => {
  it('linear learners: feature-major weights and optimizer state, the L2 scale derived (1 without L2)', () => {
    const plain = createLinearRegression({ numFeatures: 3, optimizer: { kind: 'adagrad' } });
    plain.learnOne(Float64Array.of(1, 2, 3), 1);
    const { layout, derived } = describeState(plain.state());
    expect(layout.weights).toEqual({ shape: [4, 1], role: 'weights' });
    expect(layout['adagrad.sumSquares']).toEqual({ shape: [4, 1], role: 'optimizer.adagrad.sumSquares' });
    expect(layout.scale).toEqual({ shape: [1], role: 'scale' });
    expect(Array.from(derived.scale)).toEqual([plain.state().arrays['penalty.scalars']?.[1] ?? 1]);

    const softmax = createSoftmaxRegression({ numFeatures: 2, numClasses: 3, regParam: 0.1, elasticNetParam: 1 });
    for (let i = 0; i < 5; i++) softmax.learnOne(Float64Array.of(i, 1 - i), i % 3);
    const s = describeState(softmax.state());
    expect(s.layout.weights).toEqual({ shape: [3, 3], role: 'weights' });
    expect(s.layout['penalty.applied']).toEqual({ shape: [2, 3], role: 'optimizer.penalty.applied' });
    expect(s.layout['penalty.scalars']).toEqual({ shape: [2], role: 'optimizer.penalty.scalars' });
    expect(s.derived.scale[0]).toBe(softmax.state().arrays['penalty.scalars'][1]);
  });

  it('derives a scale of exactly 1 for a state without penalty scalars (FTRL)', () => {
    const ftrl = createLogisticRegression({ numFeatures: 2, optimizer: { kind: 'ftrl' } });
    ftrl.learnOne(Float64Array.of(1, 0), 1);
    expect(ftrl.state().arrays['penalty.scalars']).toBeUndefined();
    expect(Array.from(describeState(ftrl.state()).derived.scale)).toEqual([1]);
  });

  it('a pipeline: each stage under stage<i>/, the model under model/, labels indexed under model/', () => {
    const p = indexLabels(
      pipeline(
        createImputer({ inputCols: ['a', 'b'], outputCols: ['a2', 'b2'], strategy: 'median' }),
        createOneHotEncoder({ inputCols: ['c'], outputCol: 'hot', maxCategories: 4 }),
        createVectorAssembler({ inputCols: ['a2', 'b2'], outputCol: 'f' }),
        createSoftmaxRegression({ numFeatures: 2, numClasses: 2 }),
      ),
    );
    const random = rng(3);
    for (let i = 0; i < 12; i++) p.learnLabelOne({ a: i % 4 === 0 ? null : random(), b: random(), c: ['x', 'yy', 'x'][i % 3] }, i % 2 === 0 ? 'cat' : 'dog');
    const { layout } = describeState(p.state());
    expect(layout['model/stage0/count']).toEqual({ shape: [2], role: 'imputer.count' });
    expect(layout['model/stage0/mean']).toEqual({ shape: [2], role: 'imputer.mean' });
    expect(layout['model/stage0/heights']).toEqual({ shape: [2, 5], role: 'imputer.p2.heights' });
    expect(layout['model/stage0/positions']).toEqual({ shape: [2, 5], role: 'imputer.p2.positions' });
    expect(layout['model/stage1/vocabularySizes']).toEqual({ shape: [1], role: 'vocabulary.sizes' });
    expect(layout['model/stage1/vocabularyOffsets']).toEqual({ shape: [3], role: 'vocabulary.offsets' });
    expect(layout['model/stage1/vocabularyBytes']).toEqual({ shape: [3], role: 'vocabulary.utf8' });
    expect(layout['model/model/weights']).toEqual({ shape: [3, 2], role: 'weights' });
    expect(layout['model/model/scale']).toEqual({ shape: [1], role: 'scale' });
  });

  it('an importance selector: mask, importances and counters over the input width, the ranker under ranker/', () => {
    const selector = createImportanceSelector({
      inputCol: 'x',
      labelCol: 'y',
      features: ['p', 'q', 'r'],
      ranker: createLinearRegression({ numFeatures: 3 }),
      topK: 2,
      refreshEvery: 5,
    });
    const random = rng(9);
    for (let i = 0; i < 20; i++) {
      const x = Float64Array.of(random(), random(), random());
      selector.learn({ x, y: 3 * x[0] - x[2] });
    }
    const { layout } = describeState(selector.state());
    expect(layout['selection/mask']).toEqual({ shape: [3], role: 'selector.mask' });
    expect(layout['importance/means']).toEqual({ shape: [3], role: 'selector.importance.mean' });
    expect(layout['importance/variances']).toEqual({ shape: [3], role: 'selector.importance.variance' });
    expect(layout.counters).toEqual({ shape: [4], role: 'selector.counters' });
    expect(layout['ranker/weights']).toEqual({ shape: [4, 1], role: 'weights' });
  });

  it('a neural net: dense kernels inputs × units with their optimizer slots; past another layer type, flat', () => {
    const f32 = (n: number) => new Float32Array(n);
    const state: ModelState = {
      kind: 'NeuralNet',
      version: 1,
      config: {
        inputShape: [3],
        layers: [{ type: 'dense', units: 4 }, { type: 'dropout' }, { type: 'dense', units: 2 }, { type: 'flatten' }, { type: 'dense', units: 2 }],
      },
      arrays: {
        'layer0/kernel': f32(12),
        'layer0/bias': f32(4),
        'optimizer/layer0/kernel/m': f32(12),
        'optimizer/layer0/bias/v': f32(4),
        'layer2/kernel': f32(8),
        'layer2/bias': f32(2),
        'layer4/kernel': f32(4),
        'optimizer/steps': new Float64Array(1),
      },
    };
    const { layout } = describeState(state);
    expect(layout['layer0/kernel']).toEqual({ shape: [3, 4], role: 'dense.kernel' });
    expect(layout['layer0/bias']).toEqual({ shape: [4], role: 'dense.bias' });
    expect(layout['optimizer/layer0/kernel/m']).toEqual({ shape: [3, 4], role: 'optimizer.m' });
    expect(layout['optimizer/layer0/bias/v']).toEqual({ shape: [4], role: 'optimizer.v' });
    expect(layout['layer2/kernel']).toEqual({ shape: [4, 2], role: 'dense.kernel' });
    expect(layout['layer2/bias']).toEqual({ shape: [2], role: 'dense.bias' });
    expect(layout['layer4/kernel']).toEqual({ shape: [4], role: 'kernel' });
    expect(layout['optimizer/steps']).toEqual({ shape: [1], role: 'optimizer.steps' });
    const unknownInput = describeState({ ...state, config: { ...state.config, inputShape: [3, 1] } }).layout;
    expect(unknownInput['layer0/kernel']).toEqual({ shape: [12], role: 'kernel' });
  });

  it('recommenders: id tables per row, and the factorization machine per hashed slot', () => {
    const bpr = createBprMF({ factors: 3 });
    bpr.learnOne({ userId: 'u1', itemId: 'i1' }, 1);
    bpr.learnOne({ userId: 'u2', itemId: 'i2' }, 1);
    bpr.learnOne({ userId: 'u2', itemId: 'i3' }, 1);
    const b = describeState(bpr.state()).layout;
    expect(b['users/factors']).toEqual({ shape: [2, 3], role: 'users.factors' });
    expect(b['items/bias']).toEqual({ shape: [3, 1], role: 'items.bias' });
    expect(b['items/ids']).toEqual({ shape: [6], role: 'items.ids.utf8' });
    expect(b['items/idOffsets']).toEqual({ shape: [4], role: 'items.ids.offsets' });
    expect(b['items/referenced']).toEqual({ shape: [3], role: 'items.clock.referenced' });
    expect(b['items/clock']).toEqual({ shape: [1], role: 'items.clock.hand' });
    expect(b.counters).toEqual({ shape: [1], role: 'counters' });

    const popularity = createPopularity();
    popularity.learnOne({ userId: 'u', itemId: 'a' }, 1);
    popularity.learnOne({ userId: 'u', itemId: 'bb' }, 1);
    expect(describeState(popularity.state()).layout['items/count']).toEqual({ shape: [2, 1], role: 'items.count' });

    const fm = createFactorizationMachine({ bits: 4, factors: 2, optimizer: 'adagrad' });
    fm.learnOne({ userId: 'u', itemId: 'a' }, 4);
    const f = describeState(fm.state()).layout;
    expect(f.bias).toEqual({ shape: [1], role: 'fm.bias' });
    expect(f.weights).toEqual({ shape: [16], role: 'fm.weights' });
    expect(f.factors).toEqual({ shape: [16, 2], role: 'fm.factors' });
    expect(f.factorsAccum).toEqual({ shape: [16, 2], role: 'fm.factorsAccum' });
    expect(f['items/features']).toEqual({ shape: [1, 1], role: 'items.features' });
  });

  it('trees: node and slot tables [rows, width], forests per tree, with the forest members [T, 5]', () => {
    const random = rng(5);
    const tree = createHoeffdingTreeClassifier({ numFeatures: 2, numClasses: 3, gracePeriod: 20 });
    for (let i = 0; i < 300; i++) {
      const x = Float64Array.of(random(), random());
      tree.learnOne(x, x[0] < 0.3 ? 0 : x[0] < 0.6 ? 1 : 2);
    }
    const state = tree.state();
    const nodes = state.arrays['nodes.kind'].length;
    const slots = state.arrays['slots.node'].length;
    expect(nodes).toBeGreaterThan(1);
    const t = describeState(state).layout;
    expect(t['nodes.stats']).toEqual({ shape: [nodes, 3], role: 'nodes.stats' });
    expect(t['nodes.extra']).toEqual({ shape: [nodes, 2], role: 'nodes.extra' });
    expect(shapeOf(t, 'slots.features')).toEqual([slots, state.arrays['slots.features'].length / slots]);
    expect(shapeOf(t, 'slots.observers')).toEqual([slots, state.arrays['slots.observers'].length / slots]);
    expect(t['nodes.kind']).toEqual({ shape: [nodes], role: 'nodes.kind' });
    expect(t['tree.scalars']).toEqual({ shape: [2], role: 'tree.scalars' });

    const regressor = createHoeffdingAdaptiveTreeRegressor({ numFeatures: 2 });
    regressor.learnOne(Float64Array.of(1, 2), 3);
    const r = describeState(regressor.state()).layout;
    expect(shapeOf(r, 'nodes.error')).toEqual([regressor.state().arrays['nodes.kind'].length, 3]);

    const forest = createARFClassifier({ numFeatures: 2, numClasses: 2, numModels: 3, seed: 1 });
    for (let i = 0; i < 30; i++) forest.learnOne(Float64Array.of(random(), random()), i % 2);
    const fs = forest.state();
    const f = describeState(fs).layout;
    expect(f['forest.members']).toEqual({ shape: [3, 5], role: 'forest.members' });
    expect(shapeOf(f, 'tree1/nodes.stats')).toEqual([fs.arrays['tree1/nodes.kind'].length, 2]);
    expect(roleOf(f, 'tree1/nodes.stats')).toBe('nodes.stats');
  });
});
