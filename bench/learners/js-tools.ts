import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createLogLoss, createRmse, progressiveValScore } from '../../src/evaluation';
import type { Estimator, FeatureVector, OptimizerConfig } from '../../src/learners';
import { createLinearRegression, createLogisticRegression } from '../../src/learners';
import { bareDense, bareSparse } from './bare-sgd';
import type { Task, WorkloadData } from './workloads';

/** One tool's run over one workload; `metric` is the progressive log loss (RMSE for linear), null when not measured. */
export interface ToolRun {
  tool: string;
  n: number;
  seconds: number;
  /** Processor time of the whole process (every thread: GC, a parser thread) during the run. */
  cpuSeconds: number;
  metric: number | null;
}

/** The SGD step size equal to River's default SGD(0.01): its squared loss is r², ours ½r². */
export function riverStepSize(task: Task): number {
  return task === 'logistic' ? 0.01 : 0.02;
}

/** Vowpal Wabbit's default learning rate, `-l 0.5`. */
const VW_STEP_SIZE = 0.5;

/** Examples from the start of the stream that every tool learns once, on a throwaway model, before it is timed. */
export const WARMUP_EXAMPLES = 20_000;

/** No further timed pass once the passes so far add up to this: a long pass averages the noise out itself. */
export const REPEAT_BUDGET_SECONDS = 3;

function vectors(data: WorkloadData): FeatureVector[] {
  const { x, indices, values, workload } = data;
  const width = workload.active ?? workload.dim;
  return Array.from({ length: workload.n }, (_, i) => {
    const from = i * width;
    const to = from + width;
    if (x !== null) return x.subarray(from, to);
    return { indices: (indices as Int32Array).subarray(from, to), values: (values as Float64Array).subarray(from, to) };
  });
}

function createModel(data: WorkloadData, optimizer: OptimizerConfig, stepSize: number): Estimator {
  const config = { numFeatures: data.workload.dim, optimizer, stepSize };
  return data.workload.task === 'logistic' ? createLogisticRegression(config) : createLinearRegression(config);
}

function createMetric(task: Task) {
  return task === 'logistic' ? createLogLoss() : createRmse();
}

type Examples = (readonly [FeatureVector, number])[];

/** Predict then learn each example through the library's own prequential evaluator. */
async function prequential(data: WorkloadData, examples: Examples, optimizer: OptimizerConfig, stepSize: number): Promise<number> {
  const model = createModel(data, optimizer, stepSize);
  const { metric } = await progressiveValScore(examples, model, createMetric(data.workload.task));
  return metric.get();
}

export const JS_TOOLS = ['streamlearn', 'streamlearn learn-only', 'streamlearn normalized', 'bare JS'] as const;
export type JsTool = (typeof JS_TOOLS)[number];

/** Streams the first `count` examples through a fresh model; returns the progressive metric, or null. */
type Pass = (count: number) => Promise<number | null>;

function pass(data: WorkloadData, tool: JsTool): Pass {
  const { task, active } = data.workload;
  const sgd: OptimizerConfig = { kind: 'sgd', schedule: 'constant' };
  const rate = riverStepSize(task);
  const xs = vectors(data);
  const examples: Examples = xs.map((x, i) => [x, data.y[i]] as const);
  const head = <T>(items: T[], count: number) => (count === items.length ? items : items.slice(0, count));
  switch (tool) {
    case 'streamlearn':
      return (count) => prequential(data, head(examples, count), sgd, rate);
    case 'streamlearn learn-only':
      return async (count) => {
        createModel(data, sgd, rate).learnMany(head(xs, count), data.y.subarray(0, count));
        return null;
      };
    case 'streamlearn normalized':
      return (count) => prequential(data, head(examples, count), { kind: 'normalized' }, VW_STEP_SIZE);
    case 'bare JS': {
      const bare = active === null ? bareDense : bareSparse;
      return async (count) => bare(data, count, rate);
    }
  }
}

/**
 * Times one tool: a warm-up pass over the first examples, then up to `repeats` passes over the whole
 * workload (see {@link REPEAT_BUDGET_SECONDS}), each on a fresh model; the fastest counts. Inputs
 * (vectors, example tuples) are built first.
 */
export async function measureJsTool(data: WorkloadData, tool: JsTool, repeats: number): Promise<ToolRun> {
  const run = pass(data, tool);
  const n = data.workload.n;
  await run(Math.min(n, WARMUP_EXAMPLES));
  let best: ToolRun | null = null;
  let spent = 0;
  for (let r = 0; r < repeats && spent < REPEAT_BUDGET_SECONDS; r++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const metric = await run(n);
    const seconds = (performance.now() - start) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    spent += seconds;
    if (best === null || seconds < best.seconds) best = { tool, n, seconds, cpuSeconds: (user + system) / 1e6, metric };
  }
  return best as ToolRun;
}

/**
 * Each tool in a worker thread of its own, so that no tool runs on JIT code specialised (or made
 * polymorphic) by another: the other optimizer's class, the other input shape.
 */
export async function runJsTools(data: WorkloadData, repeats: number): Promise<ToolRun[]> {
  const runs: ToolRun[] = [];
  for (const tool of JS_TOOLS) {
    const worker = new Worker(join(__dirname, 'js-worker.js'), { workerData: { data, tool, repeats } });
    runs.push(
      await new Promise<ToolRun>((resolve, reject) => {
        worker.once('message', (run: ToolRun) => resolve(run));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the ${tool} worker exited with ${code} before reporting`)));
      }),
    );
    await worker.terminate();
  }
  return runs;
}
