import type { TopicSize } from './topic-size';
import type { VersionPoint } from './versions';

export const PARTITIONS = 4;
/** `none`: one process checkpointing as usual (every 10k records or 5 s), the reference; `1s`, `10k`: mixing cadences. */
export const CADENCES = ['none', '1s', '10k'] as const;

export interface Setup {
  name: string;
  workers: number;
  cadence: (typeof CADENCES)[number];
  args: string[];
  /** The workers' NODE_OPTIONS (`--node-options`), when given, and which variant of them (its own group and topics). */
  nodeOptions?: string;
  variant?: number;
  /** Bytes per partition a fetch asks for (`--fetch-kb`), when given. */
  fetchBytes?: number;
}

export interface Outcome {
  setup: Setup;
  /** Which of the interleaved runs (`--repeat`). */
  round?: number;
  /** Records consumed by the group in the timed window, and its length. */
  records: number;
  seconds: number;
  /** The workers' CPU in the window, and their mean event-loop busy share (0–1). */
  cpuSeconds: number;
  /** The workers' main threads alone (learning runs there; GC and I/O threads are the rest of `cpuSeconds`). */
  mainCpuSeconds: number;
  /** The workers' CPU in the window by thread kind (main, v8-worker, libuv+later, …; bench/scale/probe.ts), summed over workers. */
  threadCpuSeconds: Record<string, number>;
  /** Main-thread garbage collections in the window, summed over workers: "<kind> count" and "<kind> s" (pause seconds). */
  gc: Record<string, number>;
  busy: number;
  /** CPU-seconds per second in the window: the broker JVM, the bench process, the whole machine. */
  brokerCores: number;
  /** The broker's CPU-seconds per second before the workers started (a cost per second, not per record). */
  brokerIdleCores: number;
  benchCores: number;
  machineCores: number;
  mixCpuSeconds: number;
  /** Mixing CPU (ms) per part over all workers, and records learned again on adoption (`carryOnto`). */
  mixParts: Record<string, number>;
  relearned: number;
  totalCpuSeconds: number;
  /** What the run wrote to the mix topic and the model topic, over the whole stream of `learned` records. */
  mix: TopicSize;
  model: TopicSize;
  learned: number;
  points: VersionPoint[];
}

const plural = (workers: number) => `${workers} worker${workers > 1 ? 's' : ''}`;

/**
 * The setups asked for, in the order they run: the reference first, then by workers and cadence; each once per
 * NODE_OPTIONS variant (`--node-options 'A|B'`, '' for none), so that flags are compared in the same run.
 */
export function setupsFor(workers: number[], cadences: readonly string[], nodeOptions: string[] = [''], fetchKb: number[] = [0]): Setup[] {
  const variants = nodeOptions.flatMap((options) => fetchKb.map((kb) => ({ options, kb })));
  return variants.flatMap(({ options, kb }, variant) =>
    setupsOf(workers, cadences).map((setup) => {
      const tags = [options, kb > 0 ? `fetch ${kb} KiB` : ''].filter(Boolean);
      const name = tags.length > 0 ? `${setup.name} [${tags.join(', ')}]` : setup.name;
      return { ...setup, name, variant, ...(options ? { nodeOptions: options } : {}), ...(kb > 0 ? { fetchBytes: kb * 1024 } : {}) };
    }),
  );
}

function setupsOf(workers: number[], cadences: readonly string[]): Setup[] {
  const setups: Setup[] = [];
  if (cadences.includes('none')) setups.push({ name: '1 process, no mixing (checkpoints every 10k / 5 s)', workers: 1, cadence: 'none', args: [] });
  for (const n of workers) {
    if (cadences.includes('1s')) setups.push({ name: `${plural(n)}, mix every 1 s`, workers: n, cadence: '1s', args: ['--mix-every-ms', '1000'] });
    // A 5 s time cadence too: the stream's tail (under 10k records per worker) is mixed as well.
    if (cadences.includes('10k'))
      setups.push({
        name: `${plural(n)}, mix every 10k records`,
        workers: n,
        cadence: '10k',
        args: ['--mix-every-records', '10000', '--mix-every-ms', '5000'],
      });
  }
  return setups;
}
