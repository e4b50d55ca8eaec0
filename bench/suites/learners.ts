import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/errors';
import type { JsonValue } from '../../src/learners/estimator';
import { ratioTable, targetTable, throughputTable, METRIC_TOLERANCE, type WorkloadRuns } from '../learners/compare';
import { writeDataFiles } from '../learners/data-files';
import { REPEAT_BUDGET_SECONDS, riverStepSize, runJsTools, WARMUP_EXAMPLES, type ToolRun } from '../learners/js-tools';
import { generate, WORKLOADS, type Workload } from '../learners/workloads';
import { runPython } from '../python';
import type { BenchResult } from '../report';

/**
 * The same seeded examples, in one invocation, through streamlearn, a bare JS loop and the Python peers
 * (bench/python/learners.py). Options: `--scale f` multiplies every workload's size (e.g. 0.05 for a
 * smoke run), `--workloads a,b` picks workloads by name, `--repeats r` timed passes per tool at most (the
 * fastest counts; default 3), `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      workloads: { type: 'string' },
      seed: { type: 'string', default: '1' },
      repeats: { type: 'string', default: '3' },
    },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  const repeats = Number(values.repeats);
  if (!(scale > 0 && scale <= 10)) throw new ConfigError(`--scale must be in (0, 10], got "${values.scale}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);
  const workloads = pickWorkloads(values.workloads).map((w) => ({ ...w, n: Math.max(1000, Math.round((w.n * scale) / 1000) * 1000) }));

  const all: WorkloadRuns[] = [];
  const peers: { [key: string]: JsonValue } = {};
  const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-learners-'));
  try {
    for (const [i, workload] of workloads.entries()) {
      process.stderr.write(`${workload.name}: n = ${workload.n}\n`);
      const data = generate(workload, seed + i);
      const workDir = join(dir, workload.name);
      mkdirSync(workDir);
      const files = writeDataFiles(workDir, data);
      const runs = await runJsTools(data, repeats);
      const manifest = {
        ...workload,
        files,
        warmup: WARMUP_EXAMPLES,
        repeats,
        repeatBudgetSeconds: REPEAT_BUDGET_SECONDS,
        sgdStepSize: riverStepSize(workload.task),
        riverLearningRate: 0.01,
      };
      const manifestPath = join(workDir, 'manifest.json');
      writeFileSync(manifestPath, JSON.stringify(manifest));
      const output = readPeerOutput(await runPython('learners', 'learners.py', [manifestPath]));
      Object.assign(peers, { versions: output.versions, blas: output.blas });
      all.push({ workload: workload.name, runs: [...runs, ...output.runs] });
      rmSync(workDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    tables: [throughputTable(all), ratioTable(all), targetTable(all)],
    context: {
      seed,
      scale,
      workloads: workloads.map(({ name, task, n, dim, active }) => ({ name, task, n, dim, active })),
      warmupExamples: WARMUP_EXAMPLES,
      repeats,
      repeatBudgetSeconds: REPEAT_BUDGET_SECONDS,
      metricTolerance: METRIC_TOLERANCE,
      ...peers,
    },
    notes: [
      'Single-threaded learners; each JavaScript tool in a worker thread of its own (no JIT state shared between tools), the peers in one Python process. Each tool learns the first 20k examples once on a throwaway model, then makes up to `repeats` timed passes (no more once they add up to 3 s), each on a fresh model, and the fastest counts. Inputs (vectors, dicts, batches, VW lines) are built before the clock starts.',
      "streamlearn, River and bare JS run plain SGD at River's default rate (0.01; 0.02 in streamlearn's ½r² convention for linear-32), intercept at the same rate, predicting each example before learning it.",
      'sklearn partial_fit runs the same SGD (constant eta0, shuffle=False) on batches of 1,000, each batch predicted by the model of before it; on sparse input sklearn learns the intercept 100× slower (its SPARSE_INTERCEPT_DECAY).',
      "VW runs its defaults (adaptive, normalized, invariant, -l 0.5), compared with streamlearn's normalized optimizer; VW's metric is its own progressive average loss. The VW driver reads with a parser thread beside the learner: see examples/CPU-s.",
      'No `vw` binary is to be had from PyPI (the wheel ships only pylibvw) or Debian bookworm (no vowpal-wabbit package): "VW driver" is the same C++ driver the CLI runs (VW::start_parser + generic_driver), called through pylibvw as `python -m vowpalwabbit` does.',
    ],
  };
}

function pickWorkloads(names: string | undefined): Workload[] {
  if (names === undefined) return [...WORKLOADS];
  return names.split(',').map((name) => {
    const workload = WORKLOADS.find((w) => w.name === name.trim());
    if (workload === undefined) {
      throw new ConfigError(`unknown workload "${name}"; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
    }
    return workload;
  });
}

interface PeerOutput {
  versions: { [key: string]: JsonValue };
  blas: JsonValue[];
  runs: ToolRun[];
}

function isRun(value: unknown): value is ToolRun {
  const run = value as Partial<Record<keyof ToolRun, unknown>>;
  return (
    typeof run === 'object' &&
    run !== null &&
    typeof run.tool === 'string' &&
    typeof run.n === 'number' &&
    typeof run.seconds === 'number' &&
    typeof run.cpuSeconds === 'number' &&
    (typeof run.metric === 'number' || run.metric === null)
  );
}

function readPeerOutput(output: unknown): PeerOutput {
  const candidate = output as Partial<Record<keyof PeerOutput, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.versions !== 'object' ||
    !Array.isArray(candidate.blas) ||
    !Array.isArray(candidate.runs) ||
    !candidate.runs.every(isRun)
  ) {
    throw new Error(`learners.py printed an unexpected result: ${JSON.stringify(output).slice(0, 200)}`);
  }
  return candidate as PeerOutput;
}
