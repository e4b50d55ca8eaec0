/** Past examples kept to be mixed into later steps, which limits catastrophic forgetting on drifting streams. */

import { ConfigError } from '../errors';
import { choiceField, numberField } from '../learners/config-checks';
import type { Random } from '../random';

export interface ReplayConfig {
  /**
   * `'reservoir'`: a uniform sample of everything seen (Vitter's algorithm R);
   * `'window'`: the last `size` examples.
   */
  kind: 'reservoir' | 'window';
  /** Examples kept. */
  size: number;
  /** Replayed examples mixed in per new example, e.g. 0.5: a micro-batch of 32 trains on 32 + 16. */
  ratio: number;
}

export interface Example {
  x: Float32Array;
  y: number;
}

export interface ReplayBuffer {
  readonly fill: number;
  add(example: Example, random: Random): void;
  /** `ratio × newExamples` examples (rounded at random, so the expected count is exact), with replacement. */
  draw(newExamples: number, random: Random): Example[];
}

const OWNER = 'NeuralNet';
const MAX_SIZE = 2 ** 20;
const MAX_RATIO = 16;
const isSize = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= MAX_SIZE;
const isRatio = (v: number): boolean => v > 0 && v <= MAX_RATIO;

export function normalizeReplay(raw: unknown): ReplayConfig | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${OWNER}: replay must be an object {kind, size, ratio}, got ${JSON.stringify(raw)}`);
  }
  const spec = raw as Record<string, unknown>;
  const unknown = Object.keys(spec).find((key) => !['kind', 'size', 'ratio'].includes(key));
  if (unknown !== undefined) throw new ConfigError(`${OWNER}: replay has an unknown field "${unknown}"`);
  return {
    kind: choiceField<ReplayConfig['kind']>(OWNER, 'replay.kind', spec.kind, 'reservoir', ['reservoir', 'window']),
    size: numberField(OWNER, 'replay.size', spec.size, 1000, isSize, `an integer in [1, ${MAX_SIZE}]`),
    ratio: numberField(OWNER, 'replay.ratio', spec.ratio, 0.5, isRatio, `a number in (0, ${MAX_RATIO}]`),
  };
}

export function createReplayBuffer(config: ReplayConfig): ReplayBuffer {
  const kept: Example[] = [];
  let seen = 0;
  return {
    get fill() {
      return kept.length;
    },
    add(example, random) {
      seen++;
      if (kept.length < config.size) {
        kept.push(example);
        return;
      }
      // The window overwrites the oldest; the reservoir keeps the n-th example with probability size/n.
      const slot = config.kind === 'window' ? (seen - 1) % config.size : random.nextInt(seen);
      if (slot < config.size) kept[slot] = example;
    },
    draw(newExamples, random) {
      if (kept.length === 0) return [];
      const expected = config.ratio * newExamples;
      const count = Math.floor(expected) + (random.next() < expected - Math.floor(expected) ? 1 : 0);
      return Array.from({ length: count }, () => kept[random.nextInt(kept.length)]);
    },
  };
}
