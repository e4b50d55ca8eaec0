import { ConfigError } from '../../errors';
import { booleanField, choiceField, isNonNegative, isOpenFraction, isPositive, numberField } from '../config-checks';

/**
 * SGD step sizes η_t, t = 1, 2, … counting steps (examples in sequential mode, passes in minibatch):
 * - `constant`: η = stepSize;
 * - `invscaling`: η = stepSize / t^powerT;
 * - `optimal`: Bottou's η = 1 / (regParam · (t0 + t - 1)), t0 by scikit-learn's heuristic; needs regParam > 0;
 * - `pa1` / `pa2`: passive-aggressive (Crammer et al. 2006): η = min(C, loss/‖x‖²) or loss/(‖x‖² + 1/(2C)),
 *   the smallest step that satisfies the example (PA-I caps it at C); hinge or epsilon-insensitive loss,
 *   sequential mode, regParam = 0. ‖x‖² counts the intercept's constant 1.
 */
export type SgdSchedule = 'constant' | 'invscaling' | 'optimal' | 'pa1' | 'pa2';

export interface SgdConfig {
  kind: 'sgd';
  schedule?: SgdSchedule;
  /** Exponent of `invscaling`. Default 0.5. */
  powerT?: number;
  /** C of `pa1` / `pa2`. Default 1. */
  aggressiveness?: number;
}

/** Duchi, Hazan & Singer (2011): η / (√(Σ g²) + epsilon) per coordinate. */
export interface AdagradConfig {
  kind: 'adagrad';
  epsilon?: number;
}

/**
 * Kingma & Ba (2015), bias-corrected. On sparse input only the touched coordinates' moments move
 * ("lazy" Adam, as TensorFlow's LazyAdam): a dense step is textbook Adam.
 */
export interface AdamConfig {
  kind: 'adam';
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * FTRL-Proximal (McMahan et al. 2013), per coordinate, stepSize = α. Its L1/L2 are built in and follow
 * the paper: λ1 = regParam·elasticNetParam and λ2 = regParam·(1 - elasticNetParam) penalise the
 * summed loss once, not the mean loss. So a fixed λ1 keeps a noise feature at exactly 0 only while its
 * summed gradient stays below λ1, which grows like √(examples): size regParam to the stream.
 */
export interface FtrlConfig {
  kind: 'ftrl';
  /** β of the per-coordinate rate α / (β + √n). Default 1. */
  beta?: number;
}

/**
 * Vowpal Wabbit's default update: adaptive, normalized and invariant (Ross, Mineiro & Langford 2013,
 * "Normalized online learning"; Karampatziakis & Langford 2011). Each coordinate's rate is
 * 1/(s_j·√G_j) with s_j the largest |x_j| seen (weights rescaled when it grows), the whole step times
 * √(t / Σ‖x/s‖²); `invariant` replaces the loss derivative by its importance-invariant counterpart.
 * Sequential mode only; `invariant` needs a scalar loss (not softmax) and defaults to true for them.
 */
export interface NormalizedConfig {
  kind: 'normalized';
  invariant?: boolean;
}

export type OptimizerConfig = SgdConfig | AdagradConfig | AdamConfig | FtrlConfig | NormalizedConfig;
export type OptimizerKind = OptimizerConfig['kind'];

export type ResolvedOptimizerConfig = Required<SgdConfig> | Required<AdagradConfig> | Required<AdamConfig> | Required<FtrlConfig> | Required<NormalizedConfig>;

const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adagrad', 'adam', 'ftrl', 'normalized'];
const SCHEDULES: readonly SgdSchedule[] = ['constant', 'invscaling', 'optimal', 'pa1', 'pa2'];

export function defaultStepSize(kind: OptimizerKind): number {
  switch (kind) {
    case 'sgd':
    case 'adam':
      return 0.01;
    case 'adagrad':
    case 'ftrl':
      return 0.1;
    case 'normalized':
      return 0.5;
  }
}

export function resolveOptimizerConfig(owner: string, raw: OptimizerConfig | undefined, scalarOutput: boolean): ResolvedOptimizerConfig {
  const config: { readonly [key: string]: unknown } = { ...(raw ?? { kind: 'sgd' }) };
  const kind = choiceField(owner, 'optimizer.kind', config.kind, 'sgd', OPTIMIZER_KINDS);
  const field = (name: string, fallback: number, valid: (v: number) => boolean, expectation: string) =>
    numberField(owner, `optimizer.${name}`, config[name], fallback, valid, expectation);
  switch (kind) {
    case 'sgd':
      return {
        kind,
        schedule: choiceField(owner, 'optimizer.schedule', config.schedule, 'constant', SCHEDULES),
        powerT: field('powerT', 0.5, isNonNegative, 'a finite number ≥ 0'),
        aggressiveness: field('aggressiveness', 1, isPositive, 'a finite number > 0'),
      };
    case 'adagrad':
      return { kind, epsilon: field('epsilon', 1e-8, isPositive, 'a finite number > 0') };
    case 'adam':
      return {
        kind,
        beta1: field('beta1', 0.9, (v) => v >= 0 && v < 1, 'in [0, 1)'),
        beta2: field('beta2', 0.999, isOpenFraction, 'in (0, 1)'),
        epsilon: field('epsilon', 1e-8, isPositive, 'a finite number > 0'),
      };
    case 'ftrl':
      return { kind, beta: field('beta', 1, isNonNegative, 'a finite number ≥ 0') };
    case 'normalized': {
      const invariant = booleanField(owner, 'optimizer.invariant', config.invariant, scalarOutput);
      if (invariant && !scalarOutput) {
        throw new ConfigError(`${owner}: optimizer.invariant needs a scalar loss; set it to false`);
      }
      return { kind, invariant };
    }
  }
}
