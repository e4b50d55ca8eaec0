import { unreachableNote } from '../../connectors/kafka/broker-watch';
import type { TopologyProgress } from '../topology/run-topology';

const compact = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));

/** One status line: throughput, lag per partition, metrics and model versions; first, if so, since when the broker is unreachable. */
export function progressLine(progress: TopologyProgress, now = Date.now(), brokerUnreachableSince?: number): string {
  const seconds = Math.max(0.001, (now - progress.startedAt) / 1000);
  const lag = Object.entries(progress.lag)
    .map(([tp, value]) => `${tp.split('/').pop()}:${value}`)
    .join(' ');
  const metrics = Object.entries(progress.metrics)
    .filter(([, v]) => Number.isFinite(v))
    .map(([name, v]) => `${name}=${compact(v)}`)
    .join(' ');
  const versions = Object.entries(progress.versions)
    .map(([id, v]) => `${id}@v${v}`)
    .join(' ');
  const outage = brokerUnreachableSince === undefined ? '' : `${unreachableNote(brokerUnreachableSince, now)} | `;
  return `${outage}${progress.records} rec (${compact(progress.records / seconds)}/s) dlq=${progress.deadLettered} lag[${lag}] ${metrics} ${versions}`;
}

/** Rewrites one line in place on a TTY; elsewhere prints at most one line per `everyMs`. */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, everyMs = 1000) {
  let last = 0;
  return {
    update(line: string, force = false) {
      const now = Date.now();
      if (stream.isTTY) {
        if (now - last < 100 && !force) return;
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 160) - 1)}`);
      } else if (now - last >= everyMs || force) {
        stream.write(`${line}\n`);
      } else return;
      last = now;
    },
    /** A line of its own, kept above the progress line on a TTY. */
    log(line: string) {
      stream.write(stream.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
      last = 0;
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
