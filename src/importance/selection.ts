import { ConfigError, DecodeError } from '../errors';
import { describeValue } from '../features/config';
import { numberField } from '../learners/config-checks';
import { standardError, type FeatureScore, type ImportanceSnapshot } from './snapshot';

export interface SelectionConfig {
  /** The features to choose from, as the importance snapshots name them. */
  names: readonly string[];
  /** Keep the k most important features. Exactly one of `topK` and `threshold`. */
  topK?: number;
  /** Keep the features whose importance is above this. */
  threshold?: number;
  /**
   * Standard errors of the smoothed importance that a change must clear (default 3): a challenger
   * replaces an incumbent only when its lower bound exceeds the incumbent's upper bound; with a threshold,
   * a feature enters when its lower bound is above it and leaves when its upper bound is below it.
   */
  hysteresis?: number;
  /** Samples a snapshot must hold before it is acted on; until then every feature is kept. Default 30. */
  minSamples?: number;
}

export interface Selection {
  /** 1 for each kept feature, in the order of `names`. */
  readonly mask: Uint8Array;
  /** Features that entered or left since the first ranking was applied (which is not counted). */
  readonly changes: number;
  selected(): string[];
  /** A copy, to store with a checkpoint and restore from. */
  state(): SelectionState;
  /** Applies a new ranking; returns whether the selection changed. */
  update(snapshot: ImportanceSnapshot): boolean;
}

export interface SelectionState {
  mask: Uint8Array;
  changes: number;
  /** False until a snapshot with `minSamples` was applied. */
  ranked: boolean;
}

/** Resolved config: what a checkpoint stores. */
export interface ResolvedSelectionConfig {
  names: string[];
  topK: number | null;
  threshold: number | null;
  hysteresis: number;
  minSamples: number;
}

export function resolveSelectionConfig(owner: string, config: SelectionConfig): ResolvedSelectionConfig {
  const names = [...(config.names ?? [])];
  if (names.length === 0) throw new ConfigError(`${owner}: names must list the features to select from`);
  const duplicate = names.find((name, j) => names.indexOf(name) !== j);
  if (duplicate !== undefined) throw new ConfigError(`${owner}: feature "${duplicate}" is named twice`);
  if ((config.topK === undefined) === (config.threshold === undefined)) {
    throw new ConfigError(`${owner}: give exactly one of topK and threshold, got ${describeValue(config.topK)} and ${describeValue(config.threshold)}`);
  }
  const topK =
    config.topK === undefined
      ? null
      : numberField(owner, 'topK', config.topK, 0, (v) => Number.isInteger(v) && v >= 1 && v <= names.length, `an integer in [1, ${names.length}]`);
  const threshold = config.threshold === undefined ? null : numberField(owner, 'threshold', config.threshold, 0, Number.isFinite, 'a finite number');
  return {
    names,
    topK,
    threshold,
    hysteresis: numberField(owner, 'hysteresis', config.hysteresis, 3, (v) => Number.isFinite(v) && v >= 0, 'a number >= 0'),
    minSamples: numberField(owner, 'minSamples', config.minSamples, 30, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'),
  };
}

/**
 * Feature selection that follows a moving importance ranking without flapping: the first ranking with
 * enough samples picks the top k (or those above the threshold) by mean; after that a feature changes
 * side only when the evidence clears the hysteresis band (see {@link SelectionConfig.hysteresis}).
 */
export function createSelection(config: SelectionConfig, restored?: SelectionState): Selection {
  const { names, topK, threshold, hysteresis, minSamples } = resolveSelectionConfig('Selection', config);
  const mask = new Uint8Array(names.length).fill(1);
  let changes = 0;
  let ranked = false;
  if (restored !== undefined) {
    if (restored.mask.length !== names.length)
      throw new ConfigError(`Selection: a restored mask of ${restored.mask.length} features for ${names.length} names`);
    mask.set(restored.mask);
    ({ changes, ranked } = restored);
  }

  /** Scores in the order of `names`. */
  function align(snapshot: ImportanceSnapshot): FeatureScore[] {
    const byName = new Map(snapshot.features.map((score) => [score.name, score]));
    return names.map((name) => {
      const score = byName.get(name);
      if (score === undefined) throw new DecodeError('SCHEMA', `Selection: the importance snapshot has no feature "${name}"`);
      return score;
    });
  }

  function set(j: number, value: 0 | 1): void {
    if (mask[j] === value) return;
    mask[j] = value;
    changes++;
  }

  function firstSelection(scores: FeatureScore[], keep: (j: number) => boolean): void {
    scores.forEach((_, j) => (mask[j] = keep(j) ? 1 : 0));
  }

  /** Whether a feature is among the k largest means (NaN counts as smallest; ties by order of `names`). */
  function topOf(scores: FeatureScore[], k: number): (j: number) => boolean {
    const key = (j: number) => (Number.isNaN(scores[j].mean) ? -Infinity : scores[j].mean);
    const top = new Set(
      scores
        .map((_, j) => j)
        .sort((a, b) => key(b) - key(a) || a - b)
        .slice(0, k),
    );
    return (j) => top.has(j);
  }

  function swapTopK(lower: Float64Array, upper: Float64Array): void {
    for (;;) {
      let challenger = -1;
      let incumbent = -1;
      for (let j = 0; j < names.length; j++) {
        if (mask[j] === 0 && (challenger < 0 || lower[j] > lower[challenger])) challenger = j;
        if (mask[j] === 1 && (incumbent < 0 || upper[j] < upper[incumbent])) incumbent = j;
      }
      if (challenger < 0 || incumbent < 0 || !(lower[challenger] > upper[incumbent])) return;
      set(challenger, 1);
      set(incumbent, 0);
    }
  }

  return {
    mask,
    get changes() {
      return changes;
    },
    selected: () => names.filter((_, j) => mask[j] === 1),
    state: () => ({ mask: mask.slice(), changes, ranked }),
    update(snapshot) {
      if (snapshot.samples < minSamples) return false;
      const before = mask.slice();
      const scores = align(snapshot);
      const band = scores.map((score) => hysteresis * standardError(score, snapshot.smoothing));
      const lower = Float64Array.from(scores, (score, j) => score.mean - band[j]);
      const upper = Float64Array.from(scores, (score, j) => score.mean + band[j]);
      if (!ranked) {
        firstSelection(scores, topK !== null ? topOf(scores, topK) : (j) => scores[j].mean > (threshold as number));
        ranked = true;
      } else if (topK !== null) {
        swapTopK(lower, upper);
      } else {
        const bar = threshold as number;
        scores.forEach((_, j) => {
          if (mask[j] === 1 && upper[j] < bar) set(j, 0);
          else if (mask[j] === 0 && lower[j] > bar) set(j, 1);
        });
      }
      return mask.some((kept, j) => kept !== before[j]);
    },
  };
}
