import type { BenchTable, Cell } from '../report';
import { perCpuSecond, perSecond, type Measurement } from './measure';

export type Format = 'JSON' | 'Arrow';
export type Direction = 'produce' | 'consume';

export interface IoRow {
  format: Format;
  direction: Direction;
  tool: string;
  measurement: Measurement;
  bytesPerRecord: number;
}

/** Derived per-core ceilings from the performance anchors: Kafka decode + JSON.parse per message, and Arrow batches of 1,000 rows. */
const ANCHORS: Readonly<Record<Format, number>> = { JSON: 140_000, Arrow: 2_000_000 };

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function throughputTable(rows: IoRow[]): BenchTable {
  return {
    title: 'Produce and consume throughput (one partition; MB = 10^6 bytes of message values)',
    columns: ['format', 'direction', 'tool', 'records', 'records/s', 'MB/s', 'records/CPU-s', 'startup s', 'busy cores'],
    rows: rows.map(({ format, direction, tool, measurement, bytesPerRecord }) => ({
      format,
      direction,
      tool,
      // As text: the harness prints 999,650 as "1.00e+3k".
      records: measurement.records.toLocaleString('en-US'),
      'records/s': Math.round(perSecond(measurement)),
      'MB/s': round((perSecond(measurement) * bytesPerRecord) / 1e6, 1),
      'records/CPU-s': Number.isFinite(perCpuSecond(measurement)) ? Math.round(perCpuSecond(measurement)) : null,
      'startup s': measurement.startupSeconds === undefined ? null : round(measurement.startupSeconds),
      'busy cores': measurement.span.machineBusyCores === null ? null : round(measurement.span.machineBusyCores),
    })),
  };
}

/** streamlearn's sink and source ÷ kcat, per format and direction, by wall clock and by CPU time. */
export function ratioTable(rows: IoRow[], ours: Record<Direction, string>, theirs: Record<Direction, string>): BenchTable {
  const find = (format: Format, direction: Direction, tool: string) => rows.find((r) => r.format === format && r.direction === direction && r.tool === tool);
  const table: Record<string, Cell>[] = [];
  for (const format of ['JSON', 'Arrow'] as const) {
    for (const direction of ['produce', 'consume'] as const) {
      const mine = find(format, direction, ours[direction]);
      const peer = find(format, direction, theirs[direction]);
      if (!mine || !peer) continue;
      const cpuRatio = perCpuSecond(mine.measurement) / perCpuSecond(peer.measurement);
      table.push({
        format,
        direction,
        streamlearn: ours[direction],
        kcat: theirs[direction],
        'streamlearn records/s': Math.round(perSecond(mine.measurement)),
        'kcat records/s': Math.round(perSecond(peer.measurement)),
        '÷ kcat, records/s': `${round(perSecond(mine.measurement) / perSecond(peer.measurement))}×`,
        '÷ kcat, records/CPU-s': Number.isFinite(cpuRatio) ? `${round(cpuRatio)}×` : null,
      });
    }
  }
  return {
    title: 'streamlearn ÷ kcat',
    columns: ['format', 'direction', 'streamlearn', 'kcat', 'streamlearn records/s', 'kcat records/s', '÷ kcat, records/s', '÷ kcat, records/CPU-s'],
    rows: table,
  };
}

/** streamlearn's consume + decode against the per-core anchors. */
export function anchorTable(rows: IoRow[], ourConsumer: string): BenchTable {
  return {
    title: 'Consume + decode per core, against the anchors',
    columns: ['format', 'anchor records/s per core', 'streamlearn records/CPU-s', 'streamlearn records/s', '÷ anchor (CPU)'],
    rows: rows
      .filter((row) => row.direction === 'consume' && row.tool === ourConsumer)
      .map(({ format, measurement }) => ({
        format,
        'anchor records/s per core': ANCHORS[format],
        'streamlearn records/CPU-s': Math.round(perCpuSecond(measurement)),
        'streamlearn records/s': Math.round(perSecond(measurement)),
        '÷ anchor (CPU)': `${round(perCpuSecond(measurement) / ANCHORS[format])}×`,
      })),
  };
}
