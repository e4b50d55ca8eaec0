import { percentile, perCpuSecond, perSecond, type Measurement } from '../io/measure';
import { formatCell, type BenchTable } from '../report';

export interface ThroughputRow {
  input: 'JSON' | 'Arrow' | 'CTR JSON';
  path: string;
  checkpoints: string;
  measurement: Measurement;
  versions: number | null;
  /** records/s of every pass, the fastest of which is `measurement`: the spread shows the machine's noise. */
  passRates: number[];
}

export interface LatencyRow {
  model: string;
  condition: string;
  payloadBytes: number | null;
  publishMs: number[];
  receiveMs: number[];
  missed: number;
  loopDelayP99Ms: number | null;
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const orNull = (value: number, digits = 1): number | null => (Number.isFinite(value) ? round(value, digits) : null);

export function throughputTable(rows: ThroughputRow[]): BenchTable {
  return {
    title: 'End to end: consume → decode → learn (→ checkpoint), one partition',
    columns: ['input', 'path', 'checkpoints', 'records', 'records/s', 'passes, records/s', 'records/CPU-s', 'startup s', 'busy cores', 'versions'],
    rows: rows.map(({ input, path, checkpoints, measurement, versions, passRates }) => ({
      input,
      path,
      checkpoints,
      // As text: the harness prints 999,650 as "1.00e+3k".
      records: measurement.records.toLocaleString('en-US'),
      'records/s': Math.round(perSecond(measurement)),
      'passes, records/s': passRates.length > 1 ? `${formatCell(Math.round(Math.min(...passRates)))}–${formatCell(Math.round(Math.max(...passRates)))}` : null,
      'records/CPU-s': Math.round(perCpuSecond(measurement)),
      'startup s': measurement.startupSeconds === undefined ? null : round(measurement.startupSeconds),
      'busy cores': measurement.span.machineBusyCores === null ? null : round(measurement.span.machineBusyCores),
      versions,
    })),
  };
}

export function latencyTable(rows: LatencyRow[]): BenchTable {
  return {
    title: 'Checkpoint latency (ms): publisher.publish, and publish → subscriber (receivedAt − manifest.createdAt)',
    columns: ['model', 'payload bytes', 'condition', 'versions', 'publish p50', 'publish p99', 'subscriber p50', 'subscriber p99', 'missed', 'loop delay p99'],
    rows: rows.map(({ model, condition, payloadBytes, publishMs, receiveMs, missed, loopDelayP99Ms }) => ({
      model,
      'payload bytes': payloadBytes,
      condition,
      versions: receiveMs.length,
      'publish p50': publishMs.length > 0 ? orNull(percentile(publishMs, 50)) : null,
      'publish p99': publishMs.length > 0 ? orNull(percentile(publishMs, 99)) : null,
      'subscriber p50': orNull(percentile(receiveMs, 50)),
      'subscriber p99': orNull(percentile(receiveMs, 99)),
      missed,
      'loop delay p99': loopDelayP99Ms === null ? null : round(loopDelayP99Ms, 1),
    })),
  };
}

export interface Target {
  target: string;
  measured: string;
  /** 'yes', 'no', or why the measurement cannot decide. */
  met: string;
}

export function targetTable(targets: Target[]): BenchTable {
  return { title: 'Against the targets of issue #4', columns: ['target', 'measured', 'met'], rows: targets.map((target) => ({ ...target })) };
}
