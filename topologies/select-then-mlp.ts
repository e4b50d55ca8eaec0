/**
 * Feature selection by online importance in front of a neural net: 50 numeric features, of which only 5
 * decide the label; a logistic regression learns them all, iPFI (incremental permutation feature
 * importance) ranks them by what the logistic model loses without each, and the top 5, chosen with
 * hysteresis, feed an MLP 50 → 32 relu → 1 sigmoid (unselected inputs held at 0, their mean after the
 * scaler). Selection matters on this stream: the same MLP on all 50 features learns more slowly.
 *
 * Input: JSON events on `<prefix>select-then-mlp.events` with numeric fields f0..f49 and a 0/1 `label`
 * (`selectionEvents` generates them). Output: checkpoints on `.models`, metrics on `.metrics`. The ranking
 * is what `selectorImportance(model)` (src/importance) publishes.
 */
import {
  createAccuracy,
  createImportanceSelector,
  createJsonCodec,
  createLogisticRegression,
  createRandom,
  createStandardScaler,
  createVectorAssembler,
  IMPORTANCE_SELECTOR_KIND,
  pipeline,
  readyMadeTopology,
  selectorImportance,
  testThenTrainBatch,
  type Classifier,
  type ClassifierPipeline,
  type FeatureVector,
  type ImportanceSelector,
  type Metric,
  type Pipeline,
  type Row,
  type Stage,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';
import { createNeuralNet, initTensorflow } from 'streamlearn/neural';

export const SELECTION_FEATURES = Array.from({ length: 50 }, (_, j) => `f${j}`);
const RELEVANT = 5;

/**
 * f0..f49 ~ N(0, 1); label = 1 when f0 + f1 + f2 + f3 + f4 + f0·f1 − f2·f3 + ε > 0, ε ~ N(0, ½²). Each
 * relevant feature has a linear share (so a logistic model can rank it) and the products a nonlinear
 * one (so an MLP can beat the logistic model); f5..f49 are pure noise.
 */
export function* selectionEvents({ seed = 42 }: { seed?: number } = {}): Generator<Row & { label: 0 | 1 }> {
  const random = createRandom(seed);
  for (;;) {
    const x = SELECTION_FEATURES.map(() => random.gaussian());
    const score = x[0] + x[1] + x[2] + x[3] + x[4] + x[0] * x[1] - x[2] * x[3] + 0.5 * random.gaussian();
    // Built in one go: an object grown key by key past a few dozen keys turns into a slow dictionary in V8.
    yield Object.fromEntries([...SELECTION_FEATURES.map((name, j) => [name, x[j]]), ['label', score > 0 ? 1 : 0]]) as Row & { label: 0 | 1 };
  }
}

export interface SelectThenMlpOptions extends TopologyOptions {
  /** Features kept; default 5. */
  topK?: number;
  /** Fraction of events iPFI explains; default 0.05 (the MLP costs far more than the 51 logistic predictions). */
  sampleRate?: number;
}

export function standardised(): Stage[] {
  return [createVectorAssembler({ inputCols: SELECTION_FEATURES, outputCol: 'raw' }), createStandardScaler({ inputCol: 'raw', outputCol: 'features' })];
}

export function mlp(): Classifier {
  return createNeuralNet({
    inputShape: [SELECTION_FEATURES.length],
    layers: [
      { type: 'dense', units: 32, activation: 'relu' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
    optimizer: { type: 'adam', learningRate: 0.005 },
    loss: 'binaryCrossentropy',
    batchSize: 16,
    seed: 3,
  });
}

/** The topology's model: scaler → importance selector (logistic ranker, iPFI) → MLP; `initTensorflow()` first. */
export function selectThenMlpModel({ topK = RELEVANT, sampleRate = 0.05 }: Pick<SelectThenMlpOptions, 'topK' | 'sampleRate'> = {}): ClassifierPipeline {
  const selector = createImportanceSelector({
    inputCol: 'features',
    outputCol: 'selected',
    labelCol: 'label',
    features: SELECTION_FEATURES,
    ranker: createLogisticRegression({ numFeatures: SELECTION_FEATURES.length, stepSize: 0.01 }),
    importance: { method: 'ipfi', sampleRate, smoothing: 0.01 },
    topK,
  });
  return pipeline(...standardised(), selector, mlp());
}

/** The same MLP on every feature, for comparison. */
export function allFeaturesMlpModel(): ClassifierPipeline {
  return pipeline(...standardised(), mlp());
}

export function selectThenMlp(options: SelectThenMlpOptions = {}): Topology {
  return readyMadeTopology('select-then-mlp', options, {
    description: '50 features → scaler → top-k by iPFI of a logistic ranker (hysteresis) → MLP 50-32-1 on TensorFlow.js',
    codec: createJsonCodec(),
    label: 'label',
    setup: initTensorflow,
    model: () => selectThenMlpModel(options),
    importance: selectorImportance,
    metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 5000 }) }),
    checkpoint: { everyRecords: 10_000, everyMs: 5_000 },
  });
}

