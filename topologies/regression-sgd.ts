/**
 * Numeric regression: ten numeric fields assembled into a vector, standardised online (Welford), and
 * learned by SGD linear regression with an elastic-net penalty, Spark's
 * `LinearRegression(regParam, elasticNetParam)` in streaming form.
 *
 * Input: JSON events with numeric fields x0..x9 and a numeric target `y` (src/datasets/friedman.ts
 * produces Friedman #1, where only x0..x4 matter).
 */
import {
  createJsonCodec,
  createLinearRegression,
  createMae,
  createR2,
  createRmse,
  createStandardScaler,
  createVectorAssembler,
  pipeline,
  pipelineImportance,
  readyMadeTopology,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

export const REGRESSION_FIELDS = Array.from({ length: 10 }, (_, i) => `x${i}`);

export function regressionSgd(options: TopologyOptions = {}): Topology {
  return readyMadeTopology('regression-sgd', options, {
    description: 'numeric fields → online standard scaler → SGD linear regression with elastic net',
    codec: createJsonCodec(),
    label: 'y',
    model: () =>
      pipeline(
        createVectorAssembler({ inputCols: REGRESSION_FIELDS, outputCol: 'raw' }),
        createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
        createLinearRegression({ numFeatures: REGRESSION_FIELDS.length, stepSize: 0.01, regParam: 0.001, elasticNetParam: 0.5 }),
      ),
    // iPFI over the raw fields, published with every checkpoint and on `.importance`.
    importance: (model, resume) => pipelineImportance(model, { features: REGRESSION_FIELDS, resume }),
    metrics: () => ({ mae: createMae(), rmse: createRmse(), r2: createR2(), rollingRmse: createRmse({ window: 2000 }), rollingR2: createR2({ window: 2000 }) }),
  });
}

export default regressionSgd;
