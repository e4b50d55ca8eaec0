/**
 * The choice of V8's concurrent marking for this process, without applying it (src/gc.ts applies it).
 * Node's command line wins: a `--concurrent-marking`, `--no-concurrent-marking` or `--single-threaded-gc`
 * there is left as it is. Then STREAMLEARN_CONCURRENT_MARKING=on|off|auto, then the core count: off on at
 * most two cores (docs/performance.md, "Stop 26: concurrent marking").
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from './errors';

export const CONCURRENT_MARKING_ENV = 'STREAMLEARN_CONCURRENT_MARKING';

/** The most cores on which concurrent marking is turned off. */
export const SMALL_MACHINE_CORES = 2;

const SETTINGS = ['auto', 'on', 'off'] as const;

/** What is chosen for V8's concurrent marking, and why, in a few words (the bench reports it). */
export interface GcChoice {
  concurrentMarking: 'on' | 'off';
  /** Whether streamlearn sets the flag (false when V8's default or node's command line stands). */
  applied: boolean;
  reason: string;
}

/** Node options that decide concurrent marking themselves. */
const COMMAND_LINE_FLAGS = /^--(no-)?concurrent[-_]marking$|^--single[-_]threaded([-_]gc)?$/;

export function chooseConcurrentMarking(cores: number, execArgv: readonly string[], setting: string | undefined): GcChoice {
  const given = execArgv.find((arg) => COMMAND_LINE_FLAGS.test(arg));
  if (given !== undefined) return { concurrentMarking: given.startsWith('--concurrent') ? 'on' : 'off', applied: false, reason: `node ${given}` };
  const wanted = setting === undefined || setting === '' ? 'auto' : setting;
  if (!(SETTINGS as readonly string[]).includes(wanted)) {
    throw new ConfigError(`${CONCURRENT_MARKING_ENV} must be one of ${SETTINGS.join(', ')}, got ${JSON.stringify(setting)}`);
  }
  if (wanted !== 'auto') return { concurrentMarking: wanted === 'on' ? 'on' : 'off', applied: wanted === 'off', reason: `${CONCURRENT_MARKING_ENV}=${wanted}` };
  const off = cores <= SMALL_MACHINE_CORES;
  return { concurrentMarking: off ? 'off' : 'on', applied: off, reason: `${cores} cores` };
}

/** The choice for this process: its command line, environment and cores. */
export const processGcChoice = (): GcChoice => chooseConcurrentMarking(availableParallelism(), process.execArgv, process.env[CONCURRENT_MARKING_ENV]);
