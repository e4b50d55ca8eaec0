import { unreachableNote } from '../../../connectors/kafka/broker-watch';
import { createProgressPrinter, progressLine } from '../../../src/cli/progress-line';
import type { TopologyProgress } from '../../../src/topology/run-topology';

const progress: TopologyProgress = {
  records: 2000,
  learned: 1990,
  deadLettered: 10,
  lag: { 't/0': 0 },
  versions: { m: 3 },
  metrics: { mae: 1.5 },
  startedAt: 0,
};

describe('the run progress line', () => {
  it('leads with the outage while the broker is unreachable, and leaves it out otherwise', () => {
    const since = Date.UTC(2026, 0, 1, 14, 2, 11);
    const now = since + 35_000;
    expect(unreachableNote(since, now)).toBe('broker unreachable since 14:02:11 (35 s)');
    expect(progressLine(progress, now, since)).toMatch(/^broker unreachable since 14:02:11 \(35 s\) \| 2000 rec /);
    expect(progressLine(progress, now)).toMatch(/^2000 rec /);
  });

  it('prints log lines of their own even right after a progress line', () => {
    let written = '';
    const stream = { isTTY: false, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
    const printer = createProgressPrinter(stream, 60_000);
    printer.update('p1');
    printer.update('p2');
    printer.log('[kafka] broker unreachable');
    printer.update('p3', true);
    expect(written).toBe('p1\n[kafka] broker unreachable\np3\n');
  });
});
