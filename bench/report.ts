import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { processGcChoice, processHeapGrowingChoice } from '../src/gc-ergonomics';
import type { JsonValue } from '../src/learners/estimator';
import { projectRoot } from '../src/paths';

export type Cell = string | number | boolean | null;

/** Rows are keyed by column; `columns` fixes the order in print. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Record<string, Cell>[];
}

/** What a suite returns: its tables, settings worth keeping (`context`) and notes for the reader. */
export interface BenchResult {
  tables: BenchTable[];
  context?: { [key: string]: JsonValue };
  notes?: string[];
}

export const RESULTS_DIR = join(projectRoot(), 'bench', 'results');

/** Integers and large numbers compact (1.23M, 456k); the rest to 4 significant digits. */
export function formatCell(value: Cell): string {
  if (value === null) return '–';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  // Round first, so that 999,650 reads 1.00M rather than 1.00e+3k.
  const size = Math.abs(Number(value.toPrecision(3)));
  if (size >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (size >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (Number.isInteger(value)) return String(value);
  return value.toPrecision(4);
}

/** A Markdown table with padded columns: readable in a terminal, pasteable into the README. */
export function renderTable(table: BenchTable): string {
  const cells = table.rows.map((row) => table.columns.map((column) => formatCell(row[column] ?? null)));
  const widths = table.columns.map((column, c) => Math.max(column.length, ...cells.map((row) => row[c].length)));
  const line = (values: string[]) => `| ${values.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  return [`### ${table.title}`, '', line(table.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function describeGcChoice(): string {
  const { concurrentMarking, reason } = processGcChoice();
  return `${concurrentMarking} (${reason})`;
}

function describeHeapGrowing(): string {
  const { percent, reason } = processHeapGrowingChoice();
  return `${percent} (${reason})`;
}

function machine(): { [key: string]: JsonValue } {
  return {
    node: process.version,
    // V8 and Node flags change the figures (e.g. --single-threaded-gc, docs/performance.md "Stop 25"): record them.
    nodeFlags: process.execArgv.join(' '),
    // Applied by bench/main.ts as the CLI applies it (src/gc.ts).
    concurrentMarking: describeGcChoice(),
    heapGrowingPercent: describeHeapGrowing(),
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/**
 * Prints the result and writes it as JSON to `<dir>/<suite>-<timestamp>.json` and `<suite>-latest.json`;
 * returns the timestamped path.
 */
export function report(suite: string, result: BenchResult, startedAt: Date, dir = RESULTS_DIR): string {
  const text = [...result.tables.map(renderTable), ...(result.notes ?? []).map((note) => `- ${note}`)].join('\n\n');
  process.stdout.write(`${text}\n`);
  const record = { suite, startedAt: startedAt.toISOString(), machine: machine(), ...result };
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${suite}-${stamp}.json`);
  const json = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(path, json);
  writeFileSync(join(dir, `${suite}-latest.json`), json);
  return path;
}
