import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KafkaConnection } from '../../../connectors/kafka/connection';
import { errorMessage } from '../../errors';
import { projectRoot } from '../../paths';
import type { DriftRecord } from '../../topology/drift-record';

/**
 * What the main job shows beside the trainer, on a thread of its own: the model subscriber (it rebuilds
 * every version: open, verify, `fromState`), the drift watch and the dashboard with its five topic readers.
 * On the trainer's event loop they cost a quarter of its CPU and made it wait for their fetches; on a worker
 * they use the machine's second core (docs/performance.md, "Stop 21").
 */
export interface WatchConfig {
  connection: KafkaConnection;
  /** The run's topic prefix: the dashboard shows only this run's topology. */
  prefix: string;
  modelTopic: string;
  modelId: string;
  driftTopic: string;
  /** The event the demo drifts at, to say how late a detection was. */
  driftAt: number;
  dashboardPort?: number;
}

/** Worker → job. */
export type WatchMessage =
  | { type: 'log'; line: string }
  | { type: 'dashboard'; url: string | null }
  | { type: 'version'; version: number; latencyMs: number }
  | { type: 'detection'; record: DriftRecord }
  | { type: 'done'; command: WatchCommand['type'] };

/** Job → worker. The drift topic exists only once the topology runs, hence its own command. */
export type WatchCommand = { type: 'watch-drift' } | { type: 'stop-following' } | { type: 'close' };

/** Publish → subscriber latencies kept for the summary (the latest ones). */
const MAX_LATENCIES = 1000;

export interface StartWatch {
  dashboardUrl: string | undefined;
  /** Versions the subscriber rebuilt, the newest, and the latencies of those after the first (the latest at subscribe). */
  versions: { count: number; last: number; latencies: number[] };
  /** Rises of the error the drift watch read. */
  detections: DriftRecord[];
  watchDrift(): void;
  /** Stops the subscriber and the drift watch; the dashboard stays. */
  stopFollowing(): Promise<void>;
  close(): Promise<void>;
}

/** The offset a detection names, and its delay after the drift the demo injected (events, by offset). */
export function describeDetection(record: DriftRecord, driftAt: number): string {
  const delay = Number(record.offset) - driftAt;
  const when = delay >= 0 ? `${delay} events after the injected drift` : `${-delay} events before the injected drift (a false alarm)`;
  return `${record.detector} detected a rise of the error at offset ${record.offset}, ${when}; statistic ${record.statistic.toFixed(3)} > ${record.threshold}`;
}

/**
 * The compiled worker beside this module; run from the TypeScript sources (Jest), the one in dist/, which
 * a test builds first (a worker thread runs JavaScript only).
 */
function workerFile(): string {
  const beside = join(__dirname, 'start-watch-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(projectRoot(), 'dist', 'src', 'cli', 'commands', 'start-watch-worker.js');
  if (!existsSync(built)) throw new Error(`the main job's watcher ${built} is missing: run \`npm run build\``);
  return built;
}

/** Starts the watchers' thread; resolves once its dashboard is up (or known not to be). */
export function startWatch(config: WatchConfig, log: (line: string) => void): Promise<StartWatch> {
  const worker = new Worker(workerFile(), { workerData: config });
  const versions = { count: 0, last: 0, latencies: [] as number[] };
  const detections: DriftRecord[] = [];
  const waiting = new Map<WatchCommand['type'], () => void>();
  let exited = false;
  let started = false;
  const send = (command: WatchCommand) =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      waiting.set(command.type, resolve);
      worker.postMessage(command);
    });
  return new Promise((resolve, reject) => {
    const handle: StartWatch = {
      dashboardUrl: undefined,
      versions,
      detections,
      watchDrift: () => void send({ type: 'watch-drift' }),
      stopFollowing: () => send({ type: 'stop-following' }),
      close: () => send({ type: 'close' }).then(() => worker.terminate().then(() => undefined)),
    };
    worker.on('message', (message: WatchMessage) => {
      if (message.type === 'log') log(message.line);
      else if (message.type === 'dashboard') {
        started = true;
        resolve(Object.assign(handle, { dashboardUrl: message.url ?? undefined }));
      } else if (message.type === 'version') {
        if (versions.count++ > 0) versions.latencies.push(message.latencyMs);
        if (versions.latencies.length > MAX_LATENCIES) versions.latencies.shift();
        versions.last = message.version;
      } else if (message.type === 'detection') detections.push(message.record);
      else waiting.get(message.command)?.();
    });
    // Before the dashboard is up, the failure is the job's (the start fails with it); after, one line says so.
    worker.on('error', (err) => (!started ? reject(err) : log(`  the subscriber, drift watch and dashboard stopped: ${errorMessage(err)}`)));
    worker.on('exit', () => {
      exited = true;
      for (const done of waiting.values()) done();
    });
  });
}
