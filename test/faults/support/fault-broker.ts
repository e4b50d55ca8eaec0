import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { startLocalKafka } from '../../../src/broker/local-kafka';
import { waitForBroker } from '../../../src/broker/wait-for-broker';

/**
 * A private single-node KRaft broker (own data dir, free ports) that a fault test may kill with SIGKILL
 * and restart on the same data and ports, or freeze with SIGSTOP and thaw with SIGCONT. It is started by
 * `startLocalKafka`; the restart re-runs the very command line of that JVM (read from /proc), so the
 * broker comes back as the same node with the same log dirs.
 */
export interface FaultBroker {
  readonly brokers: string[];
  readonly logFile: string;
  /** SIGKILL, then waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts the JVM again on the same data dir and ports; resolves once it answers. */
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Kills the broker and deletes its data. */
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, isExited: () => boolean): Promise<void> {
  while (alive(pid) && !isExited()) await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function startFaultBroker(): Promise<FaultBroker> {
  const started = await startLocalKafka({ startupTimeoutMs: 180_000 });
  const command = readFileSync(`/proc/${started.pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg.length > 0);
  const runDir = dirname(started.dataDir);
  let pid = started.pid;
  let exited = () => !alive(pid);

  return {
    brokers: started.brokers,
    logFile: started.logFile,
    async kill() {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      await gone(pid, exited);
    },
    async restart() {
      const out = openSync(started.logFile, 'a');
      const child = spawn(command[0], command.slice(1), { stdio: ['ignore', out, out] });
      closeSync(out);
      if (child.pid === undefined) throw new Error('the Kafka JVM could not be spawned again');
      pid = child.pid;
      exited = () => child.exitCode !== null || child.signalCode !== null;
      await waitForBroker({ brokers: started.brokers }, 180_000, () => !exited());
    },
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    async stop() {
      if (alive(pid)) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
      await gone(pid, exited);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
