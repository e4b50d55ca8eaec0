import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import type { ImportanceSnapshot } from '../../../src/importance';
import type { Estimator } from '../../../src/learners';

export { friedmanTrueImportance } from '../../../src/datasets/friedman';

export const FRIEDMAN_FEATURES = Array.from({ length: 10 }, (_, j) => `x${j}`);

/** Means in the order of `names`. */
export function meansOf(snapshot: ImportanceSnapshot, names: readonly string[]): number[] {
  const byName = new Map(snapshot.features.map((score) => [score.name, score.mean]));
  return names.map((name) => byName.get(name) as number);
}

/** Smallest mean of `high` minus the largest of `low`: positive when every `high` feature outranks every `low` one. */
export function separation(snapshot: ImportanceSnapshot, high: readonly string[], low: readonly string[]): number {
  return Math.min(...meansOf(snapshot, high)) - Math.max(...meansOf(snapshot, low));
}

/**
 * Test-then-train over a Friedman stream in micro-batches, as the runtime runs a topology: `beforeLearn`
 * sees each batch after it is predicted and before the model learns it; `afterBatch` gets the count so far.
 */
export function friedmanPrequential(
  model: Estimator<Row>,
  options: { n: number; swapAt?: number; seed?: number; batch?: number },
  beforeLearn: (rows: Row[], ys: Float64Array) => void,
  afterBatch: (seen: number) => void = () => undefined,
): void {
  const { n, swapAt, seed = 11, batch = 32 } = options;
  const events = friedmanStream({ seed, swapAt });
  for (let seen = 0; seen < n;) {
    const rows = Array.from({ length: Math.min(batch, n - seen) }, () => events.next().value as Row);
    const ys = Float64Array.from(rows, (row) => row.y as number);
    beforeLearn(rows, ys);
    model.learnMany(rows, ys);
    seen += rows.length;
    afterBatch(seen);
  }
}
