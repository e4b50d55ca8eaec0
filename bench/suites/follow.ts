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
 * its RSS sampled from /proc every `--every` seconds (default 10). RSS at start is the first sample after the first
 * quarter of the run, so that the warm-up (broker connections, the first backlog, JIT) is not counted as growth.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '600' }, every: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  const every = Number(values.every);
  if (!(Number.isInteger(seconds) && seconds >= 30)) throw new ConfigError(`--seconds must be an integer of at least 30, got "${values.seconds}"`);
  if (!(Number.isInteger(every) && every >= 1 && every * 3 <= seconds))
    throw new ConfigError(`--every must be an integer from 1 to seconds/3, got "${values.every}"`);
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
  const first = samples.find((sample) => sample.seconds >= seconds / 4)!;
  const middle = samples.find((sample) => sample.seconds >= seconds / 2)!;
  const last = samples[samples.length - 1];
  const rate = (a: Sample, b: Sample) => Math.round((b.records - a.records) / (b.seconds - a.seconds));
  const growth = Math.round((last.rssMb / first.rssMb - 1) * 1000) / 10;
  return {
    tables: [
      {
        title: `RSS of \`streamlearn start --follow --follow-rate max\` over ${seconds} s (target: < 10% growth)`,
        columns: ['point', 'seconds', 'RSS MB', 'events consumed', 'events/s since the previous point'],
        rows: [
          {
            point: 'start (after the first quarter)',
            seconds: first.seconds,
            'RSS MB': first.rssMb,
            'events consumed': first.records,
            'events/s since the previous point': null,
          },
          {
            point: 'middle',
            seconds: middle.seconds,
            'RSS MB': middle.rssMb,
            'events consumed': middle.records,
            'events/s since the previous point': rate(first, middle),
          },
          {
            point: 'end',
            seconds: last.seconds,
            'RSS MB': last.rssMb,
            'events consumed': last.records,
            'events/s since the previous point': rate(middle, last),
          },
          {
            point: `growth start → end: ${growth}%`,
            seconds: null,
            'RSS MB': Math.max(...samples.map((s) => s.rssMb)),
            'events consumed': null,
            'events/s since the previous point': null,
          },
        ],
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
      'The whole main job in one process, as a user runs it: producer, ctr-logistic learning, checkpoint every 10,000 events or 1 s, subscriber rebuilding every version, drift watch, dashboard. The last row gives the highest sample.',
      `The job's own summary at Ctrl-C: ${summary.replace(/\s+/g, ' ').trim()}`,
    ],
  };
}