export default selectThenMlp;

/** Prequential accuracy over the whole run and over its last `window` events. */
export interface Accuracies {
  overall: number;
  lastWindow: number;
}

export interface SelectionComparison {
  /** The logistic ranker inside the selector, predicting each event before learning it. */
  ranker: Accuracies;
  mlpWithSelection: Accuracies;
  mlpWithoutSelection: Accuracies;
  selected: string[];
  /** Selection changes after the first ranking. */
  changes: number;
}

/** The selector's input for a record: the stages before it, without learning. */
function selectorInput(model: Pipeline, selector: ImportanceSelector, row: Row): FeatureVector | null {
  const copy = { ...row };
  for (const stage of model.stages) {
    if (stage === selector) return copy[selector.inputCols[0]] as FeatureVector;
    if (!stage.transform(copy)) return null;
  }
  return null;
}

/**
 * Runs the topology's model and the all-features MLP test-then-train over `n` events of
 * `selectionEvents`, in micro-batches as the runtime does, and reports the prequential accuracy of the
 * ranker, the MLP with selection and the MLP without. `initTensorflow()` first.
 */
export function compareSelection({ n = 40_000, seed = 42, batch = 32, window = 5000 } = {}): SelectionComparison {
  const withSelection = selectThenMlpModel();
  const withoutSelection = allFeaturesMlpModel();
  const selector = withSelection.stages.find((stage): stage is ImportanceSelector => stage.kind === IMPORTANCE_SELECTOR_KIND) as ImportanceSelector;
  const ranker = selector.ranker;
  const metrics = () => [createAccuracy(), createAccuracy({ window })] as const;
  const scores = { ranker: metrics(), mlpWithSelection: metrics(), mlpWithoutSelection: metrics() };
  const score = (pair: readonly Metric[], y: number, prediction: number) => pair.forEach((metric) => metric.update(y, prediction));
  const events = selectionEvents({ seed });
  for (let seen = 0; seen < n; seen += batch) {
    const rows = Array.from({ length: Math.min(batch, n - seen) }, () => events.next().value as Row);
    const ys = Float64Array.from(rows, (row) => row.label as number);
    rows.forEach((row, i) => {
      const input = selectorInput(withSelection, selector, row);
      if (input !== null) score(scores.ranker, ys[i], ranker.predictOne(input));
    });
    // The shared test-then-train step (the runtime's): each MLP scores the batch, then learns it.
    testThenTrainBatch({ model: withSelection, metrics: scores.mlpWithSelection, xs: rows, ys });
    testThenTrainBatch({ model: withoutSelection, metrics: scores.mlpWithoutSelection, xs: rows, ys });
  }
  const read = ([overall, lastWindow]: readonly Metric[]): Accuracies => ({ overall: overall.get(), lastWindow: lastWindow.get() });
  return {
    ranker: read(scores.ranker),
    mlpWithSelection: read(scores.mlpWithSelection),
    mlpWithoutSelection: read(scores.mlpWithoutSelection),
    selected: selector.selection.selected(),
    changes: selector.selection.changes,
  };
}
