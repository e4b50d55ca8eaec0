import { ctrEventStream } from '../../src/datasets/ctr-events';
import type { Measurement } from '../io/measure';
import { runPython } from '../python';

/** Agrawal applicants as categorical CTR events (src/datasets/ctr-events.ts), the JSON ctr-logistic learns, one per message. */
export function* ctrJson(records: number, seed: number): Generator<Buffer> {
  const stream = ctrEventStream({ seed });
  for (let i = 0; i < records; i++) yield Buffer.from(JSON.stringify(stream.next().value));
}

interface PeerOutput {
  records: number;
  seconds: number;
  cpuSeconds: number;
  startupSeconds: number;
  metrics: Record<string, number>;
}

/**
 * The Python peer of ctr-logistic: a confluent-kafka consumer loop with River doing the same work (one-hot,
 * the same crosses, FTRL, the same prequential metrics), from the `e2e` venv (bench/python/e2e_peers.py).
 */
export async function consumeWithRiver(
  brokers: string[],
  topic: string,
  messages: number,
): Promise<{ measurement: Measurement; metrics: Record<string, number> }> {
  const out = (await runPython('e2e', 'e2e_peers.py', [brokers.join(','), topic, String(messages)])) as PeerOutput;
  return {
    measurement: {
      records: out.records,
      span: { seconds: out.seconds, cpuSeconds: out.cpuSeconds, machineBusyCores: null },
      startupSeconds: out.startupSeconds,
    },
    metrics: out.metrics,
  };
}
