import { agrawalStream } from '../../src/datasets/agrawal';
import type { FriedmanEvent } from '../../src/datasets/friedman';
import { friedmanStream } from '../../src/datasets/friedman';
import type { LabelledRow } from '../../src/datasets/tree-streams';
import { hyperplaneStream, randomRbfStream, seaStream, take } from '../../src/datasets/tree-streams';

export interface TreeWorkload {
  name: string;
  task: 'classification' | 'regression';
  dim: number;
  numClasses: number;
  /** Events at scale 1. */
  n: number;
  describe: string;
  rows(n: number, seed: number): LabelledRow[];
}

const AGRAWAL = ['salary', 'commission', 'age', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan'] as const;

/** The trees suite's streams: the drifting streams plus a stationary one, and Friedman #1 (stationary and drifting) for the regressors. */
export const TREE_WORKLOADS: readonly TreeWorkload[] = [
  {
    name: 'agrawal-drift',
    task: 'classification',
    dim: 9,
    numClasses: 2,
    n: 40_000,
    describe: 'Agrawal, function 0 → 2 at the middle (abrupt drift), 9 numeric attributes',
    rows: (n, seed) =>
      take(agrawalStream({ seed, functionBefore: 0, functionAfter: 2, driftAt: n / 2 }), n).map((e) => ({
        x: Float64Array.from(AGRAWAL, (name) => e[name]),
        y: e.label,
      })),
  },
  {
    name: 'rbf-drift',
    task: 'classification',
    dim: 10,
    numClasses: 2,
    n: 40_000,
    describe: 'RandomRBF, 50 centroids all moving at 0.001 per event (gradual drift), 10 features',
    rows: (n, seed) => take(randomRbfStream({ seed, numCentroids: 50, driftCentroids: 50, speed: 0.001 }), n),
  },
  {
    name: 'sea-drift',
    task: 'classification',
    dim: 3,
    numClasses: 2,
    n: 40_000,
    describe: 'SEA, concepts 0 → 1 → 2 → 3 every quarter, 10% label noise',
    rows: (n, seed) => take(seaStream({ seed, variants: [0, 1, 2, 3], driftEvery: n / 4 }), n),
  },
  {
    name: 'hyperplane',
    task: 'classification',
    dim: 10,
    numClasses: 2,
    n: 40_000,
    describe: 'rotating Hyperplane, 2 of 10 weights drifting slowly, 5% noise',
    rows: (n, seed) => take(hyperplaneStream({ seed }), n),
  },
  {
    name: 'friedman',
    task: 'regression',
    dim: 10,
    numClasses: 0,
    n: 40_000,
    describe: 'Friedman #1, noise σ = 1, 10 features of which 5 matter',
    rows: (n, seed) => friedmanRows(friedmanStream({ seed }), n),
  },
  {
    name: 'friedman-drift',
    task: 'regression',
    dim: 10,
    numClasses: 0,
    n: 40_000,
    describe: 'Friedman #1 whose relevant features x0..x4 and the noise x5..x9 swap roles at the middle (abrupt drift)',
    rows: (n, seed) => friedmanRows(friedmanStream({ seed, swapAt: n / 2 }), n),
  },
];

function friedmanRows(stream: Generator<FriedmanEvent>, n: number): LabelledRow[] {
  return Array.from({ length: n }, () => {
    const e = stream.next().value as FriedmanEvent;
    return { x: Float64Array.from({ length: 10 }, (_, j) => e[`x${j}`]), y: e.y };
  });
}

/** The parameters both sides use (River's defaults, MOA's for the same options). */
export const TREE_PARAMS = {
  gracePeriod: 200,
  splitConfidence: 1e-7,
  tieThreshold: 0.05,
  numModels: 10,
  forestGracePeriod: 50,
  forestSplitConfidence: 0.01,
};
