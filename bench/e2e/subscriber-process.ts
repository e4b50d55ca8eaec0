import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';

/** `streamlearn subscribe` in a process of its own, as a serving process would run: its "(+N ms)" per version. */
export interface SubscriberProcess {
  /** Resolves once it has printed its first version (the latest at subscribe): live from then on. */
  ready: Promise<void>;
  /** receivedAt − createdAt (ms) of every version after the first it printed (the latest at subscribe). */
  latencies(): number[];
  stop(): void;
}

export function spawnSubscriber(brokers: string[], topic: string, modelId: string): SubscriberProcess {
  const cli = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'subscribe', '--topic', topic, '--model', modelId, '--brokers', brokers.join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: number[] = [];
  let pending = '';
  let live!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    live = resolve;
    child.once('exit', (code) => reject(new Error(`streamlearn subscribe exited (code ${code}) before printing a version`)));
  });
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const latency = /\(\+(-?\d+) ms\)/.exec(line);
      if (latency) seen.push(Number(latency[1]));
      if (latency) live();
    }
  });
  return { ready, latencies: () => seen.slice(1), stop: () => child.kill('SIGTERM') };
}
