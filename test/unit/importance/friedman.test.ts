import { createStandardScaler } from '../../../src/features/standard-scaler';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { pipeline } from '../../../src/features/pipeline';
import { createIncrementalPfi, rowFeatures, spearman } from '../../../src/importance';
import { createNeuralNet, initTensorflow } from '../../../src/neural';
import { FRIEDMAN_FEATURES, friedmanPrequential, friedmanTrueImportance, meansOf, separation } from './helpers';

const RELEVANT = FRIEDMAN_FEATURES.slice(0, 5);
const NOISE = FRIEDMAN_FEATURES.slice(5);

/** Raw Friedman records → online standardisation → an MLP regressor: a model iPFI knows nothing about. */
function friedmanMlp() {
  return pipeline(
    createVectorAssembler({ inputCols: FRIEDMAN_FEATURES, outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createNeuralNet({
      inputShape: [10],
      layers: [
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'dense', units: 1 },
      ],
      optimizer: { type: 'adam', learningRate: 0.005 },
      loss: 'meanSquaredError',
      batchSize: 16,
      seed: 3,
    }),
  );
}

beforeAll(async () => {
  await initTensorflow();
});

describe('iPFI on Friedman #1, explaining an MLP pipeline over raw records', () => {
  it('ranks the five relevant features above the five noise features, in the true order', () => {
    const model = friedmanMlp();
    const pfi = createIncrementalPfi({ model, features: rowFeatures(FRIEDMAN_FEATURES), sampleRate: 0.2, smoothing: 0.01, seed: 5 });
    friedmanPrequential(model, { n: 30_000 }, (rows, ys) => pfi.update(rows, ys));

    const snapshot = pfi.snapshot();
    expect(pfi.loss).toBe('squared');
    expect(snapshot.samples).toBeGreaterThan(5000);
    expect(
      snapshot.features
        .slice(0, 5)
        .map((score) => score.name)
        .sort(),
    ).toEqual(RELEVANT);
    expect(separation(snapshot, RELEVANT, NOISE)).toBeGreaterThan(0);

    const truth = friedmanTrueImportance();
    // The truth ties x0 with x1 and the noise features together: a perfect ranking scores 0.934 here (measured 0.921).
    expect(spearman(meansOf(snapshot, FRIEDMAN_FEATURES), truth)).toBeGreaterThanOrEqual(0.8);
    // x3, the largest term, is found to matter most, and about as much as it does (16.7).
    expect(snapshot.features[0].name).toBe('x3');
    expect(snapshot.features[0].mean).toBeGreaterThan(0.6 * truth[3]);
    expect(snapshot.features[0].mean).toBeLessThan(1.4 * truth[3]);
  }, 120_000);

  /** Measured: the full switch shows 1,920 examples after the swap (seed 11), the MLP relearning included. */
  const FOLLOWS_WITHIN = 4000;

  it(`follows a swap of the relevant features within ${FOLLOWS_WITHIN} examples`, () => {
    const swapAt = 20_000;
    const model = friedmanMlp();
    const pfi = createIncrementalPfi({
      model,
      features: rowFeatures(FRIEDMAN_FEATURES),
      sampleRate: 0.2,
      smoothing: 0.01,
      reservoir: { kind: 'geometric' },
      seed: 5,
    });
    let followedAfter = Infinity;
    let beforeSwap = NaN;
    friedmanPrequential(
      model,
      { n: swapAt + 10_000, swapAt },
      (rows, ys) => pfi.update(rows, ys),
      (seen) => {
        if (seen === swapAt) beforeSwap = separation(pfi.snapshot(), RELEVANT, NOISE);
        if (seen > swapAt && followedAfter === Infinity && separation(pfi.snapshot(), NOISE, RELEVANT) > 0) followedAfter = seen - swapAt;
      },
    );
    expect(beforeSwap).toBeGreaterThan(0);
    expect(followedAfter).toBeLessThanOrEqual(FOLLOWS_WITHIN);
    // And it stays switched.
    const last = pfi.snapshot();
    expect(
      last.features
        .slice(0, 5)
        .map((score) => score.name)
        .sort(),
    ).toEqual(NOISE);
  }, 120_000);
});
