import type { Observable, Subscription } from 'rxjs';
import type { ModelVersion } from '../checkpoints/subscribe';
import { StreamlearnError } from '../errors';
import type { Classifier } from '../learners/estimator';
import type { Label, LabelIndexed } from '../learners/label-indexer';

export interface Prediction {
  value: number;
  /** The original label, for a classifier that indexes labels (`indexLabels`). */
  label?: Label;
  /** Class probabilities, for classifiers. */
  probabilities?: number[];
  modelVersion: number;
}

export interface StaleModelAlert {
  modelId: string;
  version: number;
  ageMs: number;
  maxModelAgeMs: number;
}

export interface LivePredictorConfig<X> {
  versions: Observable<ModelVersion<X>>;
  /** Alert when the serving model's checkpoint is older than this. */
  maxModelAgeMs?: number;
  onStale?(alert: StaleModelAlert): void;
  /** How often the freshness guard looks. Default: a tenth of maxModelAgeMs. */
  checkEveryMs?: number;
}

export interface LivePredictor<X> {
  predict(x: X): Prediction;
  current(): ModelVersion<X> | undefined;
  /** Resolves once a first model has arrived. */
  ready(): Promise<ModelVersion<X>>;
  close(): void;
}

function isClassifier<X>(model: unknown): model is Classifier<X> {
  return typeof (model as Partial<Classifier<X>>).predictProbaOne === 'function';
}

/** A prediction with one model version, saying which. */
export function predictWith<X>({ model, manifest }: ModelVersion<X>, x: X): Prediction {
  if (isClassifier<X>(model)) {
    const value = model.predictOne(x);
    const label = (model as Partial<LabelIndexed<X>>).labelOf?.(value);
    return { value, ...(label === undefined ? {} : { label }), probabilities: Array.from(model.predictProbaOne(x)), modelVersion: manifest.version };
  }
  return { value: model.predictOne(x), modelVersion: manifest.version };
}

/**
 * Serves with the newest model version: each version replaces the previous one in a single assignment,
 * so a prediction uses one whole model, and says which version it used.
 */
export function createLivePredictor<X>({ versions, maxModelAgeMs, onStale, checkEveryMs }: LivePredictorConfig<X>): LivePredictor<X> {
  let current: ModelVersion<X> | undefined;
  const waiting: Array<(version: ModelVersion<X>) => void> = [];
  const subscription: Subscription = versions.subscribe((version) => {
    current = version;
    waiting.splice(0).forEach((resolve) => resolve(version));
  });
  let timer: NodeJS.Timeout | undefined;
  if (maxModelAgeMs !== undefined) {
    timer = setInterval(
      () => {
        if (!current) return;
        const ageMs = Date.now() - Date.parse(current.manifest.createdAt);
        if (ageMs > maxModelAgeMs) onStale?.({ modelId: current.manifest.modelId, version: current.manifest.version, ageMs, maxModelAgeMs });
      },
      checkEveryMs ?? Math.max(10, maxModelAgeMs / 10),
    );
    timer.unref();
  }
  return {
    predict(x) {
      if (!current) throw new StreamlearnError('NO_MODEL', 'no model version has arrived yet', { retriable: true });
      return predictWith(current, x);
    },
    current: () => current,
    ready: () => (current ? Promise.resolve(current) : new Promise((resolve) => waiting.push(resolve))),
    close() {
      subscription.unsubscribe();
      if (timer) clearInterval(timer);
    },
  };
}
