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
