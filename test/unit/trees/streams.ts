import { agrawalStream } from '../../../src/datasets/agrawal';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { LabelledRow } from '../../../src/datasets/tree-streams';
import type { Estimator } from '../../../src/learners';

/** Agrawal events as rows of the nine attributes, in the paper's order. */
export const AGRAWAL_NAMES = ['salary', 'commission', 'age', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan'];

export function agrawalRows(config: Parameters<typeof agrawalStream>[0], n: number): LabelledRow[] {
  const stream = agrawalStream(config);
  const rows: LabelledRow[] = [];
  for (let i = 0; i < n; i++) {
    const e = stream.next().value as { [key: string]: number; label: number };
    rows.push({ x: Float64Array.from(AGRAWAL_NAMES, (name) => e[name]), y: e.label });
  }
  return rows;
}

/** Friedman #1 rows; with `swapAt`, the relevant and the noise features swap roles from that row on. */
export function friedmanRows(seed: number, n: number, swapAt = Infinity): LabelledRow[] {
  const stream = friedmanStream({ seed, swapAt });
  const rows: LabelledRow[] = [];
  for (let i = 0; i < n; i++) {
    const e = stream.next().value as { [key: string]: number; y: number };
    rows.push({ x: Float64Array.from({ length: 10 }, (_, j) => e[`x${j}`]), y: e.y });
  }
  return rows;
}

/** Test-then-train accuracy over the rows from index `from` on (all rows are learned). */
export function prequentialAccuracy(model: Estimator, rows: readonly LabelledRow[], from = 0): number {
  let right = 0;
  rows.forEach(({ x, y }, i) => {
    const predicted = model.predictThenLearnOne ? model.predictThenLearnOne(x, y) : model.predictOne(x);
    if (!model.predictThenLearnOne) model.learnOne(x, y);
    if (i >= from && predicted === y) right++;
  });
  return right / (rows.length - from);
}

/** Test-then-train mean absolute error over the rows from index `from` on (all rows are learned). */
export function prequentialMae(model: Estimator, rows: readonly LabelledRow[], from = 0): number {
  let total = 0;
  rows.forEach(({ x, y }, i) => {
    const predicted = model.predictOne(x);
    model.learnOne(x, y);
    if (i >= from) total += Math.abs(predicted - y);
  });
  return total / (rows.length - from);
}
