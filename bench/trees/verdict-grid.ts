import type { LabelledRow } from '../../src/datasets/tree-streams';
import { createRandom } from '../../src/random';

/** One run of the ARF-vs-MOA verdict: a stream (its index in the grid), a forest seed, and a column order. */
export interface GridPair {
  stream: number;
  seed: number;
  /** Column j of the run's rows is column `perm[j]` of the stream's; null: as generated. */
  perm: number[] | null;
}

/** The stream seeds of the verdict: the timed run's first, then `count − 1` more, 1,000 apart (away from the other workloads' seeds). */
export function verdictStreamSeeds(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, j) => first + 1000 * j);
}

/**
 * A column order drawn from (stream, forest seed). MOA's ARF draws every tree's subspaces from one
 * `Random(1)` (its tree learner's default seed, whatever the forest's seed): the root of every tree, and of
 * every tree it starts after a warning, considers the same columns — on 9 features {0, 2, 6}, on 3 {0, 1}.
 * Shuffling the columns shows how much of MOA's accuracy that fixed draw owes to where a stream's
 * informative columns happen to sit.
 */
export function shuffledColumns(dim: number, stream: number, seed: number): number[] {
  const random = createRandom(7919 * (stream + 1) + seed);
  const perm = Array.from({ length: dim }, (_, j) => j);
  for (let i = dim - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

/** Streams × forest seeds 1..`seeds`, as generated, then (when `shuffled`) the same pairs with shuffled columns. */
export function verdictPairs(streams: number, seeds: number, dim: number, shuffled: boolean): GridPair[] {
  const pairs: GridPair[] = [];
  for (const shuffle of shuffled ? [false, true] : [false]) {
    for (let stream = 0; stream < streams; stream++) {
      for (let seed = 1; seed <= seeds; seed++) pairs.push({ stream, seed, perm: shuffle ? shuffledColumns(dim, stream, seed) : null });
    }
  }
  return pairs;
}

/**
 * Whether the ARF-vs-MOA verdict is taken over the pairs with shuffled columns (when they ran) rather than
 * as generated. MOA's ARF is not invariant to column order (every tree draws its subspaces from one
 * `Random(1)`, see `shuffledColumns`), so its accuracy on one order is partly that order's luck, and its
 * mean over orders drawn at random is its accuracy as a learner. Ours draws per tree, so order does not
 * matter to it beyond noise.
 */
export function verdictOnShuffled(pairs: readonly GridPair[]): boolean {
  return pairs.some((pair) => pair.perm !== null);
}

/** `rows` with their columns in the order `perm` (the rows themselves when null). */
export function permuted(rows: readonly LabelledRow[], perm: number[] | null): readonly LabelledRow[] {
  if (perm === null) return rows;
  return rows.map(({ x, y }) => ({ x: Float64Array.from(perm, (j) => x[j]), y }));
}
