/**
 * Labels as streams carry them: an online label indexer, Spark's `StringIndexer` learned as classes
 * appear, in front of any classifier. `indexLabels(classifier)` maps each label (a string, a boolean or
 * a number) to a class index the first time it is seen, checkpoints the mapping with the model, and maps
 * predictions back: `predictLabelOne(x)` returns the original label.
 *
 * Order: boolean labels are fixed (false → 0, true → 1), so that a binary classifier's P(class 1) is
 * P(true); other labels take the next free index in order of first appearance, after any `labels` given up front
 * (give them to fix which class is which). Spark orders by frequency over a whole dataset, which a
 * stream does not have. A label beyond the classifier's `numClasses` is refused, naming it.
 */
import { CheckpointError, DecodeError } from '../errors';
import type { JsonValue } from '../state';
import type { Classifier, FeatureVector, LearnerState, TypedArray } from './estimator';
import { fromState } from './registry';

export type Label = string | number | boolean;

export interface LabelIndexerConfig {
  /** Labels known up front, in class-index order. */
  labels?: readonly Label[];
}

export interface LabelIndexed<X> extends Classifier<X> {
  /** The wrapped classifier, which sees class indices. */
  readonly model: Classifier<X>;
  /** The class index of `label`, indexing it if new; throws `DecodeError` for a label of another type or past `numClasses`. */
  indexLabel(label: unknown): number;
  /** The label of a class index, or undefined for a class not seen yet (or NaN). */
  labelOf(index: number): Label | undefined;
  /** Labels seen, in class-index order. */
  labels(): Label[];
  predictLabelOne(x: X): Label | undefined;
  learnLabelOne(x: X, label: Label): void;
  /** The wrapped model's side-effect-free featurisation, when it has one (pipelines do), so that a topology can vet events. */
  transformOne?(x: X): FeatureVector | null;
}

export const LABEL_INDEXED_KIND = 'LabelIndexed';
const VERSION = 1;
const MODEL_PREFIX = 'model/';

const key = (label: Label): string => `${typeof label}:${String(label)}`;

