/**
 * The ctr-logistic step of runTopology in-process, without a broker: CTR JSON messages decoded as the
 * Kafka source decodes a fetch (`decodeMessages`, chunks of `--chunk` messages), then `learnBatch` (vetting,
 * HashedCrosses, FTRL, 5 metrics, iPFI, label guard). Each pass reads the messages either into columns
 * (strings as ids: no JSON.parse) or as rows (JSON.parse), alternating, so one process compares both.
 * Run `node dist/bench/e2e/ctr-step.js [events] [passes]` (add `--cpu-prof` to node for a profile); prints
 * events per CPU-second of each pass and a fingerprint of the learned model, metrics and importances:
 * the two forms must print the same one.
 */
import type { KafkaMessage } from 'kafkajs';
import { from, map } from 'rxjs';
import { decodeMessages } from '../../connectors/kafka/decode-messages';
import { nextOffset, type Codec, type MicroBatch } from '../../connectors/types';
import { ctrLogistic } from '../../topologies/ctr-logistic';
import { ctrJson } from './ctr';
import { timeStep, type StepPass } from './in-process-step';

const CHUNK = 1000;

/** The messages as kafkajs hands a fetch over: one store for all values, offsets as text. */
export function fetched(values: Buffer[]): KafkaMessage[][] {
  const store = Buffer.concat(values);
  const chunks: KafkaMessage[][] = [];
  let at = 0;
  for (let start = 0; start < values.length; start += CHUNK) {
    chunks.push(
      values.slice(start, start + CHUNK).map((value, k) => {
        const view = store.subarray(at, (at += value.length));
        return { offset: String(start + k), value: view, key: null, timestamp: '0', attributes: 0, headers: {} } as KafkaMessage;
      }),
    );
  }
  return chunks;
}

function batchOf(messages: KafkaMessage[], codec: Codec<unknown>, readColumns: boolean): MicroBatch<unknown> {
  const { records } = decodeMessages(messages, 'events', 0, codec, readColumns);
  const lastOffset = messages[messages.length - 1].offset;
  const firstOffset = messages[0].offset;
  return {
    topic: 'events',
    partition: 0,
    records,
    deadLettered: 0,
    firstOffset,
    lastOffset,
    lag: 0,
    nextOffset: nextOffset(lastOffset),
    ack: async () => undefined,
  };
}

export function pass(chunks: KafkaMessage[][], readColumns: boolean): Promise<StepPass> {
  const topology = ctrLogistic({ prefix: 'step-' });
  // Decoding is part of the step, as in the source's batch handler: each chunk is decoded when its turn comes.
  return timeStep(topology, from(chunks).pipe(map((messages) => batchOf(messages, topology.config.input.codec, readColumns))));
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 200_000);
  const passes = Number(process.argv[3] ?? 3);
  const only = process.argv[4];
  const chunks = fetched([...ctrJson(events, 7)]);
  for (let i = 0; i < passes; i++) {
    for (const readColumns of only === 'columns' ? [true] : only === 'rows' ? [false] : [true, false]) {
      const { perCpu, perWall, fingerprint } = await pass(chunks, readColumns);
      process.stdout.write(`${readColumns ? 'columns' : 'rows   '} ${Math.round(perCpu)} events/CPU-s ${Math.round(perWall)} events/s ${fingerprint}\n`);
    }
  }
}

if (require.main === module) void main();
