/**
 * Click-through-rate style learning: categorical events, hashed (signed murmur3, 2^18) plus VW-style
 * quadratic crosses of age with income and education, learned by FTRL-Proximal logistic regression
 * (McMahan et al. 2013, the algorithm behind Google's ad click prediction).
 *
 * Input: JSON events on `<prefix>ctr-logistic.events` with string fields age, salary, commission, elevel,
 * car, zipcode, hvalue, hyears, loan and a 0/1 `label` (see src/datasets/ctr-events.ts for the stream the
 * main job produces). Output: checkpoints on `.models`, metrics on `.metrics`, rejects on `.dlq`.
 */
import {
  createAccuracy,
  createFeatureHasher,
  createInteractions,
  createJsonCodec,
  createLogisticRegression,
  createLogLoss,
  createRocAuc,
  createVectorAssembler,
  pipeline,
  pipelineImportance,
  readyMadeTopology,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

export const CTR_FIELDS = ['age', 'salary', 'commission', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan'];
const BITS = 18;

/** Click-stream metrics, overall and over the last 2,000 events. */
export const ctrMetrics = () => ({
  accuracy: createAccuracy(),
  rollingAccuracy: createAccuracy({ window: 2000 }),
  logLoss: createLogLoss(),
  rollingLogLoss: createLogLoss({ window: 2000 }),
  rollingRocAuc: createRocAuc({ window: 2000 }),
});

export function ctrLogistic(options: TopologyOptions = {}): Topology {
  return readyMadeTopology('ctr-logistic', options, {
    description: 'hashed categorical events + quadratic crosses → FTRL logistic regression',
    codec: createJsonCodec(),
    label: 'label',
    model: () =>
      pipeline(
        createFeatureHasher({ inputCols: CTR_FIELDS, outputCol: 'categories', bits: BITS }),
        createFeatureHasher({ inputCols: ['age'], outputCol: 'ageNs', bits: 8 }),
        createFeatureHasher({ inputCols: ['salary', 'commission', 'elevel'], outputCol: 'profileNs', bits: 8 }),
        createInteractions({ pairs: [['ageNs', 'profileNs']], outputCol: 'crosses', bits: BITS }),
        createVectorAssembler({ inputCols: ['categories', 'crosses'], vectorSizes: { categories: 2 ** BITS, crosses: 2 ** BITS } }),
        createLogisticRegression({
          numFeatures: 2 ** (BITS + 1),
          optimizer: { kind: 'ftrl' },
          stepSize: 0.1,
          regParam: 1,
          elasticNetParam: 0.5,
          dtype: 'float32',
        }),
      ),
    importance: (model, resume) => pipelineImportance(model, { features: CTR_FIELDS, resume }),
    metrics: ctrMetrics,
  });
}

export default ctrLogistic;
