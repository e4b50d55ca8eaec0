import '../../../src/builtins';
import { DecodeError } from '../../../src/errors';
import { createVectorAssembler, pipeline, type Row } from '../../../src/features';
import { createLogisticRegression, createSoftmaxRegression, fromState, indexLabels, type LabelIndexed } from '../../../src/learners';

const point = (a: number, b: number): Row => ({ a, b });

/** Three fruit, told apart by `a` alone. */
function fruit(n: number): Array<[Row, string]> {
  return Array.from({ length: n }, (_, k) => {
    // From k + 2 the stream opens with a cherry, then an apple, then a banana.
    const a = (((k + 2) * 7919) % 300) / 100 - 1.5;
    return [point(a, Math.sin(k)), a < -0.5 ? 'apple' : a < 0.5 ? 'banana' : 'cherry'];
  });
}

describe('indexLabels', () => {
  test('indexes string labels as they appear, learns through them, and predicts the original labels', () => {
    const model = indexLabels(
      pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createSoftmaxRegression({ numFeatures: 2, numClasses: 3, stepSize: 0.5 })),
    );
    const stream = fruit(3000);
    for (const [x, label] of stream) model.learnLabelOne(x, label);
    expect(model.labels()).toEqual(['cherry', 'apple', 'banana']);
    expect([model.predictLabelOne(point(-1.2, 0)), model.predictLabelOne(point(0, 0)), model.predictLabelOne(point(1.2, 0))]).toEqual([
      'apple',
      'banana',
      'cherry',
    ]);
    expect(model.predictOne(point(-1.2, 0))).toBe(model.indexLabel('apple'));
  });

  test('booleans are fixed: false is class 0 and true class 1, whichever comes first', () => {
    const model = indexLabels(createLogisticRegression({ numFeatures: 1 }));
    expect(model.indexLabel(true)).toBe(1);
    expect(model.indexLabel(false)).toBe(0);
    expect(model.labelOf(1)).toBe(true);
  });

  test('labels given up front fix the order; a label past numClasses, or of another type, is refused naming it', () => {
    const model = indexLabels(createLogisticRegression({ numFeatures: 1 }), { labels: ['ham', 'spam'] });
    expect(model.indexLabel('spam')).toBe(1);
    expect(() => model.indexLabel('eggs')).toThrow(
      new DecodeError('SCHEMA', 'label "eggs" would be class 3, but the classifier has 2 classes ("ham", "spam")'),
    );
    expect(() => model.indexLabel({ nested: 1 })).toThrow('label {"nested":1} is not a string, boolean or finite number');
    expect(() => model.indexLabel(undefined)).toThrow('label is missing');
    expect(() => model.indexLabel(NaN)).toThrow(DecodeError);
    expect(() => indexLabels(createLogisticRegression({ numFeatures: 1 }), { labels: ['x', 'x'] })).toThrow('labels must be distinct');
  });

  test('the mapping is checkpointed with the model: a restored copy predicts and learns identically', () => {
    const model = indexLabels(pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createSoftmaxRegression({ numFeatures: 2, numClasses: 3 })));
    const stream = fruit(600);
    for (const [x, label] of stream.slice(0, 300)) model.learnLabelOne(x, label);
    const state = model.state();
    const restored = fromState<Row>({
      ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })),
      arrays: state.arrays,
    }) as LabelIndexed<Row>;
    expect(restored.kind).toBe('LabelIndexed');
    expect(restored.labels()).toEqual(model.labels());
    for (const [x, label] of stream.slice(300)) {
      expect(restored.predictLabelOne(x)).toBe(model.predictLabelOne(x));
      model.learnLabelOne(x, label);
      restored.learnLabelOne(x, label);
    }
    expect(Array.from(restored.state().arrays['model/model/weights'])).toEqual(Array.from(model.state().arrays['model/model/weights']));
  });

  test('a pipeline keeps its side-effect-free featurisation, so a topology can vet events', () => {
    const model = indexLabels(pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createLogisticRegression({ numFeatures: 2 })));
    expect(Array.from(model.transformOne(point(1, 2)) as Float64Array)).toEqual([1, 2]);
  });
});
