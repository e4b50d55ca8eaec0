import { performance } from 'node:perf_hooks';
import { friedmanStream } from '../../src/datasets/friedman';
import { pipeline } from '../../src/features/pipeline';
import type { Row } from '../../src/features/stage';
import { createStandardScaler } from '../../src/features/standard-scaler';
import { createVectorAssembler } from '../../src/features/vector-assembler';
import { createCoefficientImportance, createIncrementalPfi, pipelineImportance, vectorFeatures, type FeatureImportance } from '../../src/importance';
import { createLinearRegression, createLogisticRegression, type Estimator, type FeatureVector } from '../../src/learners';
import { createNeuralNet } from '../../src/neural';
import { SELECTION_FEATURES, selectionEvents } from '../../topologies/select-then-mlp';

const FRIEDMAN = Array.from({ length: 10 }, (_, j) => `x${j}`);

/** What the timed loop needs: a model, and an importance hook (or none) with what it reports. */
interface Setup<X> {
  model: Estimator<X>;
  importance: { update(xs: readonly X[], ys: ArrayLike<number>): void; samples(): number; sampleRate: number } | null;
}

/** One workload: its examples, and how to build each variant on a fresh model. */
interface ThroughputWorkload<X> {
  name: string;
  model: string;
  features: number;
  n: number;
  examples: { xs: X[]; ys: Float64Array };
  variants: Record<string, () => Setup<X>>;
}

export interface ThroughputRun {
  workload: string;
  model: string;
  features: number;
  variant: string;
  n: number;
  sampleRate: number | null;
  seconds: number;
  /** CPU time of this process (user + system): steadier than the wall clock on a machine shared with other jobs. */
  cpuSeconds: number;
  /** CPU time inside the importance updates. */
  importanceSeconds: number;
  batches: number;
  samples: number;
}

const BATCH = 500;

function friedmanRows(n: number, seed: number): { xs: Row[]; ys: Float64Array } {
  const events = friedmanStream({ seed });
  const xs = Array.from({ length: n }, () => events.next().value as Row);
  return { xs, ys: Float64Array.from(xs, (row) => row.y as number) };
}

function tracked<X>(importance: FeatureImportance<X>): Setup<X>['importance'] {
  return { update: (xs, ys) => importance.update(xs, ys), samples: () => importance.snapshot().samples, sampleRate: importance.sampleRate };
}

function hooked(hook: ReturnType<typeof pipelineImportance>): Setup<Row>['importance'] {
  return { update: hook.beforeLearn, samples: () => hook.snapshot().samples, sampleRate: hook.sampleRate };
}

/** Linear regression on dense Friedman vectors: the cheapest learner, so the worst case for the overhead. */
function linearWorkload(n: number, seed: number): ThroughputWorkload<FeatureVector> {
  const rows = friedmanRows(n, seed);
  const xs = rows.xs.map((row) => Float64Array.from(FRIEDMAN, (name) => row[name] as number));
  const model = () => createLinearRegression({ numFeatures: 10, stepSize: 0.01 });
  const ipfi = (sampleRate?: number) => (): Setup<FeatureVector> => {
    const m = model();
    const pfi = createIncrementalPfi({ model: m, features: vectorFeatures(FRIEDMAN), ...(sampleRate === undefined ? {} : { sampleRate }) });
    return { model: m, importance: tracked(pfi) };
  };
  return {
    name: 'friedman dense-10',
    model: 'LinearRegression (sgd)',
    features: 10,
    n,
    examples: { xs, ys: rows.ys },
    variants: {
      off: () => ({ model: model(), importance: null }),
      'iPFI, default rate': ipfi(),
      'iPFI, every example': ipfi(1),
      'coefficients, default rate': () => {
        const m = model();
        const importance = createCoefficientImportance({ model: m, names: FRIEDMAN });
        return { model: m, importance: tracked(importance) };
      },
    },
  };
}

/** Raw records through assembler, scaler and logistic regression: what a topology runs, 50 columns. */
function pipelineWorkload(n: number, seed: number): ThroughputWorkload<Row> {
  const events = selectionEvents({ seed });
  const xs = Array.from({ length: n }, () => events.next().value as Row);
  const ys = Float64Array.from(xs, (row) => row.label as number);
  const model = () =>
    pipeline(
      createVectorAssembler({ inputCols: SELECTION_FEATURES, outputCol: 'raw' }),
      createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      createLogisticRegression({ numFeatures: SELECTION_FEATURES.length, stepSize: 0.01 }),
    );
  const ipfi = (sampleRate?: number) => (): Setup<Row> => {
    const m = model();
    const hook = pipelineImportance(m, { features: SELECTION_FEATURES, ...(sampleRate === undefined ? {} : { sampleRate }) });
    return { model: m, importance: hooked(hook) };
  };
  return {
    name: 'selection events, 50 columns',
    model: 'Pipeline: assembler, scaler, LogisticRegression',
    features: 50,
    n,
    examples: { xs, ys },
    variants: { off: () => ({ model: model(), importance: null }), 'iPFI, default rate': ipfi(), 'iPFI, rate 0.05': ipfi(0.05) },
  };
}

