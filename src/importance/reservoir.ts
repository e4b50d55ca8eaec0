import { ConfigError, DecodeError } from '../errors';
import type { Random } from '../random';
import type { Examples } from './snapshot';

/**
 * - `uniform`: every example seen so far is equally likely to be kept (reservoir sampling, Li's
 *   algorithm L, as ixai): the marginals of the whole stream, for a stationary one.
 * - `geometric`: once full, each new example replaces a random slot with probability 1/size (ixai's
 *   default), so a slot is replaced with probability 1/size² per example and the chance that an example
 *   is still kept decays geometrically with its age, over about size² examples: the recent marginals,
 *   for a stream that drifts.
 */
export type ReservoirKind = 'uniform' | 'geometric';

export interface Reservoir<X> {
  readonly length: number;
  add(x: X): void;
  /** Counts one example and says whether `keep` must take it: `add(x)` is `wants() && keep(x)`, for an example made only when kept. */
  wants(): boolean;
  keep(x: X): void;
  /** How many examples in a row `wants` would refuse from now on (0 when it wants the next one). */
  refusing(): number;
  /** Counts `n` (at most `refusing()`) examples as refused, as `n` calls of `wants` would. */
  pass(n: number): void;
  /** A uniformly drawn kept example; the reservoir must not be empty. */
  pick(): X;
}

/**
 * Failures before the first success of a Bernoulli(p) process: drawing the gap to the next success once
 * costs one random number per success instead of one per trial, which is most of the cost of a low rate.
 */
export function geometricGap(random: Random, p: number): number {
  return p >= 1 ? 0 : Math.floor(Math.log(1 - random.next()) / Math.log(1 - p));
}

/**
 * The `update` of an importance that folds one sampled example at a time (split gains, coefficients):
 * checks the batch's shape (`owner` names the importance in the error), samples each example with
 * probability `sampleRate` (one random number per sampled example, `geometricGap`; the first gap is drawn
 * here), and hands the sampled ones to `onSample` with their index in the batch. `random` must be the
 * importance's own: the gap is drawn before `onSample` runs. (iPFI keeps its own loop: it draws from the
 * same generator for its perturbations and reservoir, in an order its resumed runs depend on.)
 */
export function sampledUpdate<X>(
  owner: string,
  random: Random,
  sampleRate: number,
  onSample: (x: X, i: number) => void,
): (xs: Examples<X>, ys: ArrayLike<number>) => void {
  let untilSample = geometricGap(random, sampleRate);
  return (xs, ys) => {
    if (xs.length !== ys.length) throw new DecodeError('SCHEMA', `${owner}: ${xs.length} examples but ${ys.length} labels`);
    for (let i = 0; i < xs.length; i++) {
      if (untilSample > 0) {
        untilSample--;
        continue;
      }
      untilSample = geometricGap(random, sampleRate);
      onSample(xs.at(i) as X, i);
    }
  };
}

/** Keeps references: the examples must not be mutated after they are added. */
export function createReservoir<X>(kind: ReservoirKind, size: number, random: Random): Reservoir<X> {
  if (kind !== 'uniform' && kind !== 'geometric') throw new ConfigError(`reservoir kind must be 'uniform' or 'geometric', got ${JSON.stringify(kind)}`);
  const kept: X[] = [];
  // Algorithm L's running weight, for the uniform kind.
  let weight = Math.exp(Math.log(random.next()) / size);
  let untilReplacement = 0;

  function schedule(): void {
    if (kind === 'geometric') {
      untilReplacement = geometricGap(random, 1 / size);
      return;
    }
    untilReplacement = geometricGap(random, weight);
    weight *= Math.exp(Math.log(random.next()) / size);
  }

  function wants(): boolean {
    if (kept.length < size || untilReplacement === 0) return true;
    untilReplacement--;
    return false;
  }

  function keep(x: X): void {
    if (kept.length < size) {
      kept.push(x);
      if (kept.length === size) schedule();
    } else {
      kept[random.nextInt(size)] = x;
      schedule();
    }
  }

  return {
    get length() {
      return kept.length;
    },
    add(x) {
      if (wants()) keep(x);
    },
    wants,
    keep,
    refusing: () => (kept.length < size ? 0 : untilReplacement),
    pass(n) {
      untilReplacement -= n;
    },
    pick: () => kept[random.nextInt(kept.length)],
  };
}
