/**
 * Text classification: a text field tokenised into hashed unigrams and bigrams (2^18, l2-normalised term
 * frequencies) and learned by multiclass softmax regression with AdaGrad.
 *
 * Input: JSON events `{ text, label }` with a class index in 0..3 (src/datasets/topics-text.ts).
 */
import {
  createAccuracy,
  createHashingTokenizer,
  createJsonCodec,
  createSoftmaxRegression,
  pipeline,
  readyMadeTopology,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

/** The classes, by index: the topics of src/datasets/topics-text.ts (a test checks they agree). */
export const TEXT_TOPICS = ['sports', 'technology', 'finance', 'health'] as const;

const BITS = 18;

export function textClassifier(options: TopologyOptions = {}): Topology {
  return readyMadeTopology('text-classifier', options, {
    description: 'text → hashed unigrams and bigrams → softmax regression',
    codec: createJsonCodec(),
    label: 'label',
    model: () =>
      pipeline(
        createHashingTokenizer({ inputCol: 'text', outputCol: 'features', bits: BITS, ngrams: 2, norm: 'l2' }),
        createSoftmaxRegression({ numFeatures: 2 ** BITS, numClasses: TEXT_TOPICS.length, optimizer: { kind: 'adagrad' }, stepSize: 0.5, dtype: 'float32' }),
      ),
    metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 2000 }) }),
  });
}

export default textClassifier;
