import { ConfigError } from '../errors';
import type { Classifier, Estimator } from '../learners/estimator';

/**
 * The pointwise loss whose increase measures importance: `squared` and `absolute` score `predictMany`
 * (a regression value), `log` scores the probability of the true class, `zeroOne` the predicted class.
 */
export type ImportanceLoss = 'squared' | 'absolute' | 'log' | 'zeroOne';

const LOSSES: readonly ImportanceLoss[] = ['squared', 'absolute', 'log', 'zeroOne'];
/** Keeps the log loss of a confidently wrong prediction finite (scikit-learn's clipping). */
const MIN_PROBABILITY = 1e-15;

export function isClassifier<X>(model: Estimator<X>): model is Classifier<X> {
  const candidate = model as Partial<Classifier<X>>;
  return typeof candidate.predictProbaMany === 'function' && typeof candidate.numClasses === 'number';
}

/** The loss to use: `requested`, or log loss for classifiers and squared error for regressors. */
export function resolveLoss<X>(owner: string, model: Estimator<X>, requested: unknown): ImportanceLoss {
  const classifier = isClassifier(model);
  const loss = requested ?? (classifier ? 'log' : 'squared');
  if (!(LOSSES as readonly unknown[]).includes(loss)) throw new ConfigError(`${owner}: loss must be one of ${LOSSES.join(', ')}, got ${JSON.stringify(loss)}`);
  if ((loss === 'log' || loss === 'zeroOne') && !classifier)
    throw new ConfigError(`${owner}: loss '${String(loss)}' needs a classifier, and ${model.kind} is not one`);
  return loss as ImportanceLoss;
}

/** One loss per example; NaN where the model gives no prediction (a pipeline dropped the record) or the label does not fit. */
export function pointwiseLosses<X>(model: Estimator<X>, loss: ImportanceLoss, xs: readonly X[], ys: ArrayLike<number>): Float64Array {
  const out = new Float64Array(xs.length);
  if (loss === 'log') return logLosses((model as Classifier<X>).predictProbaMany(xs), (model as Classifier<X>).numClasses, ys, out);
  return predictionLosses(loss, model.predictMany(xs), ys, out);
}

/** `pointwiseLosses` for the `log` loss, from each example's `classes` probabilities (row-major). */
export function logLosses(probabilities: Float64Array, classes: number, ys: ArrayLike<number>, out = new Float64Array(ys.length)): Float64Array {
  for (let i = 0; i < out.length; i++) {
    const y = ys[i];
    out[i] = Number.isInteger(y) && y >= 0 && y < classes ? -Math.log(Math.max(probabilities[i * classes + y], MIN_PROBABILITY)) : NaN;
  }
  return out;
}

/** `pointwiseLosses` of a regression value or class per example (any loss but `log`), from its predictions. */
export function predictionLosses(
  loss: ImportanceLoss,
  predictions: Float64Array,
  ys: ArrayLike<number>,
  out = new Float64Array(predictions.length),
): Float64Array {
  for (let i = 0; i < out.length; i++) {
    const error = predictions[i] - ys[i];
    out[i] = loss === 'squared' ? error * error : loss === 'absolute' ? Math.abs(error) : Number.isNaN(error) ? NaN : error === 0 ? 0 : 1;
  }
  return out;
}
