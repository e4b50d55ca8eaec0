import { errorMessage } from '../../src/errors';
import { describeConnection, type KafkaConnection } from './connection';
import { probeBrokers } from './probe';

export interface BrokerWatch {
  /** When the brokers stopped answering, or undefined while they answer. */
  unreachableSince(): number | undefined;
  stop(): void;
}

export interface BrokerWatchOptions {
  /** How often the brokers are asked, and so how often an outage is reported. Default 5000. */
  intervalMs?: number;
  /** Receives one line per interval while the brokers are unreachable, and one when they answer again. */
  log(line: string): void;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * Asks the brokers for their metadata every interval, on a connection of its own, so that an outage is
 * seen and reported while the clients of the runtime wait and retry in silence (kafkajs logs nothing at
 * our log level, and a consumer that cannot fetch emits nothing).
 */
export function watchBrokers(connection: KafkaConnection, { intervalMs = 5000, log }: BrokerWatchOptions): BrokerWatch {
  let since: number | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const where = describeConnection(connection);

  async function check(): Promise<void> {
    const started = Date.now();
    try {
      await probeBrokers(connection, { timeoutMs: intervalMs });
      const down = since;
      // Cleared before logging, so that what the log line triggers (a progress line) sees the broker back.
      since = undefined;
      if (down !== undefined && !stopped) log(`broker ${where} reachable again after ${Math.round((Date.now() - down) / 1000)} s`);
    } catch (err) {
      since ??= started;
      if (!stopped) log(`broker unreachable since ${clock(since)} (${Math.round((Date.now() - since) / 1000)} s): ${errorMessage(err)}`);
    }
    if (!stopped) timer = setTimeout(() => void check(), Math.max(0, intervalMs - (Date.now() - started))).unref();
  }
  timer = setTimeout(() => void check(), intervalMs);
  timer.unref();

  return {
    unreachableSince: () => since,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** "broker unreachable since 12:00:01 (35 s)", for progress lines. */
export function unreachableNote(since: number, now = Date.now()): string {
  return `broker unreachable since ${clock(since)} (${Math.round((now - since) / 1000)} s)`;
}
