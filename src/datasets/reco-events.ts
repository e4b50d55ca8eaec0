import { ConfigError } from '../errors';
import { integerField } from '../features/config';
import { isNonNegative, numberField } from '../learners/config-checks';
import { createRandom, type Random } from '../random';
import type { RecoEvent, RecoEventKind } from '../reco/event';

/**
 * A synthetic world of users and items with latent tastes, whose interaction stream is the ground truth
 * the recommender tests and benchmarks check against. Each event:
 * 1. a user acts, drawn by activity (Zipf over a seeded permutation of users, exponent `userActivityExponent`);
 * 2. `candidates` items are exposed, drawn by popularity (Zipf over a permutation of items, `popularityExponent`);
 * 3. the user picks one with probability ∝ exp(choiceSharpness · (b_i + p_u·q_i)): taste decides among what is shown;
 * 4. the rating is μ + b_u + b_i + p_u·q_i + effect[device][category] + N(0, noise²): `noise` is the RMSE floor;
 * 5. the event kind follows the rating: `buy` from μ + 1, `click` from μ, `view` below;
 * 6. with `drift` > 0 the user's taste moves: p_u ← √(1 − drift)·p_u + √drift·z, z ~ N(0, σ_f² I), which keeps
 *    its variance (an AR(1) walk per event of that user).
 * Factors are N(0, σ_f²) with σ_f chosen so that p_u·q_i has standard deviation `affinityStd`. Each user
 * has a usual device (70% of its events); the device × category effect is what only context can explain.
 */
export interface RecoWorldConfig {
  seed?: number;
  users?: number;
  items?: number;
  /** Latent dimensions of the true tastes. */
  factors?: number;
  globalMean?: number;
  userBiasStd?: number;
  itemBiasStd?: number;
  affinityStd?: number;
  noise?: number;
  popularityExponent?: number;
  userActivityExponent?: number;
  candidates?: number;
  choiceSharpness?: number;
  drift?: number;
  categories?: number;
  devices?: string[];
  /** Standard deviation of the device × category effect on ratings. */
  deviceEffect?: number;
  startTime?: number;
  /** Mean gap between events (exponentially distributed). */
  meanGapMs?: number;
}

export interface GeneratedRecoEvent extends RecoEvent {
  userId: string;
  itemId: string;
  rating: number;
  event: RecoEventKind;
  timestamp: number;
  device: string;
  category: string;
}

export interface RecoWorld {
  readonly config: Readonly<Required<RecoWorldConfig>>;
  readonly userBias: Float64Array;
  readonly itemBias: Float64Array;
  /** users × factors, row-major; drifts as `events()` runs. */
  readonly userFactors: Float64Array;
  /** items × factors, row-major. */
  readonly itemFactors: Float64Array;
  readonly itemCategory: Int32Array;
  /** Exposure probability of each item. */
  readonly popularity: Float64Array;
  /** The noise-free rating, with the current tastes. */
  expectedRating(user: number, item: number, device: number): number;
  /** The stream; it walks this world (drift changes `userFactors`), so take one stream per world. */
  events(): Generator<GeneratedRecoEvent>;
}

// Bound once: a global lookup per event is slow inside vm contexts (jest's).
const { exp, log, round, sqrt } = Math;

const DEFAULTS: Required<RecoWorldConfig> = {
  seed: 17,
  users: 1000,
  items: 1000,
  factors: 8,
  globalMean: 3.5,
  userBiasStd: 0.3,
  itemBiasStd: 0.4,
  affinityStd: 1,
  noise: 0.5,
  popularityExponent: 1,
  userActivityExponent: 0.5,
  candidates: 20,
  choiceSharpness: 2,
  drift: 0,
  categories: 10,
  devices: ['mobile', 'desktop', 'tv'],
  deviceEffect: 0,
  startTime: Date.UTC(2026, 0, 1),
  meanGapMs: 1000,
};

/** Cumulative Zipf weights 1/(rank+1)^s over a seeded permutation of `n` entries, normalised to end at 1. */
function zipfCdf(n: number, exponent: number, random: Random): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const weights = new Float64Array(n);
  order.forEach((entry, rank) => (weights[entry] = 1 / (rank + 1) ** exponent));
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += weights[i];
  for (let i = 0; i < n; i++) cdf[i] /= total;
  return cdf;
}

/** The entry whose CDF interval holds `u`. */
function drawFrom(cdf: Float64Array, u: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cdf[mid] > u) high = mid;
    else low = mid + 1;
  }
  return low;
}

