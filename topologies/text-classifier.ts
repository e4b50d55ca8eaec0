/**
 * Text classification: a text field tokenised into hashed unigrams and bigrams (2^18, l2-normalised term
 * frequencies) and learned by multiclass softmax regression with AdaGrad.
 *
 * Input: JSON events `{ text, label }` with a class index in 0..3 (src/datasets/topics-text.ts).
 */
import { createJsonCodec } from '../connectors/codecs/json';
import { createAccuracy } from '../src/evaluation';
import { createHashingTokenizer } from '../src/features/hashing-tokenizer';
import { pipeline } from '../src/features/pipeline';
import { createSoftmaxRegression } from '../src/learners';
import { TEXT_TOPICS } from '../src/datasets/topics-text';
import { readyMadeTopology, type Topology, type TopologyOptions } from '../src/topology/topology';

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
