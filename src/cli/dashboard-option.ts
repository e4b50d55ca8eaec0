import type { KafkaConnection } from '../../connectors/kafka/client';
import { startDashboard, type Dashboard } from '../observability/dashboard/server';
import { errorMessage } from '../errors';

/** The port the main job's dashboard asks for first. */
export const DEMO_DASHBOARD_PORT = 8080;

/**
 * How long the main job's watchers (subscriber, drift watch, the dashboard's readers) let the broker hold
 * a fetch on an idle topic. A fetch asks for one byte, so a new record ends the wait at once: the publish →
 * subscriber latency does not grow. At readTopic's 100 ms, seven idle readers sent ~70 fetches a second, and
 * their socket writes were the watcher thread's largest cost after GC (846 ms of writeBuffer in 38 s,
 * docs/performance.md, "Stop 23"), on the two cores the trainer and the broker share.
 */
export const WATCH_FETCH_WAIT_MS = 1000;

/**
 * The main job's dashboard, on loopback, showing only this run's topology. A taken port 8080 (another
 * dashboard, a test) falls back to a free one rather than failing the job; a port given explicitly must be free.
 */
export async function startDemoDashboard(
  connection: KafkaConnection,
  prefix: string,
  port: number | undefined,
  log: (line: string) => void,
): Promise<Dashboard | undefined> {
  const tryPort = (p: number) => startDashboard({ ...connection, prefix, port: p, followWaitMs: WATCH_FETCH_WAIT_MS, log });
  let dashboard: Dashboard;
  try {
    dashboard = await tryPort(port ?? DEMO_DASHBOARD_PORT);
  } catch (err) {
    if (port !== undefined) throw err;
    try {
      dashboard = await tryPort(0);
    } catch (second) {
      log(`no dashboard: ${errorMessage(second)}`);
      return undefined;
    }
  }
  log(`dashboard at ${dashboard.url}`);
  return dashboard;
}
