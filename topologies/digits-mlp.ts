/**
 * Image classification: 8×8 handwritten digits (one CSV line per image) assembled into a 64-pixel vector,
 * standardised online (Welford), and learned by a Keras-style MLP 64 → 64 relu → 10 softmax with Adam and
 * sparse categorical cross-entropy on TensorFlow.js.
 *
 * Input: CSV lines `p0,…,p63,target` on `<prefix>digits-mlp.events` (pixels 0..16, target 0..9; see
 * src/datasets/digits.ts for the fixture and a shuffled stream of it).
 */
import {
  createAccuracy,
  createCsvCodec,
  createStandardScaler,
  createVectorAssembler,
  pipeline,
  readyMadeTopology,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';
import { createNeuralNet, initTensorflow } from 'streamlearn/neural';

/** The 64 pixel columns, then the class: the layout of src/datasets/digits.ts (a test checks they agree). */
export const DIGIT_PIXELS: readonly string[] = Array.from({ length: 64 }, (_, i) => `p${i}`);
const DIGIT_COLUMNS = [...DIGIT_PIXELS, 'target'];

export interface DigitsMlpOptions extends TopologyOptions {
  /** Examples per gradient step; default 16. */
  batchSize?: number;
  /** Passes over each micro-batch; default 2. */
  epochsPerBatch?: number;
}

export function digitsMlp(options: DigitsMlpOptions = {}): Topology {
  return readyMadeTopology('digits-mlp', options, {
    description: '8×8 digit pixels → online standard scaler → MLP 64-64-10 (adam) on TensorFlow.js',
    codec: createCsvCodec({ columns: DIGIT_COLUMNS, types: Object.fromEntries(DIGIT_COLUMNS.map((column) => [column, 'number' as const])) }),
    label: 'target',
    setup: initTensorflow,
    model: () =>
      pipeline(
        createVectorAssembler({ inputCols: [...DIGIT_PIXELS], outputCol: 'pixels' }),
        // Standardising beat a fixed /16 by 4 points after three passes: rare pixels get a usable scale.
        createStandardScaler({ inputCol: 'pixels', outputCol: 'features' }),
        createNeuralNet({
          inputShape: [DIGIT_PIXELS.length],
          layers: [
            { type: 'dense', units: 64, activation: 'relu' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
          optimizer: { type: 'adam', learningRate: 0.005 },
          loss: 'sparseCategoricalCrossentropy',
          batchSize: options.batchSize ?? 16,
          epochsPerBatch: options.epochsPerBatch ?? 2,
        }),
      ),
    metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 500 }) }),
    checkpoint: { everyRecords: 2_000, everyMs: 2_000 },
  });
}

export default digitsMlp;