function validated(overrides: RecoWorldConfig): Required<RecoWorldConfig> {
  const owner = 'createRecoWorld';
  const config = { ...DEFAULTS, ...overrides };
  for (const name of ['users', 'items', 'factors', 'candidates', 'categories'] as const) integerField(owner, name, config[name], 1, 1, 10_000_000);
  for (const name of [
    'userBiasStd',
    'itemBiasStd',
    'affinityStd',
    'noise',
    'popularityExponent',
    'userActivityExponent',
    'choiceSharpness',
    'deviceEffect',
    'meanGapMs',
  ] as const) {
    numberField(owner, name, config[name], 0, isNonNegative, 'a finite number ≥ 0');
  }
  numberField(owner, 'drift', config.drift, 0, (v) => v >= 0 && v < 1, 'in [0, 1)');
  if (!Array.isArray(config.devices) || config.devices.length === 0) throw new ConfigError(`${owner}: devices must be a non-empty array of names`);
  return config;
}

export function createRecoWorld(overrides: RecoWorldConfig = {}): RecoWorld {
  const config = validated(overrides);
  const { users, items, factors: k, categories, devices } = config;
  const random = createRandom(config.seed);
  const normals = (n: number, std: number) => Float64Array.from({ length: n }, () => std * random.gaussian());
  const factorStd = sqrt(config.affinityStd / sqrt(k));
  const userBias = normals(users, config.userBiasStd);
  const itemBias = normals(items, config.itemBiasStd);
  const userFactors = normals(users * k, factorStd);
  const itemFactors = normals(items * k, factorStd);
  const itemCategory = Int32Array.from({ length: items }, () => random.nextInt(categories));
  const usualDevice = Int32Array.from({ length: users }, () => random.nextInt(devices.length));
  const deviceEffect = normals(devices.length * categories, config.deviceEffect);
  const itemCdf = zipfCdf(items, config.popularityExponent, random);
  const userCdf = zipfCdf(users, config.userActivityExponent, random);
  const popularity = Float64Array.from(itemCdf, (c, i) => c - (i > 0 ? itemCdf[i - 1] : 0));

  const taste = (user: number, item: number): number => {
    let dot = 0;
    for (let f = 0; f < k; f++) dot += userFactors[user * k + f] * itemFactors[item * k + f];
    return itemBias[item] + dot;
  };
  const expectedRating = (user: number, item: number, device: number): number =>
    config.globalMean + userBias[user] + taste(user, item) + deviceEffect[device * categories + itemCategory[item]];

  function* events(): Generator<GeneratedRecoEvent> {
    const stream = createRandom(config.seed + 1);
    const shown = new Int32Array(config.candidates);
    const weights = new Float64Array(config.candidates);
    const keep = sqrt(1 - config.drift);
    const move = sqrt(config.drift) * factorStd;
    let time = config.startTime;
    for (;;) {
      const user = drawFrom(userCdf, stream.next());
      const device = stream.next() < 0.7 ? usualDevice[user] : stream.nextInt(devices.length);
      let total = 0;
      for (let c = 0; c < shown.length; c++) {
        shown[c] = drawFrom(itemCdf, stream.next());
        weights[c] = exp(config.choiceSharpness * taste(user, shown[c]));
        total += weights[c];
      }
      let pick = stream.next() * total;
      let chosen = 0;
      while (chosen < shown.length - 1 && pick >= weights[chosen]) pick -= weights[chosen++];
      const item = shown[chosen];
      const rating = expectedRating(user, item, device) + config.noise * stream.gaussian();
      const event: RecoEventKind = rating >= config.globalMean + 1 ? 'buy' : rating >= config.globalMean ? 'click' : 'view';
      time += round(-config.meanGapMs * log(1 - stream.next()));
      yield { userId: `u${user}`, itemId: `i${item}`, rating, event, timestamp: time, device: devices[device], category: `c${itemCategory[item]}` };
      if (config.drift > 0) {
        for (let f = 0; f < k; f++) userFactors[user * k + f] = keep * userFactors[user * k + f] + move * stream.gaussian();
      }
    }
  }

  return { config, userBias, itemBias, userFactors, itemFactors, itemCategory, popularity, expectedRating, events };
}

/** The events of a fresh world: `createRecoWorld(config).events()`. */
export function recoEventStream(config: RecoWorldConfig = {}): Generator<GeneratedRecoEvent> {
  return createRecoWorld(config).events();
}
