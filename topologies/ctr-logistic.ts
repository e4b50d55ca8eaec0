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
  createHashedCrosses,
  createJsonCodec,
  createLogisticRegression,
  createLogLoss,
  createRocAuc,
  pipeline,
  pipelineImportance,
  readyMadeTopology,
  type HashedCrossesConfig,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

export const CTR_FIELDS = ['age', 'salary', 'commission', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan'];
const BITS = 18;

/**
 * The features, in one pass: the nine fields hashed into 2^18 slots, and the crosses of the age namespace
 * with the profile one (salary, commission, elevel; 2^8 slots each) into the next 2^18. Until stop 21 this
 * was the chain FeatureHasher → FeatureHasher (ageNs) → FeatureHasher (profileNs) → Interactions →
 * VectorAssembler, which gives the same vector bit for bit (test/unit/features/hashed-crosses.test.ts) and
 * which checkpoints written before still restore to.
 */
export const CTR_FEATURES: HashedCrossesConfig = {
  inputCols: CTR_FIELDS,
  bits: BITS,
  namespaces: { ageNs: { inputCols: ['age'], bits: 8 }, profileNs: { inputCols: ['salary', 'commission', 'elevel'], bits: 8 } },
  pairs: [['ageNs', 'profileNs']],
  crossBits: BITS,
};

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
        createHashedCrosses(CTR_FEATURES),
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
