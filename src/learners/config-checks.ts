import { ConfigError } from '../errors';

/**
 * Reads one config field with its default, checking its type and range at run time: configs also arrive
 * as JSON from checkpoints, where TypeScript's types promise nothing.
 */
export function numberField(owner: string, name: string, value: unknown, fallback: number, valid: (v: number) => boolean, expectation: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !valid(v)) {
    throw new ConfigError(`${owner}: ${name} must be ${expectation}, got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}

/** A numeric config field: its default, its check, and what the check expects (for the error). */
export type NumberFieldSpec = readonly [fallback: number, valid: (v: number) => boolean, expectation: string];

/** `numberField` over a table of fields, in the table's order: a kind lists each of its numeric fields once. */
export function numberFields<K extends string>(owner: string, specs: Record<K, NumberFieldSpec>, config: Partial<Record<K, unknown>>): Record<K, number> {
  const resolved = {} as Record<K, number>;
  for (const name of Object.keys(specs) as K[]) {
    const [fallback, valid, expectation] = specs[name];
    resolved[name] = numberField(owner, name, config[name], fallback, valid, expectation);
  }
  return resolved;
}

export function optionalNumberField(owner: string, name: string, value: unknown, valid: (v: number) => boolean, expectation: string): number | null {
  return value === undefined || value === null ? null : numberField(owner, name, value, 0, valid, expectation);
}

export function booleanField(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${owner}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

export function choiceField<T extends string>(owner: string, name: string, value: unknown, fallback: T, choices: readonly T[]): T {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new ConfigError(`${owner}: ${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export const isPositive = (v: number): boolean => Number.isFinite(v) && v > 0;
export const isNonNegative = (v: number): boolean => Number.isFinite(v) && v >= 0;
export const isFraction = (v: number): boolean => v >= 0 && v <= 1;
export const isOpenFraction = (v: number): boolean => v > 0 && v < 1;
export const isPositiveInteger = (v: number): boolean => Number.isInteger(v) && v > 0;
