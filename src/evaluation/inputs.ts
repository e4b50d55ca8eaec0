/** Checks on what metrics are fed: bad pairs throw errors naming the metric, the argument and the value. */

import { DecodeError, NonFiniteError } from '../errors';
import { describeValue, integerField } from '../features/config';
import type { MetricConfig } from './metric';

export function binary(metric: string, name: string, value: number): 0 | 1 {
  if (value === 0 || value === 1) return value;
  throw new DecodeError('SCHEMA', `${metric}: ${name} must be class 0 or 1, got ${describeValue(value)}`);
}

export function finite(metric: string, name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new DecodeError('SCHEMA', `${metric}: ${name} must be a number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value)) throw new NonFiniteError(`${metric}: ${name} is ${value}`);
  return value;
}

export function probability(metric: string, name: string, value: unknown): number {
  const p = finite(metric, name, value);
  if (p < 0 || p > 1) throw new DecodeError('SCHEMA', `${metric}: ${name} must be a probability in [0, 1], got ${p}`);
  return p;
}

/** The validated window size, or 0 for an unbounded metric. */
export function windowSize(metric: string, config: MetricConfig): number {
  return config.window === undefined ? 0 : integerField(metric, 'window', config.window, 0, 1, 2 ** 24);
}