function isLabel(value: unknown): value is Label {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isClassifier<X>(model: unknown): model is Classifier<X> {
  const candidate = model as Partial<Classifier<X>> | null;
  return typeof candidate?.predictProbaOne === 'function' && typeof candidate.numClasses === 'number' && typeof candidate.learnOne === 'function';
}

type Featurising<X> = { transformOne(x: X): FeatureVector | null };

/** Wraps `model` so that it takes and returns the labels a stream carries; see the module comment. A pipeline stays a topology model. */
export function indexLabels<X>(model: Classifier<X> & Featurising<X>, config?: LabelIndexerConfig): LabelIndexed<X> & Featurising<X>;
export function indexLabels<X>(model: Classifier<X>, config?: LabelIndexerConfig): LabelIndexed<X>;
export function indexLabels<X>(model: Classifier<X>, config: LabelIndexerConfig = {}): LabelIndexed<X> {
  if (!isClassifier<X>(model))
    throw new DecodeError('SCHEMA', `indexLabels: the model must be a classifier, got ${(model as { kind?: string })?.kind ?? typeof model}`);
  const known: Label[] = [];
  const index = new Map<string, number>();
  const add = (label: Label): number => {
    if (known.length >= model.numClasses) {
      throw new DecodeError(
        'SCHEMA',
        `label ${JSON.stringify(label)} would be class ${known.length + 1}, but the classifier has ${model.numClasses} classes (${known.map((l) => JSON.stringify(l)).join(', ')})`,
      );
    }
    index.set(key(label), known.length);
    known.push(label);
    return known.length - 1;
  };
  const labels = config.labels ?? [];
  for (const label of labels) {
    if (!isLabel(label) || index.has(key(label)))
      throw new DecodeError('SCHEMA', `indexLabels: labels must be distinct strings, booleans or finite numbers, got ${JSON.stringify(label)}`);
    add(label);
  }

  const indexLabel = (label: unknown): number => {
    if (!isLabel(label))
      throw new DecodeError('SCHEMA', `label ${label === undefined ? 'is missing' : `${JSON.stringify(label)} is not a string, boolean or finite number`}`);
    const found = index.get(key(label));
    if (found !== undefined) return found;
    // The first label a stream shows is a boolean: false and true take classes 0 and 1, in that order.
    if (typeof label === 'boolean' && known.length === 0) [false, true].forEach(add);
    return index.get(key(label)) ?? add(label);
  };
  const labelOf = (i: number): Label | undefined => (Number.isInteger(i) ? known[i] : undefined);
  const wrapper: LabelIndexed<X> = {
    kind: LABEL_INDEXED_KIND,
    model,
    numClasses: model.numClasses,
    indexLabel,
    labelOf,
    labels: () => known.slice(),
    predictLabelOne: (x) => labelOf(model.predictOne(x)),
    learnLabelOne: (x, label) => model.learnOne(x, indexLabel(label)),
    learnOne: (x, y) => model.learnOne(x, y),
    learnMany: (xs, ys, batchLabel) => model.learnMany(xs, ys, batchLabel),
    predictOne: (x) => model.predictOne(x),
    predictMany: (xs, out) => model.predictMany(xs, out),
    predictProbaOne: (x, out) => model.predictProbaOne(x, out),
    predictProbaMany: (xs, out) => model.predictProbaMany(xs, out),
    state(): LearnerState {
      const inner = model.state();
      const arrays: Record<string, TypedArray> = {};
      for (const [name, array] of Object.entries(inner.arrays)) arrays[`${MODEL_PREFIX}${name}`] = array;
      return {
        kind: LABEL_INDEXED_KIND,
        version: VERSION,
        config: { labels: known.slice(), model: { kind: inner.kind, version: inner.version, config: inner.config } },
        arrays,
      };
    },
  };
  const transformOne = (model as Partial<Featurising<X>>).transformOne;
  if (typeof transformOne === 'function') wrapper.transformOne = transformOne.bind(model);
  return wrapper;
}

/** Rebuilds an indexed classifier from `state()`, its wrapped model through the registry. */
export function labelIndexedFromState(state: LearnerState): LabelIndexed<unknown> {
  if (state.kind !== LABEL_INDEXED_KIND) throw new CheckpointError(`expected a '${LABEL_INDEXED_KIND}' state, got '${String(state.kind)}'`);
  if (state.version !== VERSION)
    throw new CheckpointError(`${LABEL_INDEXED_KIND}: state version ${String(state.version)} is not supported (expected ${VERSION})`);
  const { labels, model } = state.config as { labels?: JsonValue; model?: { kind?: unknown; version?: unknown; config?: unknown } };
  if (!Array.isArray(labels) || !labels.every(isLabel)) throw new CheckpointError(`${LABEL_INDEXED_KIND}: config.labels must be an array of labels`);
  if (typeof model?.kind !== 'string' || typeof model.version !== 'number' || typeof model.config !== 'object' || model.config === null) {
    throw new CheckpointError(`${LABEL_INDEXED_KIND}: config.model must be a state header { kind, version, config }`);
  }
  const arrays: Record<string, TypedArray> = {};
  for (const [name, array] of Object.entries(state.arrays)) if (name.startsWith(MODEL_PREFIX)) arrays[name.slice(MODEL_PREFIX.length)] = array;
  const inner = fromState<unknown>({ kind: model.kind, version: model.version, config: model.config as LearnerState['config'], arrays });
  if (!isClassifier<unknown>(inner)) throw new CheckpointError(`${LABEL_INDEXED_KIND}: the wrapped ${inner.kind} is not a classifier`);
  try {
    return indexLabels(inner, { labels: labels as Label[] });
  } catch (err) {
    throw new CheckpointError(`${LABEL_INDEXED_KIND}: ${(err as Error).message}`, { cause: err });
  }
}
