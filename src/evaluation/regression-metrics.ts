/** Prequential regression metrics built on per-pair sums. */

import { createAdditiveMetric, type AdditiveSpec } from './additive-metric';
import { finite } from './inputs';
import type { Metric, MetricConfig } from './metric';

function regressionSpec(
  kind: string,
  width: number,
  contribute: (y: number, error: number, out: Float64Array) => void,
  result: (sums: Float64Array, count: number) => number,
  contributeMany: AdditiveSpec['contributeMany'],
): AdditiveSpec {
  return {
    kind,
    needs: 'value',
    width,
    contribute(yTrue, yPred, out) {
      const y = finite(kind, 'yTrue', yTrue);
      contribute(y, y - finite(kind, 'yPred', yPred), out);
    },
    contributeMany,
    result,
  };
}

// The batch forms below are `contribute` written out per metric (one loop each, no call per pair), with
// its arithmetic on the error y − ŷ.

export const MAE = regressionSpec(
  'MAE',
  1,
  (_y, error, out) => (out[0] = Math.abs(error)),
  (sums, count) => sums[0] / count,
  (yTrue, yPred, n, out) => {
    for (let i = 0; i < n; i++) out[i] = Math.abs(yTrue[i] - yPred[i]);
    return n;
  },
);

export const RMSE = regressionSpec(
  'RMSE',
  1,
  (_y, error, out) => (out[0] = error * error),
  (sums, count) => Math.sqrt(sums[0] / count),
  (yTrue, yPred, n, out) => {
    for (let i = 0; i < n; i++) {
      const error = yTrue[i] - yPred[i];
      out[i] = error * error;
    }
    return n;
  },
);

/**
 * R² = 1 − SS_res / SS_tot with SS_tot = Σy² − (Σy)²/n from raw sums; the relative error this leaves is
 * about 1e-16 · (mean / std)², negligible unless targets are nearly constant around a large mean.
 */
export const R2 = regressionSpec(
  'R2',
  3,
  (y, error, out) => {
    out[0] = y;
    out[1] = y * y;
    out[2] = error * error;
  },
  (sums, count) => {
    const total = sums[1] - (sums[0] * sums[0]) / count;
    return total > 0 ? 1 - sums[2] / total : NaN;
  },
  (yTrue, yPred, n, out) => {
    for (let i = 0; i < n; i++) {
      const y = yTrue[i];
      const error = y - yPred[i];
      out[3 * i] = y;
      out[3 * i + 1] = y * y;
      out[3 * i + 2] = error * error;
    }
    return n;
  },
);

export function createMae(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(MAE, config);
}

export function createRmse(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(RMSE, config);
}

export function createR2(config: MetricConfig = {}): Metric {
  return createAdditiveMetric(R2, config);
}
