import type { JsonValue } from '../../src/learners/estimator';

/**
 * One tool training one workload: after the warm-up steps, `repeats` timed passes over the data in a row
 * (the model keeps learning); the fastest pass counts, as other engineers' jobs share the machine.
 */
export interface TrainingRun {
  tool: string;
  workload: string;
  /** Samples per pass. */
  samples: number;
  /** Of the fastest pass. */
  seconds: number;
  cpuSeconds: number;
  /** Mean training loss over the last quarter of the last pass: every tool should land near the others. */
  loss: number;
}

/** What a side (a tfjs backend's process, or a Python peer's) prints as JSON on stdout. */
export interface SideOutput {
  versions: { [key: string]: JsonValue };
  runs: TrainingRun[];
}

function isRun(value: unknown): value is TrainingRun {
  const run = value as Partial<Record<keyof TrainingRun, unknown>> | null;
  return (
    typeof run === 'object' &&
    run !== null &&
    typeof run.tool === 'string' &&
    typeof run.workload === 'string' &&
    typeof run.samples === 'number' &&
    typeof run.seconds === 'number' &&
    typeof run.cpuSeconds === 'number' &&
    typeof run.loss === 'number'
  );
}

/** Checks a side's output; `who` names the side in the error. */
export function readSideOutput(output: unknown, who: string): SideOutput {
  const candidate = output as Partial<Record<keyof SideOutput, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.versions !== 'object' ||
    candidate.versions === null ||
    !Array.isArray(candidate.runs) ||
    !candidate.runs.every(isRun)
  ) {
    throw new Error(`${who} printed an unexpected result: ${JSON.stringify(output).slice(0, 200)}`);
  }
  return candidate as SideOutput;
}

interface PassTime {
  seconds: number;
  cpuSeconds: number;
}

/** The wall and CPU seconds of the fastest of `repeats` runs of `pass`, run synchronously or awaited. */
export async function fastestPass(repeats: number, pass: () => Promise<void> | void): Promise<PassTime> {
  let best: PassTime = { seconds: Infinity, cpuSeconds: Infinity };
  for (let r = 0; r < repeats; r++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    if (seconds < best.seconds) best = { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  }
  return best;
}
