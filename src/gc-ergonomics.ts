/**
 * The choices of V8's concurrent marking and heap growing for this process, without applying them
 * (src/gc.ts applies them). Node's command line wins: a flag given there is left as it is.
 * - Concurrent marking: a `--concurrent-marking`, `--no-concurrent-marking` or `--single-threaded-gc` on
 *   node's command line, then STREAMLEARN_CONCURRENT_MARKING=on|off|auto, then the core count: off on at
 *   most two cores (docs/performance.md, "Stop 26: concurrent marking").
 * - Heap growing: a `--heap-growing-percent` on node's command line, then
 *   STREAMLEARN_HEAP_GROWING_PERCENT=auto|dynamic|<percent>; auto holds V8's largest factor, 4×
 *   (docs/performance.md, "Stop 27: heap growing").
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

export const HEAP_GROWING_ENV = 'STREAMLEARN_HEAP_GROWING_PERCENT';

/** V8's largest old-generation growing factor (4×, as `--heap-growing-percent`), held rather than chosen anew at each mark-compact. */
export const HEAP_GROWING_PERCENT = 300;

/** What is chosen for V8's old-generation growing factor (factor = 1 + percent / 100), and why. */
export interface HeapGrowingChoice {
  /** `dynamic`: V8 picks the factor at each mark-compact, from its own speed and the program's. */
  percent: number | 'dynamic';
  /** Whether streamlearn sets the flag. */
  applied: boolean;
  reason: string;
}

const HEAP_GROWING_FLAG = /^--heap[-_]growing[-_]percent(?:=(\d+))?$/;

export function chooseHeapGrowing(execArgv: readonly string[], setting: string | undefined): HeapGrowingChoice {
  const at = execArgv.findIndex((arg) => HEAP_GROWING_FLAG.test(arg));
  if (at >= 0) {
    const given = Number(HEAP_GROWING_FLAG.exec(execArgv[at]!)?.[1] ?? execArgv[at + 1]);
    return { percent: given > 0 ? given : 'dynamic', applied: false, reason: `node ${execArgv[at]}` };
  }
  const wanted = setting === undefined || setting === '' ? 'auto' : setting;
  if (wanted === 'auto') return { percent: HEAP_GROWING_PERCENT, applied: true, reason: 'default' };
  if (wanted === 'dynamic') return { percent: 'dynamic', applied: false, reason: `${HEAP_GROWING_ENV}=dynamic` };
  if (!/^[1-9]\d{0,4}$/.test(wanted)) {
    throw new ConfigError(`${HEAP_GROWING_ENV} must be auto, dynamic or a whole percent from 1 to 99999, got ${JSON.stringify(setting)}`);
  }
  return { percent: Number(wanted), applied: true, reason: `${HEAP_GROWING_ENV}=${wanted}` };
}

/** The heap-growing choice for this process: its command line and environment. */
export const processHeapGrowingChoice = (): HeapGrowingChoice => chooseHeapGrowing(process.execArgv, process.env[HEAP_GROWING_ENV]);
