import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { ConfigError } from '../../src/errors';
import { projectRoot } from '../../src/paths';
import { loadAverage } from '../io/measure';
import type { BenchResult } from '../report';

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Sample {
  seconds: number;
  rssMb: number;
  /** Events the job had consumed by then (its latest progress line). */
  records: number;
}

/** VmRSS of a live process, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Math.round(Number(line[1]) / 102.4) / 10 : NaN;
}

/**
 * Memory of the main job over a long run at full speed: `streamlearn start --follow --follow-rate max` (ctr-logistic,
 * its producer keeping 50k events waiting, its subscriber, dashboard and drift watch) for `--seconds` (default 600),
 * its RSS sampled from /proc every `--every` seconds (default 10). Growth compares the median RSS of the last quarter
 * of the run with the second's; the first quarter (warm-up: broker connections, the first backlog, JIT) is left out.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '600' }, every: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  const every = Number(values.every);
  if (!(Number.isInteger(seconds) && seconds >= 30)) throw new ConfigError(`--seconds must be an integer of at least 30, got "${values.seconds}"`);
  if (!(Number.isInteger(every) && every >= 1 && every * 8 <= seconds))
    throw new ConfigError(`--every must be an integer from 1 to seconds/8, got "${values.every}"`);
  const loadAtStart = loadAverage();
  const broker = await resolveBroker({ log });
  const samples: Sample[] = [];
  let summary = '';
  try {
    const cli = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
    const args = [cli, 'start', '--follow', '--follow-rate', 'max', '--dashboard-port', '0', '--brokers', broker.brokers.join(',')];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let records = 0;
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      const counts = [...text.matchAll(/(\d+) rec \(/g)];
      if (counts.length > 0) records = Number(counts[counts.length - 1][1]);
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => (summary += text));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const started = Date.now();
    for (let at = every; at <= seconds; at += every) {
      await new Promise((resolve) => setTimeout(resolve, started + at * 1000 - Date.now()));
      if (child.exitCode !== null) throw new Error(`streamlearn start exited early (${child.exitCode}) after ${at} s`);
      samples.push({ seconds: at, rssMb: rssMb(child.pid!), records });
      log(`${at} s: RSS ${samples.at(-1)!.rssMb} MB, ${records} events`);
    }
    child.kill('SIGINT');
    const code = await exited;
    if (code !== 0) throw new Error(`streamlearn start exited with ${code} after SIGINT`);
  } finally {
    await broker.stop();
  }
  // RSS follows the garbage collector's saw-tooth (±10% between samples here): quarters are compared by their medians.
  const quarter = (q: number) => samples.filter((sample) => sample.seconds > (seconds * q) / 4 && sample.seconds <= (seconds * (q + 1)) / 4);
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const row = (name: string, q: number) => {
    const part = quarter(q);
    const [from, to] = [part[0], part[part.length - 1]];
    return {
      quarter: name,
      seconds: `${from.seconds}–${to.seconds}`,
      'median RSS MB': median(part.map((sample) => sample.rssMb)),
      'max RSS MB': Math.max(...part.map((sample) => sample.rssMb)),
      'events consumed at its end': to.records,
      'events/s': Math.round((to.records - from.records) / (to.seconds - from.seconds)),
    };
  };
  const rows = [row('start (2nd quarter: after the warm-up)', 1), row('middle (3rd quarter)', 2), row('end (4th quarter)', 3)];
  const growth = Math.round((rows[2]['median RSS MB'] / rows[0]['median RSS MB'] - 1) * 1000) / 10;
  const endpoints = Math.round((samples[samples.length - 1].rssMb / quarter(1)[0].rssMb - 1) * 1000) / 10;
  return {
    tables: [
      {
        title: `RSS of \`streamlearn start --follow --follow-rate max\` over ${seconds} s: growth ${growth}% (median of the 4th quarter vs the 2nd; target < 10%)`,
        columns: ['quarter', 'seconds', 'median RSS MB', 'max RSS MB', 'events consumed at its end', 'events/s'],
        rows,
      },
    ],
    context: {
      seconds,
      every,
      growthPercent: growth,
      loadAverage: { start: loadAtStart, end: loadAverage() },
      samples: samples.map((s) => [s.seconds, s.rssMb, s.records]),
    },
    notes: [
      'The whole main job in one process, as a user runs it: producer, ctr-logistic learning, a checkpoint every second or 150k events, and on a worker thread of the same process the subscriber rebuilding every version, the drift watch and the dashboard. The first quarter (warm-up: broker connections, the first 100k backlog, JIT) is left out.',
      `Single samples, first of the 2nd quarter to the last: ${endpoints}% (the saw-tooth; medians are what the growth compares).`,
      `The job's own summary at Ctrl-C: ${summary.replace(/\s+/g, ' ').trim()}`,
    ],
  };
}
