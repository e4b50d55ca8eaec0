import { createRandom } from '../random';

export interface FriedmanEvent {
  /** x0..x9, uniform on [0, 1]. */
  [feature: `x${number}`]: number;
  y: number;
}

/**
 * Friedman #1 (Friedman 1991, "Multivariate adaptive regression splines"):
 * y = 10 sin(π x0 x1) + 20 (x2 − 0.5)² + 10 x3 + 5 x4 + ε, ε ~ N(0, noise²); x5..x9 are pure noise.
 * Only the first five features matter, which makes it the standard check for feature importance.
 * With `swapAt`, the roles of x0..x4 and x5..x9 swap from that event on (a drift in which features matter).
 */
export function* friedmanStream({ seed = 7, noise = 1, swapAt = Infinity }: { seed?: number; noise?: number; swapAt?: number } = {}): Generator<FriedmanEvent> {
  const rng = createRandom(seed);
  for (let i = 0; ; i++) {
    const x = Array.from({ length: 10 }, () => rng.next());
    const a = i < swapAt ? x : [...x.slice(5), ...x.slice(0, 5)];
    const y = 10 * Math.sin(Math.PI * a[0] * a[1]) + 20 * (a[2] - 0.5) ** 2 + 10 * a[3] + 5 * a[4] + noise * rng.gaussian();
    const event = { y } as FriedmanEvent;
    x.forEach((value, j) => (event[`x${j}`] = value));
    yield event;
  }
}
