/** Memoised hashes of one column's categories, bounded so that memory stays flat over an endless stream. */

import { murmur3String } from './murmur3';

/** Categories remembered per column and generation; see {@link CategoryHashes}. */
export const CATEGORY_CACHE_SIZE = 8192;

/**
 * Categories repeat (a zipcode, an education level), so each column remembers the hashes it computed. The
 * cache is a least-recently-used one in two generations: hits and new entries go to the current
 * generation; when it is full it becomes the old one and the previous old one is dropped, and an old entry
 * that is used again moves back to the current one. So a category used within the last `capacity` distinct
 * categories is never hashed again, and the cache never holds more than `2 × capacity` entries, whatever
 * the stream's cardinality (an exact LRU would pay a delete and a re-insert on every hit).
 */
export class CategoryHashes {
  private current = new Map<string, number>();
  private old = new Map<string, number>();
  // The last category asked for: hashers over the same column (ctr-logistic hashes age into the 2^18 space
  // and into its cross namespace) ask for the same string one after the other, and a string compare is
  // cheaper than a Map probe.
  private lastCategory: string | undefined;
  private lastHash = 0;

  constructor(
    private readonly seed: number,
    private readonly capacity = CATEGORY_CACHE_SIZE,
  ) {}

  hash(category: string): number {
    if (category === this.lastCategory) return this.lastHash;
    this.lastCategory = category;
    const cached = this.current.get(category);
    if (cached !== undefined) return (this.lastHash = cached);
    const hash = this.old.get(category) ?? murmur3String(category, this.seed);
    if (this.current.size >= this.capacity) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(category, hash);
    return (this.lastHash = hash);
  }

  /** Entries held, for the memory test. */
  get size(): number {
    return this.current.size + this.old.size;
  }
}

// One cache per column hash (the column's name and the hasher's seed), shared by every hasher in the
// process: a category's hash depends only on that and the category, so hashers over the same column reuse
// each other's work. Bounded: one entry per distinct configured column, each holding at most 2 × capacity.
const shared = new Map<number, CategoryHashes>();

/** The process's category-hash cache of the column whose hash is `columnHash`. */
export function sharedCategoryHashes(columnHash: number): CategoryHashes {
  let cache = shared.get(columnHash);
  if (cache === undefined) shared.set(columnHash, (cache = new CategoryHashes(columnHash)));
  return cache;
}
