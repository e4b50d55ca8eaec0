/**
 * The Arrow step of runTopology in-process, without a broker: Arrow messages of 1,000 rows from memory
 * through `learnBatch` (vetting on column views, the regression-sgd topology of the e2e bench: assembler,
 * scaler, SGD, 5 metrics, iPFI, label guard). Run `node dist/bench/e2e/arrow-step.js [rows] [passes]`
 * (add `--cpu-prof` to node for a profile); prints rows per CPU-second of each pass and a fingerprint of
 * the learned model and metrics, so that two builds can be compared for speed and for identical bits.
 */
import { createHash } from 'node:crypto';
import { lastValueFrom, tap, count } from 'rxjs';
import { createArrowCodec } from '../../connectors/codecs/arrow';
import { createMemorySource } from '../../connectors/memory/memory-source';
import type { MicroBatch } from '../../connectors/types';
import { learnBatch } from '../../src/topology/operators/learn-batch';
import { metricValues } from '../../src/topology/model-slot';
import { newSlot, restoreSnapshot } from '../../src/topology/restore';
import { defineTopology } from '../../src/topology/topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { startSpan } from '../io/measure';
import { friedmanArrow } from './data';

async function pass(messages: Buffer[]): Promise<{ perCpu: number; perWall: number; fingerprint: string }> {
  const base = regressionSgd({ prefix: 'step-' }).config;
  const codec = createArrowCodec();
  const topology = defineTopology({ ...base, input: { ...base.input, codec } });
  const slot = newSlot(topology, topology.modelId);
  const source = createMemorySource({ records: messages, codec, maxRecords: 8 }) as unknown as import('rxjs').Observable<MicroBatch<unknown>>;
  const stop = startSpan();
  await lastValueFrom(
    source.pipe(
      learnBatch({
        slotFor: () => slot,
        label: topology.config.label,
        codec,
        deadLetter: { write: async () => undefined },
        maxAbsWeight: topology.config.guards?.maxAbsWeight,
        restore: (s, snapshot) => restoreSnapshot(topology, s, snapshot),
      }),
      tap((step) => void step.batch.ack()),
      count(),
    ),
  );
  const span = stop();
  const rows = slot.examplesSeen;
  const state = slot.model.state();
  const hash = createHash('sha256');
  for (const [name, values] of Object.entries(state.arrays)) hash.update(name).update(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  hash.update(JSON.stringify(metricValues(slot.metrics))).update(JSON.stringify(slot.importance?.snapshot() ?? null));
  return { perCpu: rows / span.cpuSeconds, perWall: rows / span.seconds, fingerprint: `${rows} ${hash.digest('hex').slice(0, 16)}` };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const passes = Number(process.argv[3] ?? 3);
  const messages = [...friedmanArrow(rows, 7)];
  for (let i = 0; i < passes; i++) {
    const { perCpu, perWall, fingerprint } = await pass(messages);
    process.stdout.write(`${Math.round(perCpu)} rows/CPU-s ${Math.round(perWall)} rows/s ${fingerprint}\n`);
  }
}

void main();