/** Raw Friedman records into an MLP: the expensive learner. */
function mlpWorkload(n: number, seed: number): ThroughputWorkload<Row> {
  const model = () =>
    pipeline(
      createVectorAssembler({ inputCols: FRIEDMAN, outputCol: 'raw' }),
      createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
      createNeuralNet({
        inputShape: [10],
        layers: [
          { type: 'dense', units: 64, activation: 'relu' },
          { type: 'dense', units: 1 },
        ],
        optimizer: { type: 'adam', learningRate: 0.005 },
        loss: 'meanSquaredError',
        batchSize: 16,
        seed: 3,
      }),
    );
  const ipfi = (sampleRate?: number) => (): Setup<Row> => {
    const m = model();
    const hook = pipelineImportance(m, { features: FRIEDMAN, ...(sampleRate === undefined ? {} : { sampleRate }) });
    return { model: m, importance: hooked(hook) };
  };
  return {
    name: 'friedman records',
    model: 'Pipeline: assembler, scaler, NeuralNet 10-64-1',
    features: 10,
    n,
    examples: friedmanRows(n, seed),
    variants: { off: () => ({ model: model(), importance: null }), 'iPFI, default rate': ipfi(), 'iPFI, rate 0.2': ipfi(0.2) },
  };
}

/** A workload ready to time: `measure(repeats)` runs every variant. */
export interface TimedWorkload {
  name: string;
  n: number;
  measure(repeats: number): ThroughputRun[];
}

function timed<X>(workload: ThroughputWorkload<X>): TimedWorkload {
  return { name: workload.name, n: workload.n, measure: (repeats) => measureThroughput(workload, repeats) };
}

/** Sized for a few seconds per variant on this kind of machine at `scale` 1. */
export function throughputWorkloads(scale: number, seed: number): TimedWorkload[] {
  const size = (n: number) => Math.max(2000, Math.round((n * scale) / BATCH) * BATCH);
  return [timed(linearWorkload(size(300_000), seed)), timed(pipelineWorkload(size(60_000), seed + 1)), timed(mlpWorkload(size(30_000), seed + 2))];
}

/** Test-then-train in micro-batches of 500, as a topology runs: predict, importance (when on), learn. */
function timeOnce<X>(workload: ThroughputWorkload<X>, variant: string, limit: number): ThroughputRun {
  const { model, importance } = workload.variants[variant]();
  const { xs, ys } = workload.examples;
  let importanceSeconds = 0;
  let batches = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < limit; i += BATCH) {
    const batch = xs.slice(i, Math.min(i + BATCH, limit));
    const labels = ys.subarray(i, i + batch.length);
    model.predictMany(batch);
    if (importance !== null) {
      const before = process.cpuUsage();
      importance.update(batch, labels);
      const { user, system } = process.cpuUsage(before);
      importanceSeconds += (user + system) / 1e6;
    }
    model.learnMany(batch, labels);
    batches++;
  }
  const seconds = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return {
    workload: workload.name,
    model: workload.model,
    features: workload.features,
    variant,
    n: limit,
    sampleRate: importance?.sampleRate ?? null,
    seconds,
    cpuSeconds: (user + system) / 1e6,
    importanceSeconds,
    batches,
    samples: importance?.samples() ?? 0,
  };
}

/**
 * Each variant on a fresh model, `repeats` times, variants interleaved so that a load spike on the shared
 * machine hits them alike; the run with the least CPU time counts. A warm-up run of every variant goes first.
 */
function measureThroughput<X>(workload: ThroughputWorkload<X>, repeats: number): ThroughputRun[] {
  const variants = Object.keys(workload.variants);
  for (const variant of variants) timeOnce(workload, variant, Math.min(workload.n, 5 * BATCH));
  const best = new Map<string, ThroughputRun>();
  for (let r = 0; r < repeats; r++) {
    for (const variant of variants) {
      const run = timeOnce(workload, variant, workload.n);
      const previous = best.get(variant);
      if (previous === undefined || run.cpuSeconds < previous.cpuSeconds) best.set(variant, run);
    }
  }
  return variants.map((variant) => best.get(variant) as ThroughputRun);
}
