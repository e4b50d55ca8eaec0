import type { BenchTable, Cell } from '../report';
import type { ToolRun } from './js-tools';

export interface WorkloadRuns {
  workload: string;
  runs: ToolRun[];
}

/** Each peer is compared with streamlearn configured as it is: River's SGD, or VW's normalized update. */
const PAIRS: readonly { peer: string; ours: string }[] = [
  { peer: 'River', ours: 'streamlearn' },
  { peer: 'sklearn partial_fit', ours: 'streamlearn' },
  { peer: 'VW pylibvw', ours: 'streamlearn normalized' },
  { peer: 'VW driver text', ours: 'streamlearn normalized' },
  { peer: 'VW driver cache', ours: 'streamlearn normalized' },
  { peer: 'bare JS', ours: 'streamlearn' },
];

/** Progressive metrics closer than this count as equal: float rounding, not learning. */
export const METRIC_TOLERANCE = 1e-4;

/** "Same order as VW's CLI": within half an order of magnitude. */
const SAME_ORDER = 1 / Math.sqrt(10);

const rate = (run: ToolRun) => run.n / run.seconds;

function find(runs: ToolRun[], tool: string): ToolRun | undefined {
  return runs.find((run) => run.tool === tool);
}

export function throughputTable(all: WorkloadRuns[]): BenchTable {
  return {
    title: 'Throughput and progressive metric (log loss; RMSE for linear-32)',
    columns: ['workload', 'tool', 'examples', 'examples/s', 'examples/CPU-s', 'metric'],
    rows: all.flatMap(({ workload, runs }) =>
      runs.map((run) => ({
        workload,
        tool: run.tool,
        examples: run.n,
        'examples/s': Math.round(rate(run)),
        'examples/CPU-s': Math.round(run.n / run.cpuSeconds),
        metric: run.metric,
      })),
    ),
  };
}

function verdict(ours: number | null, peer: number | null): Cell {
  if (ours === null || peer === null) return null;
  return ours <= peer + METRIC_TOLERANCE ? 'yes' : 'no';
}

export function ratioTable(all: WorkloadRuns[]): BenchTable {
  const rows: Record<string, Cell>[] = [];
  for (const { workload, runs } of all) {
    for (const { peer, ours } of PAIRS) {
      const theirs = find(runs, peer);
      const mine = find(runs, ours);
      if (theirs === undefined || mine === undefined) continue;
      rows.push({
        workload,
        peer,
        streamlearn: ours,
        'speed ÷ peer': rate(mine) / rate(theirs),
        'our metric': mine.metric,
        'peer metric': theirs.metric,
        'at least as good': verdict(mine.metric, theirs.metric),
      });
    }
  }
  return {
    title: 'streamlearn ÷ peer (examples/s), and whether its progressive metric is at least as good',
    columns: ['workload', 'peer', 'streamlearn', 'speed ÷ peer', 'our metric', 'peer metric', 'at least as good'],
    rows,
  };
}

interface Target {
  target: string;
  ours: string;
  /** What is measured on one workload; null when the workload does not apply. */
  measure: (runs: ToolRun[], workload: string) => number | null;
  met: (value: number) => boolean;
}

function ratioTo(peer: string, ours: string) {
  return (runs: ToolRun[]) => {
    const theirs = find(runs, peer);
    const mine = find(runs, ours);
    return theirs === undefined || mine === undefined ? null : rate(mine) / rate(theirs);
  };
}

function hashedRate(ours: string) {
  return (runs: ToolRun[], workload: string) => {
    const mine = find(runs, ours);
    return workload.startsWith('hashed') && mine !== undefined ? rate(mine) : null;
  };
}

const TARGETS: readonly Target[] = [
  { target: '≥ 20× River', ours: 'streamlearn', measure: ratioTo('River', 'streamlearn'), met: (v) => v >= 20 },
  { target: '≥ 3× sklearn partial_fit (batch 1,000)', ours: 'streamlearn', measure: ratioTo('sklearn partial_fit', 'streamlearn'), met: (v) => v >= 3 },
  { target: '≥ 1M examples/s per core, hashed', ours: 'streamlearn', measure: hashedRate('streamlearn'), met: (v) => v >= 1e6 },
  { target: '≥ 1M examples/s per core, hashed', ours: 'streamlearn learn-only', measure: hashedRate('streamlearn learn-only'), met: (v) => v >= 1e6 },
  {
    target: 'same order as VW driver on a cache (≥ 0.32×)',
    ours: 'streamlearn normalized',
    measure: ratioTo('VW driver cache', 'streamlearn normalized'),
    met: (v) => v >= SAME_ORDER,
  },
];

export function targetTable(all: WorkloadRuns[]): BenchTable {
  const rows: Record<string, Cell>[] = [];
  for (const { target, ours, measure, met } of TARGETS) {
    for (const { workload, runs } of all) {
      const value = measure(runs, workload);
      if (value !== null) rows.push({ target, workload, streamlearn: ours, measured: value, met: met(value) ? 'yes' : 'no' });
    }
  }
  return { title: 'Targets', columns: ['target', 'workload', 'streamlearn', 'measured', 'met'], rows };
}
