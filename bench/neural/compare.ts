import type { BenchTable, Cell } from '../report';
import type { TrainingRun } from './runs';
import { WORKLOADS } from './workloads';

const rate = (run: TrainingRun): number => run.samples / run.seconds;
const isPeer = (tool: string): boolean => tool.startsWith('PyTorch') || tool.startsWith('Keras');
const isStreamlearn = (tool: string): boolean => tool.startsWith('streamlearn');

function tools(runs: readonly TrainingRun[], keep: (tool: string) => boolean): string[] {
  return [...new Set(runs.map((run) => run.tool).filter(keep))];
}

function find(runs: readonly TrainingRun[], workload: string, tool: string): TrainingRun | undefined {
  return runs.find((run) => run.workload === workload && run.tool === tool);
}

export function throughputTable(runs: readonly TrainingRun[]): BenchTable {
  return {
    title: 'MLP training throughput (Adam, binary cross-entropy) and loss over the last quarter of the pass',
    columns: ['workload', 'tool', 'samples/s', 'samples/CPU-s', 'loss'],
    rows: runs.map((run) => ({
      workload: run.workload,
      tool: run.tool,
      'samples/s': Math.round(rate(run)),
      'samples/CPU-s': Math.round(run.samples / run.cpuSeconds),
      loss: run.loss,
    })),
  };
}

/** Every TensorFlow.js tool against every peer: samples/s ÷ samples/s. */
export function ratioTable(runs: readonly TrainingRun[]): BenchTable {
  const peers = tools(runs, isPeer);
  const ours = tools(runs, (tool) => !isPeer(tool));
  const rows: Record<string, Cell>[] = [];
  for (const { name } of WORKLOADS) {
    for (const tool of ours) {
      const mine = find(runs, name, tool);
      if (mine === undefined) continue;
      const row: Record<string, Cell> = { workload: name, tool };
      for (const peer of peers) {
        const theirs = find(runs, name, peer);
        row[`÷ ${peer}`] = theirs === undefined ? null : rate(mine) / rate(theirs);
      }
      rows.push(row);
    }
  }
  return { title: 'Throughput ratios (TensorFlow.js side ÷ peer)', columns: ['workload', 'tool', ...peers.map((p) => `÷ ${p}`)], rows };
}

/** The fastest run among `tools` on a workload. */
function fastest(runs: readonly TrainingRun[], workload: string, keep: (tool: string) => boolean): TrainingRun | undefined {
  return runs.filter((run) => run.workload === workload && keep(run.tool)).sort((a, b) => rate(b) - rate(a))[0];
}

/**
 * The targets of issue #5: streamlearn (its fastest backend) at least half as fast as PyTorch on one thread
 * on 32-64-64-1 at batch 256, and at least as fast as Keras `train_on_batch` (its faster thread setting).
 */
export function targetTable(runs: readonly TrainingRun[]): BenchTable {
  const rows: Record<string, Cell>[] = [];
  const target = (workload: string, peerName: string, keepPeer: (tool: string) => boolean, wanted: number): void => {
    const mine = fastest(runs, workload, isStreamlearn);
    const theirs = fastest(runs, workload, keepPeer);
    if (mine === undefined || theirs === undefined) return;
    const ratio = rate(mine) / rate(theirs);
    rows.push({ target: `≥ ${wanted}× ${peerName}`, workload, streamlearn: mine.tool, peer: theirs.tool, ratio, met: ratio >= wanted ? 'yes' : 'no' });
  };
  const small = WORKLOADS.find((w) => w.hidden === 64 && w.batch === 256);
  if (small !== undefined) target(small.name, 'PyTorch, 1 thread', (tool) => tool === 'PyTorch 1T', 0.5);
  for (const { name } of WORKLOADS) target(name, 'Keras train_on_batch', (tool) => tool.startsWith('Keras'), 1);
  return { title: 'Targets', columns: ['target', 'workload', 'streamlearn', 'peer', 'ratio', 'met'], rows };
}
