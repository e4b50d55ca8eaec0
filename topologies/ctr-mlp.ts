/**
 * The click stream of ctr-logistic learned by a neural net instead: the nine categorical fields hashed
 * (signed murmur3) into 2^10 dense inputs, then an MLP 1024 → 32 relu → 1 sigmoid with Adam and binary
 * cross-entropy on TensorFlow.js. The hidden layer learns the age × profile interactions that
 * ctr-logistic is handed as explicit crosses; it needs more events to get there (see the README).
 *
 * Input: the same JSON events as ctr-logistic (src/datasets/ctr-events.ts), on `<prefix>ctr-mlp.events`.
 */
import { createFeatureHasher, createJsonCodec, pipeline, readyMadeTopology, type Topology, type TopologyOptions } from 'streamlearn';
import { createNeuralNet, initTensorflow } from 'streamlearn/neural';
import { CTR_FIELDS, ctrMetrics } from './ctr-logistic';

/** 2^10 inputs: few enough for a dense first layer, enough that the stream's ~85 categories rarely collide. */
const BITS = 10;

export interface CtrMlpOptions extends TopologyOptions {
  /** Examples per gradient step; default 32. */
  batchSize?: number;
  /** Passes over each micro-batch; default 1. */
  epochsPerBatch?: number;
}

export function ctrMlp(options: CtrMlpOptions = {}): Topology {
  return readyMadeTopology('ctr-mlp', options, {
    description: 'hashed categorical events (2^10, dense) → MLP 1024-32-1 (adam) on TensorFlow.js',
    codec: createJsonCodec(),
    label: 'label',
    setup: initTensorflow,
    model: () =>
      pipeline(
        createFeatureHasher({ inputCols: CTR_FIELDS, outputCol: 'features', bits: BITS }),
        createNeuralNet({
          inputShape: [2 ** BITS],
          layers: [
            { type: 'dense', units: 32, activation: 'relu' },
            { type: 'dense', units: 1, activation: 'sigmoid' },
          ],
          optimizer: { type: 'adam', learningRate: 0.01 },
          loss: 'binaryCrossentropy',
          batchSize: options.batchSize ?? 32,
          epochsPerBatch: options.epochsPerBatch ?? 1,
        }),
      ),
    metrics: ctrMetrics,
  });
}

export default ctrMlp;
