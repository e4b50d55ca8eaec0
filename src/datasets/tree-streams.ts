import { ConfigError } from '../errors';
import { createRandom } from '../random';

/**
 * The classic synthetic streams for stream classifiers, seeded, as MOA and River define them: SEA,
 * rotating Hyperplane, RandomRBF with moving centroids, and LED. Each yields `{ x, y }` with a fresh
 * `Float64Array` (the consumer may keep it) and a class index.
 */
export interface LabelledRow {
  x: Float64Array;
  y: number;
}

function fraction(name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new ConfigError(`${name} must be in [0, 1], got ${v}`);
  return v;
}

/**
 * SEA concepts (Street & Kim, KDD 2001): three features U[0, 10], class 1 iff x0 + x1 ≤ θ with θ = 8, 9, 7,
 * 9.5 for variants 0..3; x2 is noise. `variants` switch every `driftEvery` events (abrupt drift).
 */
export function* seaStream(config: { seed?: number; variants?: number[]; driftEvery?: number; noise?: number } = {}): Generator<LabelledRow> {
  const { seed = 1, variants = [0], driftEvery = Infinity, noise = 0.1 } = config;
  const thresholds = [8, 9, 7, 9.5];
  for (const v of variants) if (!(v in thresholds)) throw new ConfigError(`SEA variant must be 0..3, got ${v}`);
  fraction('noise', noise);
  const rng = createRandom(seed);
  for (let i = 0; ; i++) {
    const x = Float64Array.of(10 * rng.next(), 10 * rng.next(), 10 * rng.next());
    const theta = thresholds[variants[Math.floor(i / driftEvery) % variants.length]];
    const label = x[0] + x[1] <= theta ? 1 : 0;
    yield { x, y: rng.next() < noise ? 1 - label : label };
  }
}

/**
 * Rotating hyperplane (Hulten et al., KDD 2001): d features U[0, 1], class 1 iff Σ wᵢxᵢ ≥ ½ Σ wᵢ. The first
 * `driftFeatures` weights move by `magnitude` per event, each reversing direction with probability `sigma` (gradual drift).
 */
export function* hyperplaneStream(
  config: { seed?: number; numFeatures?: number; driftFeatures?: number; magnitude?: number; sigma?: number; noise?: number } = {},
): Generator<LabelledRow> {
  const { seed = 1, numFeatures = 10, driftFeatures = 2, magnitude = 0.001, sigma = 0.1, noise = 0.05 } = config;
  fraction('noise', noise);
  fraction('sigma', sigma);
  const rng = createRandom(seed);
  const weights = Float64Array.from({ length: numFeatures }, () => rng.next());
  const direction = Float64Array.from({ length: numFeatures }, () => (rng.next() < 0.5 ? -1 : 1));
  for (;;) {
    const x = Float64Array.from({ length: numFeatures }, () => rng.next());
    let score = 0;
    let total = 0;
    for (let j = 0; j < numFeatures; j++) {
      score += weights[j] * x[j];
      total += weights[j];
    }
    const label = score >= total / 2 ? 1 : 0;
    yield { x, y: rng.next() < noise ? 1 - label : label };
    for (let j = 0; j < driftFeatures; j++) {
      weights[j] += direction[j] * magnitude;
      if (weights[j] < 0 || weights[j] > 1 || rng.next() < sigma) direction[j] = -direction[j];
    }
  }
}

/**
 * RandomRBF (MOA's RandomRBFGeneratorDrift): `numCentroids` Gaussian clusters in [0, 1]^d, each with a
 * class, a weight and a spread; an event picks a centroid by weight and a point at a Gaussian distance in a
 * random direction. The first `driftCentroids` centroids move `speed` per event, bouncing off the cube's walls.
 */
export function* randomRbfStream(
  config: { seed?: number; numFeatures?: number; numClasses?: number; numCentroids?: number; driftCentroids?: number; speed?: number } = {},
): Generator<LabelledRow> {
  const { seed = 1, numFeatures: d = 10, numClasses = 2, numCentroids = 50, driftCentroids = 0, speed = 0.0001 } = config;
  const model = createRandom(seed);
  const rng = createRandom(seed + 7919);
  const centres = Array.from({ length: numCentroids }, () => Float64Array.from({ length: d }, () => model.next()));
  const classes = centres.map(() => model.nextInt(numClasses));
  const spread = centres.map(() => model.next());
  const weights = centres.map(() => model.next());
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const moves = centres.slice(0, driftCentroids).map(() => unitVector(d, model, speed));
  for (;;) {
    let pick = rng.next() * totalWeight;
    let c = 0;
    while (pick > weights[c] && c < numCentroids - 1) pick -= weights[c++];
    const offset = unitVector(d, rng, rng.gaussian() * spread[c]);
    const x = Float64Array.from(centres[c], (v, j) => v + offset[j]);
    yield { x, y: classes[c] };
    moves.forEach((move, m) => {
      for (let j = 0; j < d; j++) {
        centres[m][j] += move[j];
        if (centres[m][j] < 0 || centres[m][j] > 1) move[j] = -move[j];
      }
    });
  }
}

function unitVector(d: number, rng: { gaussian(): number }, length: number): Float64Array {
  const v = Float64Array.from({ length: d }, () => rng.gaussian());
  const norm = Math.hypot(...v) || 1;
  return v.map((e) => (e / norm) * length);
}

/** The seven LED segments of digits 0..9. */
const SEGMENTS = [
  [1, 1, 1, 0, 1, 1, 1],
  [0, 0, 1, 0, 0, 1, 0],
  [1, 0, 1, 1, 1, 0, 1],
  [1, 0, 1, 1, 0, 1, 1],
  [0, 1, 1, 1, 0, 1, 0],
  [1, 1, 0, 1, 0, 1, 1],
  [1, 1, 0, 1, 1, 1, 1],
  [1, 0, 1, 0, 0, 1, 0],
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 1, 1],
];

/**
 * LED display (Breiman et al. 1984): 24 binary features, the 7 segments of the digit (each flipped with
 * probability `noise`) and 17 irrelevant random bits; 10 classes. The Bayes rate at 10% noise is about 74%.
 */
export function* ledStream(config: { seed?: number; noise?: number } = {}): Generator<LabelledRow> {
  const { seed = 1, noise = 0.1 } = config;
  fraction('noise', noise);
  const rng = createRandom(seed);
  for (;;) {
    const digit = rng.nextInt(10);
    const x = new Float64Array(24);
    for (let s = 0; s < 7; s++) x[s] = rng.next() < noise ? 1 - SEGMENTS[digit][s] : SEGMENTS[digit][s];
    for (let s = 7; s < 24; s++) x[s] = rng.next() < 0.5 ? 1 : 0;
    yield { x, y: digit };
  }
}

/** The first `n` events of a stream. */
export function take<T>(stream: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(stream.next().value as T);
  return out;
}
