/** Rebuilds metrics from stored states by kind. */

import { CheckpointError } from '../errors';
import { additiveMetricFromState, type AdditiveSpec } from './additive-metric';
import { ACCURACY, F1, LOG_LOSS } from './classification-metrics';
import type { Metric, MetricState } from './metric';
import { MAE, R2, RMSE } from './regression-metrics';
import { rocAucFromState } from './roc-auc';

type MetricFromState = (state: MetricState) => Metric;

const additive = (spec: AdditiveSpec): [string, MetricFromState] => [
  spec.kind,
  (state) => additiveMetricFromState(spec, state),
];

const metricKinds = new Map<string, MetricFromState>([
  additive(ACCURACY),
  additive(LOG_LOSS),
  additive(F1),
  additive(MAE),
  additive(RMSE),
  additive(R2),
  ['ROCAUC', rocAucFromState],
]);

/** Rebuilds the metric a `state()` came from. */
export function metricFromState(state: MetricState): Metric {
  const fromState = metricKinds.get(state.kind);
  if (fromState === undefined) throw new CheckpointError(`no metric of kind '${String(state.kind)}' is registered`);
  return fromState(state);
}
