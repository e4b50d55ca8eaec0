import { performance } from 'node:perf_hooks';
import type { GeneratedRecoEvent } from '../../src/datasets/reco-events';
import { createBiasedMF, createBprMF, createFactorizationMachine, createPopularity, evaluateRecommender, type Recommender } from '../../src/reco';
import type { RecoWorkload } from './workload';

/** One tool's run: speed of predict-then-learn (null when only ranked), prequential errors, and ranking metrics. */
export interface RecoRun {
  tool: string;
  feedback: 'explicit' | 'implicit';
  n: number;
  seconds: number | null;
  cpuSeconds: number | null;
  rmse: number | null;
  mae: number | null;
  hitRate: number;
  ndcg: number;
  mrr: number;
  ranked: number;
}

/** River's SGD defaults in streamlearn's ½r² convention: River's SGD(0.01) steps on r², its l2 0.002 on ½·l2·w². */
export const RIVER_SETTINGS = { factors: 10, learningRate: 0.02, biasLearningRate: 0.02, l2Bias: 0.001, l2Factors: 0.001, initStd: 0.1 };
export const RIVER_PEER_SETTINGS = { nFactors: 10, learningRate: 0.01, l2: 0.002, initStd: 0.1 };
const ADAGRAD_SETTINGS = { factors: 10, optimizer: 'adagrad', learningRate: 0.3 } as const;

/** Events learned once on a throwaway model before timing. */
export const WARMUP_EVENTS = 20_000;
/** No further timed pass once the passes add up to this. */
export const REPEAT_BUDGET_SECONDS = 3;

interface Tool {
  name: string;
  feedback: 'explicit' | 'implicit';
  create(seed: number): Recommender;
}

const TOOLS: Tool[] = [
  { name: 'streamlearn BiasedMF (River SGD)', feedback: 'explicit', create: (seed) => createBiasedMF({ ...RIVER_SETTINGS, seed }) },
  { name: 'streamlearn BiasedMF (AdaGrad)', feedback: 'explicit', create: (seed) => createBiasedMF({ ...ADAGRAD_SETTINGS, seed }) },
  {
    name: 'streamlearn FactorizationMachine (device; category)',
    feedback: 'explicit',
    create: (seed) =>
      createFactorizationMachine({ factors: 10, userFields: ['device'], itemFields: ['category'], optimizer: 'adagrad', learningRate: 0.3, seed }),
  },
  { name: 'streamlearn BprMF', feedback: 'implicit', create: (seed) => createBprMF({ factors: 10, negatives: 4, seed }) },
  { name: 'popularity', feedback: 'implicit', create: () => createPopularity() },
];

/** Predict then learn every event, as the peers do; returns RMSE and MAE of the predictions. */
function predictThenLearn(model: Recommender, events: GeneratedRecoEvent[], ys: Float64Array, count: number): { rmse: number; mae: number } {
  let squares = 0;
  let absolute = 0;
  for (let i = 0; i < count; i++) {
    const error = model.predictOne(events[i]) - ys[i];
    squares += error * error;
    absolute += Math.abs(error);
    model.learnOne(events[i], ys[i]);
  }
  return { rmse: Math.sqrt(squares / count), mae: absolute / count };
}

/**
 * Times a tool: a warm-up pass over the first events, then up to `repeats` passes over the stream, each on
 * a fresh model; the fastest counts. A separate pass ranks every `rankEvery`-th event's item before
 * learning it (`evaluateRecommender`), so that ranking never weighs on the timing.
 */
function measure(tool: Tool, workload: RecoWorkload, repeats: number, seed: number): RecoRun {
  const { events } = workload;
  const ys = tool.feedback === 'explicit' ? workload.ratings : workload.strengths;
  const ranking = evaluateRecommender(events, tool.create(seed), { feedback: tool.feedback, rankEvery: workload.rankEvery });
  const base = {
    tool: tool.name,
    feedback: tool.feedback,
    n: events.length,
    hitRate: ranking.hitRate,
    ndcg: ranking.ndcg,
    mrr: ranking.mrr,
    ranked: ranking.ranked,
  };
  if (tool.feedback === 'implicit') return { ...base, seconds: null, cpuSeconds: null, rmse: null, mae: null };
  predictThenLearn(tool.create(seed), events, ys, Math.min(events.length, WARMUP_EVENTS));
  let best: RecoRun | null = null;
  let spent = 0;
  for (let r = 0; r < repeats && spent < REPEAT_BUDGET_SECONDS; r++) {
    const model = tool.create(seed);
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { rmse, mae } = predictThenLearn(model, events, ys, events.length);
    const seconds = (performance.now() - start) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    spent += seconds;
    if (best === null || seconds < (best.seconds as number)) best = { ...base, seconds, cpuSeconds: (user + system) / 1e6, rmse, mae };
  }
  return best as RecoRun;
}

export function runJsTools(workload: RecoWorkload, repeats: number, seed: number): RecoRun[] {
  return TOOLS.map((tool) => {
    process.stderr.write(`${tool.name}\n`);
    return measure(tool, workload, repeats, seed);
  });
}
