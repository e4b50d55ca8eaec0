/**
 * Losses of a scalar prediction `p` (the margin `w·x + b`). Classification losses take `label` in
 * {-1, +1}; regression losses take the target. Conventions follow scikit-learn's SGD (and Spark's
 * squared loss): squared is ½r², so its derivative is the residual r = p - y.
 */
export type RegressionLossName = 'squared' | 'huber' | 'epsilonInsensitive';
export type ClassificationLossName = 'logistic' | 'hinge' | 'squaredHinge';

export interface ScalarLoss {
  value(p: number, label: number): number;
  /** d loss / d p. */
  derivative(p: number, label: number): number;
  /**
   * The importance-invariant derivative (Karampatziakis & Langford 2011, VW's `--invariant`): the
   * `d` such that a step `p → p - x·d` lands where the gradient flow `dp/dt = -loss'(p)` is at time
   * `x`. `x = eta · sensitivity`, where the sensitivity is how far `p` moves per unit step (VW's
   * `pred_per_update`). A large step thus never overshoots the label. Tends to `derivative` as x → 0.
   */
  invariantDerivative(p: number, label: number, x: number): number;
}

const TINY_STEP = 1e-12;

/** (1 - e^-x)/x: how much of an exponential approach a step of length x completes, per unit x. */
function relaxation(x: number): number {
  return x > TINY_STEP ? -Math.expm1(-x) / x : 1;
}

class SquaredLoss implements ScalarLoss {
  value(p: number, y: number): number {
    return 0.5 * (p - y) * (p - y);
  }
  derivative(p: number, y: number): number {
    return p - y;
  }
  invariantDerivative(p: number, y: number, x: number): number {
    return (p - y) * relaxation(x);
  }
}

/** Quadratic within `epsilon` of the target, linear beyond: ½r² or ε|r| - ½ε². */
class HuberLoss implements ScalarLoss {
  constructor(private readonly epsilon: number) {}
  value(p: number, y: number): number {
    const r = Math.abs(p - y);
    return r <= this.epsilon ? 0.5 * r * r : this.epsilon * (r - 0.5 * this.epsilon);
  }
  derivative(p: number, y: number): number {
    const r = p - y;
    if (r > this.epsilon) return this.epsilon;
    if (r < -this.epsilon) return -this.epsilon;
    return r;
  }
  invariantDerivative(p: number, y: number, x: number): number {
    const r = p - y;
    const size = Math.abs(r);
    const eps = this.epsilon;
    if (size <= eps) return r * relaxation(x);
    // Linear descent at speed ε until |r| = ε, then exponential decay for the time left.
    const linearTime = (size - eps) / eps;
    if (x <= linearTime) return Math.sign(r) * eps;
    return (Math.sign(r) * (size - eps * Math.exp(linearTime - x))) / x;
  }
}

/** max(0, |r| - ε): residuals within ε cost nothing. */
class EpsilonInsensitiveLoss implements ScalarLoss {
  constructor(private readonly epsilon: number) {}
  value(p: number, y: number): number {
    return Math.max(0, Math.abs(p - y) - this.epsilon);
  }
  derivative(p: number, y: number): number {
    const r = p - y;
    if (r > this.epsilon) return 1;
    if (r < -this.epsilon) return -1;
    return 0;
  }
  invariantDerivative(p: number, y: number, x: number): number {
    const r = p - y;
    const excess = Math.abs(r) - this.epsilon;
    if (excess <= 0) return 0;
    return x > TINY_STEP ? (Math.sign(r) * Math.min(x, excess)) / x : Math.sign(r);
  }
}

/** W(e^s) for the Lambert W function, by Newton's method on w + ln w = s (no overflow for large s). */
function lambertWOfExp(s: number): number {
  if (s < -30) return Math.exp(s);
  let w = s >= 1 ? 0.86 * s + 0.01 : Math.exp(0.8 * s - 0.65);
  for (let i = 0; i < 6; i++) {
    const next = (w * (1 + s - Math.log(w))) / (1 + w);
    if (Math.abs(next - w) <= 1e-15 * w) return next;
    w = next;
  }
  return w;
}

/** log(1 + e^{-m}) with margin m = label·p. */
class LogisticLoss implements ScalarLoss {
  value(p: number, label: number): number {
    const m = label * p;
    return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }
  derivative(p: number, label: number): number {
    const m = label * p;
    if (m > 0) {
      const e = Math.exp(-m);
      return (-label * e) / (1 + e);
    }
    return -label / (1 + Math.exp(m));
  }
  invariantDerivative(p: number, label: number, x: number): number {
    const m = label * p;
    if (x <= TINY_STEP || m > 700) return this.derivative(p, label);
    // The flow dm/dt = 1/(1 + e^m) keeps m + e^m - t constant: m(x) = s - W(e^s), s = m + e^m + x.
    const s = m + Math.exp(m) + x;
    const moved = s - lambertWOfExp(s) - m;
    return (-label * moved) / x;
  }
}

/** max(0, 1 - m) with margin m = label·p. */
class HingeLoss implements ScalarLoss {
  value(p: number, label: number): number {
    return Math.max(0, 1 - label * p);
  }
  derivative(p: number, label: number): number {
    return label * p < 1 ? -label : 0;
  }
  invariantDerivative(p: number, label: number, x: number): number {
    const gap = 1 - label * p;
    if (gap <= 0) return 0;
    return x > TINY_STEP ? (-label * Math.min(x, gap)) / x : -label;
  }
}

/** max(0, 1 - m)² with margin m = label·p. */
class SquaredHingeLoss implements ScalarLoss {
  value(p: number, label: number): number {
    const gap = Math.max(0, 1 - label * p);
    return gap * gap;
  }
  derivative(p: number, label: number): number {
    const gap = 1 - label * p;
    return gap > 0 ? -2 * label * gap : 0;
  }
  invariantDerivative(p: number, label: number, x: number): number {
    const gap = 1 - label * p;
    return gap > 0 ? -2 * label * gap * relaxation(2 * x) : 0;
  }
}

export function createRegressionLoss(name: RegressionLossName, epsilon: number): ScalarLoss {
  switch (name) {
    case 'squared':
      return new SquaredLoss();
    case 'huber':
      return new HuberLoss(epsilon);
    case 'epsilonInsensitive':
      return new EpsilonInsensitiveLoss(epsilon);
  }
}

export function createClassificationLoss(name: ClassificationLossName): ScalarLoss {
  switch (name) {
    case 'logistic':
      return new LogisticLoss();
    case 'hinge':
      return new HingeLoss();
    case 'squaredHinge':
      return new SquaredHingeLoss();
  }
}
