/**
 * Construction-time checks for column configs; each throws a `ConfigError` naming stage and field.
 * Numbers, flags and choices use the learners' field readers.
 */

import { ConfigError } from '../errors';
import { numberField } from '../learners/config-checks';

/** Renders a value for an error message, short enough for a dead-letter header. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

export function columnName(stage: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${stage}: ${field} must be a non-empty column name, got ${describeValue(value)}`);
  }
  return value;
}

export function columnList(stage: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(`${stage}: ${field} must be a non-empty array of column names, got ${describeValue(value)}`);
  }
  const names = value.map((name, i) => columnName(stage, `${field}[${i}]`, name));
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new ConfigError(`${stage}: ${field} names column "${duplicate}" twice`);
  return names;
}

/** Rejects outputs that would overwrite one of the stage's own inputs (see `Stage`). */
export function distinctOutputs(stage: string, inputs: readonly string[], outputs: readonly string[]): void {
  const clash = outputs.find((name) => inputs.includes(name));
  if (clash !== undefined) {
    throw new ConfigError(`${stage}: output column "${clash}" is also an input; a stage never overwrites its inputs`);
  }
}

/** An integer field in [min, max], `fallback` when absent. */
export function integerField(owner: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  const inRange = (v: number) => Number.isInteger(v) && v >= min && v <= max;
  return numberField(owner, name, value, fallback, inRange, `an integer in [${min}, ${max}]`);
}
