/** Checks shared by the importance estimators; each throws a `ConfigError` naming owner and field. */

import { choiceField, isPositiveInteger, numberField } from '../learners/config-checks';
import type { ReservoirKind } from './reservoir';

export const MAX_RESERVOIR = 1_000_000;

export interface SmoothingConfig {
  /** α of the exponential smoothing, in (0, 1]: about 2/α samples make up a score. Default 0.01. */
  smoothing?: number;
  /** Fraction of examples sampled, in (0, 1]; the default depends on the estimator's cost per sample. */
  sampleRate?: number;
  /** Seeds the sampling (and iPFI's reservoir and donors). Default 1. */
  seed?: number;
}

export function smoothingField(owner: string, value: unknown): number {
  return numberField(owner, 'smoothing', value, 0.01, (v) => v > 0 && v <= 1, 'in (0, 1]');
}

export function sampleRateField(owner: string, value: unknown, fallback: number): number {
  return numberField(owner, 'sampleRate', value, fallback, (v) => v > 0 && v <= 1, 'in (0, 1]');
}

export function seedField(owner: string, value: unknown): number {
  return numberField(owner, 'seed', value, 1, Number.isSafeInteger, 'an integer');
}

export function reservoirFields(owner: string, value: { kind?: unknown; size?: unknown } | undefined): { kind: ReservoirKind; size: number } {
  return {
    kind: choiceField(owner, 'reservoir.kind', value?.kind, 'geometric', ['geometric', 'uniform']),
    size: numberField(owner, 'reservoir.size', value?.size, 100, (v) => isPositiveInteger(v) && v <= MAX_RESERVOIR, `an integer in [1, ${MAX_RESERVOIR}]`),
  };
}
