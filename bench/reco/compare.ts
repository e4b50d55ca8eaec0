import type { BenchTable, Cell } from '../report';
import type { RecoRun } from './js-tools';
import type { LatencyRun } from './latency';

/** The goal of issue #7: at least this many times River's events/s, with an RMSE no worse. */
export const SPEED_TARGET = 20;
/** RMSEs closer than this count as equal: initialisation noise, not learning. */
export const RMSE_TOLERANCE = 0.005;

const rate = (run: RecoRun): number | null => (run.seconds === null ? null : run.n / run.seconds);
const cpuRate = (run: RecoRun): number | null => (run.cpuSeconds === null ? null : run.n / run.cpuSeconds);
const ratio = (ours: number | null, theirs: number | null): number | null => (ours === null || theirs === null ? null : ours / theirs);

export function runsTable(runs: RecoRun[]): BenchTable {
  return {
    title: 'Predict-then-learn speed and prequential accuracy, same stream (ranking metrics on every n-th event, ranked before it is learned)',
    columns: ['tool', 'feedback', 'events', 'events/s', 'events/CPU-s', 'RMSE', 'MAE', 'HitRate@10', 'NDCG@10', 'MRR', 'ranked'],
    rows: runs.map((run) => ({
      tool: run.tool,
      feedback: run.feedback,
      events: run.n,
      'events/s': rate(run) === null ? null : Math.round(rate(run) as number),
      'events/CPU-s': run.cpuSeconds === null ? null : Math.round(run.n / run.cpuSeconds),
      RMSE: run.rmse,
      MAE: run.mae,
      'HitRate@10': run.hitRate,
      'NDCG@10': run.ndcg,
      MRR: run.mrr,
      ranked: run.ranked,
    })),
  };
}

const PAIRS = [
  { ours: 'streamlearn BiasedMF (River SGD)', peer: 'River BiasedMF' },
  { ours: 'streamlearn BiasedMF (AdaGrad)', peer: 'River BiasedMF' },
  { ours: 'streamlearn BiasedMF (River SGD)', peer: 'River FunkMF' },
  { ours: 'streamlearn BprMF', peer: 'popularity' },
];

export function ratioTable(runs: RecoRun[]): BenchTable {
  const find = (tool: string) => runs.find((run) => run.tool === tool);
  const rows: Record<string, Cell>[] = [];
  for (const { ours, peer } of PAIRS) {
    const mine = find(ours);
    const theirs = find(peer);
    if (mine === undefined || theirs === undefined) continue;
    const cpuSpeed = ratio(cpuRate(mine), cpuRate(theirs));
    const rmseOk = mine.rmse !== null && theirs.rmse !== null ? mine.rmse <= theirs.rmse + RMSE_TOLERANCE : null;
    rows.push({
      streamlearn: ours,
      peer,
      'speed ÷ peer': ratio(rate(mine), rate(theirs)),
      'CPU speed ÷ peer': cpuSpeed,
      [`≥ ${SPEED_TARGET}×`]: cpuSpeed === null ? null : cpuSpeed >= SPEED_TARGET ? 'yes' : 'no',
      'RMSE ours / peer': mine.rmse === null || theirs.rmse === null ? null : `${mine.rmse.toFixed(4)} / ${theirs.rmse.toFixed(4)}`,
      'RMSE at least as good': rmseOk === null ? null : rmseOk ? 'yes' : 'no',
      'HitRate@10 ÷ peer': mine.hitRate / theirs.hitRate,
      'NDCG@10 ÷ peer': mine.ndcg / theirs.ndcg,
    });
  }
  return {
    title: `streamlearn ÷ peer: events/s, wall and per CPU-second (target ≥ ${SPEED_TARGET}× River, judged per CPU-second), and accuracy`,
    columns: [
      'streamlearn',
      'peer',
      'speed ÷ peer',
      'CPU speed ÷ peer',
      `≥ ${SPEED_TARGET}×`,
      'RMSE ours / peer',
      'RMSE at least as good',
      'HitRate@10 ÷ peer',
      'NDCG@10 ÷ peer',
    ],
    rows,
  };
}

export function latencyTable(runs: LatencyRun[]): BenchTable {
  return {
    title: 'recommend(user, 10, { exclude: 20 items }) over the whole catalog, one call at a time',
    columns: ['model', 'items', 'factors', 'calls', 'p50 ms', 'p95 ms', 'max ms', 'items scored/s'],
    rows: runs.map((run) => ({
      model: run.model,
      items: run.items,
      factors: run.factors,
      calls: run.calls,
      'p50 ms': run.p50Ms,
      'p95 ms': run.p95Ms,
      'max ms': run.maxMs,
      'items scored/s': Math.round(run.itemsPerSecond),
    })),
  };
}
