import type { ParseArgsConfig } from 'node:util';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** One CLI command: its words, its options (node:util parseArgs specs), and what it does. */
export interface Command {
  /** Words after `streamlearn`, e.g. `kafka start`. */
  name: string;
  usage: string;
  summary: string;
  options: OptionSpecs;
  run(args: ParsedArgs): Promise<void>;
}

/** Shared by every command that talks to Kafka. */
export const brokerOption: OptionSpecs = {
  brokers: { type: 'string', short: 'b' },
  'command-config': { type: 'string' },
  'connection-timeout': { type: 'string' },
};

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

export function integerOption(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} takes a whole number, got "${raw}"`);
  return value;
}

/** A mistake in how the command was called: printed with its usage, exit code 2. */
export class UsageError extends Error {}
