/**
 * The seed's random-forest → neural-net path, online: an adaptive random forest (10 Hoeffding trees,
 * Gomes et al. 2017) learns all 50 features of the `select-then-mlp` stream, its split-gain (MDI)
 * importances rank them, the top 5 — chosen with the same hysteresis as the iPFI selector — feed the MLP
 * 50 → 32 relu → 1 sigmoid (unselected inputs held at 0, their mean after the scaler). The ranking is
 * published with each checkpoint and on `.importance`, as iPFI's is.
 *
 * Input: JSON events on `<prefix>forest-select-then-mlp.events` with numeric fields f0..f49 and a 0/1
 * `label` (`selectionEvents` of topologies/select-then-mlp.ts generates them). Output: checkpoints on
 * `.models`, metrics on `.metrics`, importances on `.importance`.
 */
import { createJsonCodec } from '../connectors/codecs/json';
import { createAccuracy, type Metric } from '../src/evaluation';
import { pipeline, type ClassifierPipeline, type Pipeline } from '../src/features/pipeline';
import type { Row } from '../src/features/stage';
import { createImportanceSelector, IMPORTANCE_SELECTOR_KIND, selectorImportance, type ImportanceSelector } from '../src/importance';
import type { Estimator } from '../src/learners';
import { initTensorflow } from '../src/neural';
import { createARFClassifier } from '../src/trees';
import { readyMadeTopology, type Topology } from '../src/topology/topology';
import {
  allFeaturesMlpModel,
  mlp,
  SELECTION_FEATURES,
  selectionEvents,
  selectThenMlpModel,
  standardised,
  type Accuracies,
  type SelectThenMlpOptions,
} from './select-then-mlp';

export interface ForestSelectThenMlpOptions extends Omit<SelectThenMlpOptions, 'sampleRate'> {
  /** Trees in the forest; default 10. */
  numModels?: number;
  /** Fraction of events at which the forest's split gains are folded into the ranking; default 0.05. */
  sampleRate?: number;
}

/** scaler → importance selector (ARF ranker, split-gain importances) → MLP; `initTensorflow()` first. */
export function forestSelectThenMlpModel({
  topK = 5,
  numModels = 10,
  sampleRate = 0.05,
}: Pick<ForestSelectThenMlpOptions, 'topK' | 'numModels' | 'sampleRate'> = {}): ClassifierPipeline {
  const selector = createImportanceSelector({
    inputCol: 'features',
    outputCol: 'selected',
    labelCol: 'label',
    features: SELECTION_FEATURES,
    ranker: createARFClassifier({ numFeatures: SELECTION_FEATURES.length, numClasses: 2, numModels, seed: 7 }),
    importance: { method: 'split-gain', sampleRate, smoothing: 0.01 },
    topK,
  });
  return pipeline(...standardised(), selector, mlp());
}

export function forestSelectThenMlp(options: ForestSelectThenMlpOptions = {}): Topology {
  return readyMadeTopology('forest-select-then-mlp', options, {
    description: '50 features → scaler → top-k by split-gain importances of an adaptive random forest (hysteresis) → MLP 50-32-1',
    codec: createJsonCodec(),
    label: 'label',
    setup: initTensorflow,
    model: () => forestSelectThenMlpModel(options),
    importance: selectorImportance,
    metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 5000 }) }),
    checkpoint: { everyRecords: 10_000, everyMs: 5_000 },
  });
}

export default forestSelectThenMlp;

export interface ForestSelectionComparison {
  /** The forest inside the selector, predicting each event before learning it. */
  forest: Accuracies;
  mlpForestSelected: Accuracies;
  mlpIpfiSelected: Accuracies;
  mlpAllFeatures: Accuracies;
  forestSelected: string[];
  ipfiSelected: string[];
}

function selectorOf(model: Pipeline): ImportanceSelector {
  return model.stages.find((stage): stage is ImportanceSelector => stage.kind === IMPORTANCE_SELECTOR_KIND) as ImportanceSelector;
}

/** The selector's input for a record: the stages before it, without learning. */
function selectorInput(model: Pipeline, selector: ImportanceSelector, row: Row): Float64Array | null {
  const copy = { ...row };
  for (const stage of model.stages) {
    if (stage === selector) return copy[selector.inputCols[0]] as Float64Array;
    if (!stage.transform(copy)) return null;
  }
  return null;
}

/**
 * Runs the forest-selected MLP, the iPFI-selected MLP (select-then-mlp) and the MLP on all features
 * test-then-train over the same `n` events of `selectionEvents`, in micro-batches as the runtime does, and
 * reports each one's prequential accuracy, plus the forest's own. `initTensorflow()` first.
 */
export function compareForestSelection({ n = 20_000, seed = 42, batch = 32, window = 5000 } = {}): ForestSelectionComparison {
  const models = { mlpForestSelected: forestSelectThenMlpModel(), mlpIpfiSelected: selectThenMlpModel(), mlpAllFeatures: allFeaturesMlpModel() };
  const forestSelector = selectorOf(models.mlpForestSelected);
  const forest = forestSelector.ranker as Estimator;
  const pair = () => [createAccuracy(), createAccuracy({ window })] as const;
  const scores = { forest: pair(), mlpForestSelected: pair(), mlpIpfiSelected: pair(), mlpAllFeatures: pair() };
  const score = (metrics: readonly Metric[], y: number, prediction: number) => metrics.forEach((metric) => metric.update(y, prediction));
  const events = selectionEvents({ seed });
  for (let seen = 0; seen < n; seen += batch) {
    const rows = Array.from({ length: Math.min(batch, n - seen) }, () => events.next().value as Row);
    const ys = Float64Array.from(rows, (row) => row.label as number);
    rows.forEach((row, i) => {
      const input = selectorInput(models.mlpForestSelected, forestSelector, row);
      if (input !== null) score(scores.forest, ys[i], forest.predictOne(input));
    });
    for (const [name, model] of Object.entries(models) as Array<[keyof typeof models, ClassifierPipeline]>) {
      model.predictMany(rows).forEach((p, i) => score(scores[name], ys[i], p));
      model.learnMany(rows, ys);
    }
  }
  const read = ([overall, lastWindow]: readonly Metric[]): Accuracies => ({ overall: overall.get(), lastWindow: lastWindow.get() });
  return {
    forest: read(scores.forest),
    mlpForestSelected: read(scores.mlpForestSelected),
    mlpIpfiSelected: read(scores.mlpIpfiSelected),
    mlpAllFeatures: read(scores.mlpAllFeatures),
    forestSelected: forestSelector.selection.selected(),
    ipfiSelected: selectorOf(models.mlpIpfiSelected).selection.selected(),
  };
}
