import { fastest, perSecond, type Measurement } from '../io/measure';
import type { ThroughputRow } from './tables';

export type RunKey = Pick<ThroughputRow, 'input' | 'path' | 'checkpoints'>;

/** Collects the passes of each throughput run; each run's row is its fastest pass, with the range of all. */
export function createPasses(log: (line: string) => void) {
  const runs = new Map<string, { key: RunKey; passes: Array<{ measurement: Measurement; versions: number | null }> }>();
  return {
    add(key: RunKey, measurement: Measurement, versions: number | null): void {
      const name = `${key.input}|${key.path}|${key.checkpoints}`;
      if (!runs.has(name)) runs.set(name, { key, passes: [] });
      runs.get(name)!.passes.push({ measurement, versions });
      log(`${key.input} ${key.path} (checkpoints ${key.checkpoints}): ${Math.round(perSecond(measurement))} records/s`);
    },
    rows(): ThroughputRow[] {
      return [...runs.values()].map(({ key, passes }) => {
        const best = fastest(passes.map((pass) => pass.measurement));
        return {
          ...key,
          measurement: best,
          versions: passes.find((pass) => pass.measurement === best)!.versions,
          passRates: passes.map((pass) => perSecond(pass.measurement)),
        };
      });
    },
  };
}
