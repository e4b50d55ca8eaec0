/**
 * UCI breast cancer (scikit-learn's copy, test/fixtures/breast-cancer.csv): one streaming pass of an
 * online StandardScaler + LogisticRegression pipeline against batch logistic regression.
 *
 * Protocol: the rows are shuffled with a seeded RNG and split into 5 folds. For each fold, the
 * pipeline streams the other folds once, in shuffled order (its scaler standardizes each row with the
 * statistics of the rows before it), then predicts the held-out fold with its final statistics. The batch
 * reference standardizes with the same training rows' mean and sample deviation and is fitted to
 * convergence by Newton's method on scikit-learn's default objective (C = 1, i.e. ridge 1/n on the mean
 * loss). Both are scored on the same held-out rows, so every row is predicted once by each: cross-validated
 * accuracy, not training accuracy, since a streamed model has no "end of training" to score on. The
 * accuracies are averaged over 5 seeded shuffles, so no single lucky order decides. The learner runs with
 * its defaults (plain SGD, constant rate 0.01): nothing is tuned to this data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from '../../../src/features';
import { createStandardScaler, createVectorAssembler, pipeline } from '../../../src/features';
import { createLogisticRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';
import { logisticSolution, type LinearTruth } from './fixtures';

interface Table {
  names: string[];
  rows: Float64Array[];
  labels: number[];
}

const FOLDS = 5;
const SHUFFLE_SEEDS = [1, 2, 3, 4, 5];

function loadBreastCancer(): Table {
  const [header, ...lines] = readFileSync(join(__dirname, '../../fixtures/breast-cancer.csv'), 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  if (columns.length !== 31 || columns[30] !== 'target') throw new Error(`unexpected breast-cancer header: ${header}`);
  const rows = lines.map((line) => Float64Array.from(line.split(',').slice(0, 30), Number));
  const labels = lines.map((line) => Number(line.split(',')[30]));
  return { names: columns.slice(0, 30), rows, labels };
}

function shuffledOrder(n: number, seed: number): number[] {
  const rng = createRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function record(names: string[], values: Float64Array): Row {
  return Object.fromEntries(names.map((name, j) => [name, values[j]]));
}

/** Predictions of the streamed pipeline for `test`, after one pass over `train` in order. */
function streamedPredictions(table: Table, train: number[], test: number[]): number[] {
  const model = pipeline(
    createVectorAssembler({ inputCols: table.names }),
    createStandardScaler({ inputCol: 'features' }),
    createLogisticRegression({ numFeatures: table.names.length }),
  );
  for (const i of train) model.learnOne(record(table.names, table.rows[i]), table.labels[i]);
  return test.map((i) => model.predictOne(record(table.names, table.rows[i])));
}

/** Predictions of batch logistic regression fitted on the standardized `train` rows. */
function batchPredictions(table: Table, train: number[], test: number[]): number[] {
  const d = table.names.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const i of train) for (let j = 0; j < d; j++) mean[j] += table.rows[i][j] / train.length;
  for (const i of train) for (let j = 0; j < d; j++) std[j] += (table.rows[i][j] - mean[j]) ** 2 / (train.length - 1);
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]);
  const standardize = (i: number) => Float64Array.from(table.rows[i], (v, j) => (v - mean[j]) / std[j]);
  const fit: LinearTruth = logisticSolution({ xs: train.map(standardize), ys: train.map((i) => table.labels[i]) }, 1 / train.length);
  return test.map((i) => {
    const z = standardize(i).reduce((sum, v, j) => sum + v * fit.weights[j], fit.intercept);
    return z > 0 ? 1 : 0;
  });
}

/** Cross-validated accuracy of `predict`, averaged over the shuffles. */
function crossValidatedAccuracy(table: Table, predict: (table: Table, train: number[], test: number[]) => number[]): number {
  let correct = 0;
  for (const seed of SHUFFLE_SEEDS) {
    const order = shuffledOrder(table.rows.length, seed);
    for (let fold = 0; fold < FOLDS; fold++) {
      const test = order.filter((_, position) => position % FOLDS === fold);
      const train = order.filter((_, position) => position % FOLDS !== fold);
      const predictions = predict(table, train, test);
      correct += test.filter((i, k) => predictions[k] === table.labels[i]).length;
    }
  }
  return correct / (table.rows.length * SHUFFLE_SEEDS.length);
}

describe('breast cancer: one streamed pass vs batch logistic regression', () => {
  const table = loadBreastCancer();

  test('the fixture is scikit-learn’s 569-row, 30-feature data set', () => {
    expect(table.rows).toHaveLength(569);
    expect(table.labels.filter((y) => y === 1)).toHaveLength(357);
  });

  test('the batch reference matches published accuracy for linear models on this data (about 97%)', () => {
    expect(crossValidatedAccuracy(table, batchPredictions)).toBeGreaterThan(0.95);
  });

  test('the streamed pipeline comes within 2 accuracy points of the batch reference', () => {
    const batch = crossValidatedAccuracy(table, batchPredictions);
    const streamed = crossValidatedAccuracy(table, streamedPredictions);
    expect(streamed).toBeGreaterThanOrEqual(batch - 0.02);
  });
});
