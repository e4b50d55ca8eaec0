import { ConfigError } from '../../src/errors';

export function requirePositiveInteger(owner: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${owner}: ${name} must be a positive integer, got ${value}`);
  return value;
}
