import { readTopic } from '../../connectors/kafka/topic-reader';
import { createCheckpointAssembler } from '../../src/checkpoints/records';
import type { Row } from '../../src/features/stage';
import type { ModelState } from '../../src/state';
import { fromState } from '../../src/learners/registry';

/** One version as this process received it, with the held-back error of its model. */
export interface VersionPoint {
  version: number;
  examplesSeen: number;
  /** The version's `createdAt` (ms since the epoch). */
  createdAt: number;
  receivedAt: number;
  /** Held-back RMSE, filled in by `score()` once the run is over (scoring while it runs would take the cores it is timed on). */
  rmse: number;
  state: ModelState;
  workers: number;
  /** Summed CPU seconds of the workers when it was received. */
  workersCpu: number;
  offsets: Map<number, string>;
}

export interface VersionFollower {
  points: VersionPoint[];
  /** Resolves with the first version whose offsets reach `ends` on every partition. */
  covering(ends: Map<number, string>, timeoutMs: number): Promise<VersionPoint>;
  /** Scores every version received on the held-back rows. */
  score(): void;
  stop(): void;
}

function rmse(model: { predictOne(row: Row): number }, rows: Row[]): number {
  let sum = 0;
  for (const row of rows) sum += (model.predictOne(row) - (row.y as number)) ** 2;
  return Math.sqrt(sum / rows.length);
}

/** Follows a model topic, keeping each new version of `modelId` to score on `heldBack` later. */
export function followVersions(brokers: string[], topic: string, modelId: string, heldBack: Row[], workersCpu: () => number): VersionFollower {
  const assembler = createCheckpointAssembler({ modelId });
  const points: VersionPoint[] = [];
  const waiters: Array<() => void> = [];
  const subscription = readTopic({ brokers, topic, follow: true }).subscribe({
    next: (event) => {
      if (event.type !== 'record') return;
      const checkpoint = assembler.push(event.record, `${topic}@${event.record.offset}`);
      if (!checkpoint) return;
      const { manifest } = checkpoint;
      points.push({
        version: manifest.version,
        examplesSeen: manifest.examplesSeen,
        createdAt: Date.parse(manifest.createdAt),
        receivedAt: Date.now(),
        rmse: NaN,
        state: checkpoint.state,
        workers: (manifest.extra?.mix as { members?: number } | undefined)?.members ?? 1,
        workersCpu: workersCpu(),
        offsets: new Map(manifest.offsets.map((o) => [o.partition, o.offset])),
      });
      waiters.splice(0).forEach((wake) => wake());
    },
    error: (err: unknown) => process.stderr.write(`following ${topic} failed: ${String(err)}\n`),
  });
  return {
    points,
    async covering(ends, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = points.find((p) => [...ends].every(([partition, end]) => end === '0' || p.offsets.get(partition) === end));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no version of ${modelId} covered every partition's end within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000);
        });
      }
    },
    score: () => points.forEach((p) => (p.rmse = rmse(fromState<Row>(p.state), heldBack))),
    stop: () => subscription.unsubscribe(),
  };
}
