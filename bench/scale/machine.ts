import { readFileSync } from 'node:fs';
import type { Series } from './window';
import { readCpu } from './workers';

const TICKS_PER_SECOND = 100;

/** CPU seconds every core of the machine spent busy (not idle, not waiting for I/O), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface MachineSampler {
  /** CPU seconds used so far, sampled over time: the broker's JVM (when this bench started it), the bench process, the whole machine. */
  broker: Series[];
  bench: Series[];
  machine: Series[];
  stop(): void;
}

/** Samples, every `everyMs`, the CPU the broker, the bench itself and the machine have used: who else shared the cores during a window. */
export function sampleMachine(brokerPid: number | undefined, everyMs = 250): MachineSampler {
  const sampler: MachineSampler = { broker: [], bench: [], machine: [], stop: () => clearInterval(timer) };
  const take = () => {
    const at = Date.now();
    const broker = readCpu(brokerPid);
    if (broker !== undefined) sampler.broker.push({ at, value: broker });
    const { user, system } = process.cpuUsage();
    sampler.bench.push({ at, value: (user + system) / 1e6 });
    const machine = machineBusySeconds();
    if (machine !== undefined) sampler.machine.push({ at, value: machine });
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return sampler;
}
