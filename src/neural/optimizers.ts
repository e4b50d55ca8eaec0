/**
 * Keras' adam, sgd and rmsprop as tfjs optimizers whose slot variables (Adam's moments, RMSProp's mean
 * square) exist from the start and can be read and written synchronously. tfjs's own optimizers create
 * their slots lazily and expose them only through async `getWeights()`/`setWeights()`, which the
 * synchronous `state()`/`fromState` of the estimator contract cannot use. The update rules are tfjs's.
 */

import { ConfigError } from '../errors';
import { choiceField, isPositive, numberField, optionalNumberField } from '../learners/config-checks';
import { tf } from './tensorflow';

export interface AdamArgs {
  /** Default 0.001. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

export interface SgdArgs {
  /** Default 0.01. */
  learningRate?: number;
}

export interface RmspropArgs {
  /** Default 0.001. */
  learningRate?: number;
  /** Decay of the mean square; default 0.9. */
  rho?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/** Keras' `global_clipnorm`: gradients are scaled so that their global L2 norm is at most this. */
interface ClipArgs {
  globalClipNorm?: number;
}

export type OptimizerSpec = ({ type: 'adam' } & AdamArgs & ClipArgs) | ({ type: 'sgd' } & SgdArgs & ClipArgs) | ({ type: 'rmsprop' } & RmspropArgs & ClipArgs);

/** A spec with every default filled in; `globalClipNorm` is null when gradients are not clipped. */
export type NormalizedOptimizerSpec =
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number; globalClipNorm: number | null }
  | { type: 'sgd'; learningRate: number; globalClipNorm: number | null }
  | { type: 'rmsprop'; learningRate: number; rho: number; epsilon: number; globalClipNorm: number | null };

const OWNER = 'NeuralNet';
const TYPES = ['adam', 'sgd', 'rmsprop'] as const;
const FIELDS: Record<(typeof TYPES)[number], readonly string[]> = {
  adam: ['learningRate', 'beta1', 'beta2', 'epsilon'],
  sgd: ['learningRate'],
  rmsprop: ['learningRate', 'rho', 'epsilon'],
};
const isDecay = (v: number): boolean => v >= 0 && v < 1;

export function normalizeOptimizer(raw: unknown): NormalizedOptimizerSpec {
  const spec = (raw ?? { type: 'adam' }) as Record<string, unknown>;
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConfigError(`${OWNER}: optimizer must be an object such as {"type": "adam"}, got ${JSON.stringify(raw)}`);
  }
  const type = choiceField(OWNER, 'optimizer.type', spec.type, 'adam', TYPES);
  const unknown = Object.keys(spec).find((key) => !['type', 'globalClipNorm', ...FIELDS[type]].includes(key));
  if (unknown !== undefined) throw new ConfigError(`${OWNER}: optimizer has an unknown field "${unknown}" for ${type}`);
  const num = (name: string, fallback: number, valid: (v: number) => boolean, expectation: string): number =>
    numberField(OWNER, `optimizer.${name}`, spec[name], fallback, valid, expectation);
  const learningRate = (fallback: number): number => num('learningRate', fallback, isPositive, 'a positive number');
  const clip = spec.globalClipNorm;
  const globalClipNorm = optionalNumberField(OWNER, 'optimizer.globalClipNorm', clip, isPositive, 'a positive number');
  switch (type) {
    case 'adam':
      return {
        type,
        learningRate: learningRate(0.001),
        beta1: num('beta1', 0.9, isDecay, 'a number in [0, 1)'),
        beta2: num('beta2', 0.999, isDecay, 'a number in [0, 1)'),
        epsilon: num('epsilon', 1e-7, isPositive, 'a positive number'),
        globalClipNorm,
      };
    case 'sgd':
      return { type, learningRate: learningRate(0.01), globalClipNorm };
    case 'rmsprop':
      return {
        type,
        learningRate: learningRate(0.001),
        rho: num('rho', 0.9, isDecay, 'a number in [0, 1)'),
        epsilon: num('epsilon', 1e-7, isPositive, 'a positive number'),
        globalClipNorm,
      };
  }
}

/** A trainable weight under its stable name, e.g. `layer0/kernel`. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

type Rule = (weight: tf.Variable, gradient: tf.Tensor, slots: readonly tf.Variable[], step: number) => void;

function ruleOf(spec: NormalizedOptimizerSpec): { slotNames: readonly string[]; update: Rule } {
  switch (spec.type) {
    case 'sgd':
      return { slotNames: [], update: (w, g) => w.assign(tf.sub(w, tf.mul(g, spec.learningRate))) };
    case 'adam': {
      const { learningRate, beta1, beta2, epsilon } = spec;
      return {
        slotNames: ['m', 'v'],
        update: (w, g, [m, v], step) => {
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
          const mHat = tf.div(m, 1 - beta1 ** step);
          const vHat = tf.div(v, 1 - beta2 ** step);
          w.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -learningRate), w));
        },
      };
    }
    case 'rmsprop': {
      const { learningRate, rho, epsilon } = spec;
      return {
        slotNames: ['rms'],
        update: (w, g, [rms]) => {
          rms.assign(tf.add(tf.mul(rms, rho), tf.mul(tf.square(g), 1 - rho)));
          w.assign(tf.sub(w, tf.div(tf.mul(g, learningRate), tf.sqrt(tf.add(rms, epsilon)))));
        },
      };
    }
  }
}

export class SlotOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'StreamlearnSlotOptimizer';
  }

  /** Every slot variable under `<weight name>/<slot>`, e.g. `layer0/kernel/m`. */
  readonly slots: readonly NamedVariable[];
  private readonly rule: Rule;
  private readonly slotsByVariable: ReadonlyMap<string, { weight: tf.Variable; slots: tf.Variable[] }>;

  constructor(
    private readonly spec: NormalizedOptimizerSpec,
    weights: readonly NamedVariable[],
  ) {
    super();
    const { slotNames, update } = ruleOf(spec);
    this.rule = update;
    const byVariable = new Map<string, { weight: tf.Variable; slots: tf.Variable[] }>();
    const slots: NamedVariable[] = [];
    for (const { name, variable } of weights) {
      const own = slotNames.map((slot) => {
        const created = tf.tidy(() => tf.zerosLike(variable).variable(false));
        slots.push({ name: `${name}/${slot}`, variable: created });
        return created;
      });
      byVariable.set(variable.name, { weight: variable, slots: own });
    }
    this.slots = slots;
    this.slotsByVariable = byVariable;
  }

  /** Steps taken, which Adam's bias correction depends on. */
  get steps(): number {
    return this.iterations;
  }

  set steps(value: number) {
    this.iterations_ = value;
  }

  override applyGradients(gradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const named = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const step = this.iterations + 1;
    tf.tidy(() => {
      for (const { name, tensor } of named) {
        const target = this.slotsByVariable.get(name);
        // As tfjs's optimizers do, variables without slots (not trainable here) are left alone.
        if (target !== undefined) this.rule(target.weight, tensor, target.slots, step);
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const { variable } of this.slots) variable.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.spec };
  }
}
