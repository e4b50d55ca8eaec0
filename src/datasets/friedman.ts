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

/**
 * The permutation importance of the true Friedman #1 function under squared loss, per feature x0..x9:
 * replacing x_j by an independent draw raises the expected loss by E[(f(x') − f(x))²], which is 2 Var(g_j)
 * for an additive term g_j. x3: 10x → 2·100/12; x4: 5x → 2·25/12; x2: 20(x − ½)² → 2·400·(1/80 − 1/144);
 * x0 and x1 share 10 sin(π x0 x1): 2·E_v[Var_u 10 sin(π u v)], by the midpoint rule; noise features 0.
 * It does not change when features are rescaled, so it holds for standardised inputs too.
 */
export function friedmanTrueImportance(): number[] {
  const steps = 400;
  let interaction = 0;
  for (let b = 0; b < steps; b++) {
    const v = (b + 0.5) / steps;
    let sum = 0;
    let squares = 0;
    for (let a = 0; a < steps; a++) {
      const g = 10 * Math.sin(Math.PI * ((a + 0.5) / steps) * v);
      sum += g;
      squares += g * g;
    }
    interaction += squares / steps - (sum / steps) ** 2;
  }
  const sine = (2 * interaction) / steps;
  return [sine, sine, 2 * 400 * (1 / 80 - 1 / 144), (2 * 100) / 12, (2 * 25) / 12, 0, 0, 0, 0, 0];
}
