/** The main job's watcher thread (start-watch.ts): the model subscriber, the drift watch and the dashboard. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Subscription } from 'rxjs';
import { readTopic } from '../../../connectors/kafka/topic-reader';
import { subscribeModel } from '../../checkpoints/subscribe';
import { errorMessage } from '../../errors';
import { parseDriftRecord, type DriftRecord } from '../../topology/drift-record';
import { startDemoDashboard, WATCH_FETCH_WAIT_MS } from '../dashboard-option';
import { describeVersion } from './models';
import { describeDetection, type WatchCommand, type WatchConfig, type WatchMessage } from './start-watch';

const port = parentPort!;
const config = workerData as WatchConfig;
const post = (message: WatchMessage) => port.postMessage(message);
const log = (line: string) => post({ type: 'log', line });

function followModel(): Subscription {
  return subscribeModel({ ...config.connection, topic: config.modelTopic, modelId: config.modelId, maxWaitMs: WATCH_FETCH_WAIT_MS }).subscribe({
    next: (version) => {
      const latencyMs = version.receivedAt - Date.parse(version.manifest.createdAt);
      post({ type: 'version', version: version.manifest.version, latencyMs });
      log(`  subscriber ← ${describeVersion(version.manifest, latencyMs)}`);
    },
    error: (err: unknown) => log(`  subscriber stopped: ${errorMessage(err)}`),
  });
}

function watchDrift(): Subscription {
  const topic = config.driftTopic;
  return readTopic({ ...config.connection, topic, follow: true, maxWaitMs: WATCH_FETCH_WAIT_MS }).subscribe({
    next: (event) => {
      if (event.type !== 'record' || event.record.value === null) return;
      let record: DriftRecord;
      try {
        record = parseDriftRecord(event.record.value, `${topic}@${event.record.offset}`);
      } catch (err) {
        return log(`  drift ← skipped ${errorMessage(err)}`);
      }
      if (record.direction !== 'up') return;
      post({ type: 'detection', record });
      log(`  drift ← ${describeDetection(record, config.driftAt)}`);
    },
    error: (err: unknown) => log(`  drift watch stopped: ${errorMessage(err)}`),
  });
}

async function main(): Promise<void> {
  const dashboard = await startDemoDashboard(config.connection, config.prefix, config.dashboardPort, log);
  const following = [followModel()];
  port.on('message', (command: WatchCommand) => {
    if (command.type === 'watch-drift') following.push(watchDrift());
    if (command.type === 'stop-following') following.forEach((subscription) => subscription.unsubscribe());
    const closing = command.type === 'close' ? dashboard?.close() : undefined;
    void Promise.resolve(closing).finally(() => post({ type: 'done', command: command.type }));
  });
  post({ type: 'dashboard', url: dashboard?.url ?? null });
}

// A failure (a dashboard port given explicitly and taken) ends the thread with it: the job's start fails.
void main();
