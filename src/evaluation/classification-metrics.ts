/** Prequential classification metrics built on per-pair sums. */

import { createAdditiveMetric, type AdditiveSpec } from './additive-metric';
import { binary, probability } from './inputs';
import type { Metric, MetricConfig } from './metric';

// Clipping as scikit-learn's log_loss did, so a confident miss costs about 34.5 rather than Infinity.
const LOG_LOSS_EPSILON = 1e-15;

// The batch forms below are `contribute` written out per metric: one loop over arrays, so that no double
// crosses a call (scoring ctr-logistic's 4 of them pair by pair boxed ~49 bytes an event). Each stops at
// the first pair `contribute` would refuse and leaves it to `contribute`, which names it. A pair whose
// prediction is NaN is skipped by the caller: its contribution may be anything, but it must not stop the loop.
const isClass = (value: number) => value === 0 || value === 1;
const isProbability = (value: number) => value >= 0 && value <= 1;

/** Share of class predictions equal to the class. */
export const ACCURACY: AdditiveSpec = {
  kind: 'Accuracy',
  needs: 'label',
  width: 1,
  contribute(yTrue, yPred, out) {
    out[0] = yTrue === yPred ? 1 : 0;
  },
  contributeMany(yTrue, yPred, n, out) {
    for (let i = 0; i < n; i++) out[i] = yTrue[i] === yPred[i] ? 1 : 0;
    return n;
  },
  result: (sums, count) => sums[0] / count,
};

/** Binary cross-entropy of P(class 1). */
export const LOG_LOSS: AdditiveSpec = {
  kind: 'LogLoss',
  needs: 'probability',
  width: 1,
  contribute(yTrue, yPred, out) {
    const y = binary('LogLoss', 'yTrue', yTrue);
    const p = Math.min(Math.max(probability('LogLoss', 'yPred', yPred), LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    out[0] = -(y === 1 ? Math.log(p) : Math.log(1 - p));
  },
  contributeMany(yTrue, yPred, n, out) {
    for (let i = 0; i < n; i++) {
      const y = yTrue[i];
      const raw = yPred[i];
      if (raw !== raw) continue;
      if (!isClass(y) || !isProbability(raw)) return i;
      const p = Math.min(Math.max(raw, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
      out[i] = -(y === 1 ? Math.log(p) : Math.log(1 - p));
    }
    return n;
  },
  result: (sums, count) => sums[0] / count,
};

/**
 * Multiclass log loss (cross-entropy): −log of the probability given to the true class, clipped as
 * LogLoss is. It is fed that probability (`needs: 'trueClassProbability'`), so it works for any number
 * of classes; on two classes it equals LogLoss.
 */
export const CROSS_ENTROPY: AdditiveSpec = {
  kind: 'CrossEntropy',
  needs: 'trueClassProbability',
  width: 1,
  contribute(_yTrue, yPred, out) {
    const p = Math.min(Math.max(probability('CrossEntropy', 'yPred', yPred), LOG_LOSS_EPSILON), 1);
    out[0] = -Math.log(p);
  },
  result: (sums, count) => sums[0] / count,
};

/** F1 of class 1: sums are true positives, false positives, false negatives. */
export const F1: AdditiveSpec = {
  kind: 'F1',
  needs: 'label',
  width: 3,
  contribute(yTrue, yPred, out) {
    const y = binary('F1', 'yTrue', yTrue);
    const predicted = binary('F1', 'yPred', yPred);
    out[0] = y & predicted;
    out[1] = predicted & (1 - y);
    out[2] = y & (1 - predicted);
  },
  contributeMany(yTrue, yPred, n, out) {
    for (let i = 0; i < n; i++) {
      const y = yTrue[i];
      const predicted = yPred[i];
      if (predicted !== predicted) continue;
      if (!isClass(y) || !isClass(predicted)) return i;
      out[3 * i] = y & predicted;
      out[3 * i + 1] = predicted & (1 - y);
      out[3 * i + 2] = y & (1 - predicted);
    }
    return n;
  },
  result(sums) {
    const denominator = 2 * sums[0] + sums[1] + sums[2];
    return denominator === 0 ? NaN : (2 * sums[0]) / denominator;
  },
};

export function createAccuracy(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(ACCURACY, config);
}

export function createLogLoss(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(LOG_LOSS, config);
}

export function createCrossEntropy(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(CROSS_ENTROPY, config);
}

export function createF1(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(F1, config);
}
