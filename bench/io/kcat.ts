import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';
import { startSpan, type Measurement, type Span } from './measure';

export type KcatAvailability = { available: true; version: string } | { available: false; reason: string };

/** Installs Debian's kcat when it is missing (scripts/install-kcat.sh); says why when that is not possible. */
export function ensureKcat(): KcatAvailability {
  const install = spawnSync(join(projectRoot(), 'scripts', 'install-kcat.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (install.status !== 0) {
    const said = (install.stderr || install.error?.message || '').trim().split('\n').at(-1) ?? '';
    return { available: false, reason: `scripts/install-kcat.sh exited with ${install.status}: ${said}` };
  }
  const version = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  const line = `${version.stdout}`.split('\n').find((text) => /librdkafka/.test(text)) ?? `${version.stdout}`.split('\n')[0];
  return { available: true, version: line.trim() };
}

interface KcatExit {
  /** kcat's own CPU time (user + system), from the shell's `times`. */
  cpuSeconds: number | null;
}

/** Runs kcat under bash so that `times` can report its CPU use; stdout goes to `onOutput`. */
function runKcat(args: string[], onOutput: (chunk: Buffer) => void): Promise<KcatExit> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'kcat "$@"; status=$?; times >&2; exit $status', 'kcat', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', onOutput);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      // `times` prints the shell's own times, then its children's: "0m1.250s 0m0.310s".
      const children = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(stderr.trimEnd());
      const cpuSeconds = children ? Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]) : null;
      if (code === 0) resolve({ cpuSeconds });
      else
        reject(
          new Error(
            `kcat ${args.join(' ')} exited with ${code}: ${stderr
              .replace(/(\d+m[\d.]+s\s+\d+m[\d.]+s\s*)+$/, '')
              .trim()
              .slice(-500)}`,
          ),
        );
    });
  });
}

/** kcat's own CPU replaces this process's, which only waits on it. */
function kcatSpan(span: Span, exit: KcatExit): Span {
  return { ...span, cpuSeconds: exit.cpuSeconds ?? Number.NaN };
}

/**
 * `kcat -P` (librdkafka defaults, idempotence on as in the sink, so acks=all): newline-separated `linesFile`,
 * or one message per file of `messageFiles`. Timed from spawn to exit: process start and connection included,
 * as the sink's time includes its connection.
 */
export async function produceWithKcat(
  broker: string,
  topic: string,
  input: { linesFile: string } | { messageFiles: string[] },
  records: number,
): Promise<Measurement> {
  const source = 'linesFile' in input ? ['-l', input.linesFile] : input.messageFiles;
  const stop = startSpan();
  const exit = await runKcat(['-P', '-b', broker, '-t', topic, '-X', 'enable.idempotence=true', ...source], () => undefined);
  return { records, span: kcatSpan(stop(), exit) };
}

/**
 * Counts the messages in kcat's `-f '%S\n%s'` output (each value's size on a line, then the value's bytes),
 * which holds for binary values too; only the sizes are parsed, the values are skipped.
 */
function createMessageCounter(): (chunk: Buffer) => number {
  let digits = '';
  let skipping = 0;
  return (chunk) => {
    let messages = 0;
    let at = 0;
    while (at < chunk.length) {
      if (skipping > 0) {
        const taken = Math.min(skipping, chunk.length - at);
        skipping -= taken;
        at += taken;
        continue;
      }
      const newline = chunk.indexOf(10, at);
      if (newline === -1) {
        digits += chunk.toString('latin1', at);
        break;
      }
      skipping = Number(digits + chunk.toString('latin1', at, newline));
      digits = '';
      at = newline + 1;
      messages++;
    }
    return messages;
  };
}

/**
 * `kcat -C -e -q -o beginning` (no consumer group: it assigns the partition itself), writing every message's
 * size and value to a pipe that this process counts. Timed like the source: from the first output to the
 * exit, counting only the messages after the first chunk of output.
 */
export async function consumeWithKcat(broker: string, topic: string, messages: number, recordsPerMessage: number): Promise<Measurement> {
  const spawnedAt = process.hrtime.bigint();
  const count = createMessageCounter();
  let stop: (() => Span) | undefined;
  let startupSeconds = 0;
  let first = 0;
  let seen = 0;
  const exit = await runKcat(['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%S\n%s'], (chunk) => {
    const counted = count(chunk);
    if (stop === undefined) {
      stop = startSpan();
      startupSeconds = Number(process.hrtime.bigint() - spawnedAt) / 1e9;
      first = counted;
    }
    seen += counted;
  });
  if (stop === undefined || seen !== messages) throw new Error(`kcat read ${seen} messages from ${topic}, expected ${messages}`);
  return { records: (seen - first) * recordsPerMessage, span: kcatSpan(stop(), exit), startupSeconds };
}
