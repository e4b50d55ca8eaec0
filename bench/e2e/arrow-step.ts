/**
 * The Arrow step of runTopology in-process, without a broker: Arrow messages of 1,000 rows from memory
 * through `learnBatch` (vetting on column views, the regression-sgd topology of the e2e bench: assembler,
 * scaler, SGD, 5 metrics, iPFI, label guard). Run `node dist/bench/e2e/arrow-step.js [rows] [passes]`
 * (add `--cpu-prof` to node for a profile); prints rows per CPU-second of each pass and a fingerprint of
 * the learned model and metrics, so that two builds can be compared for speed and for identical bits.
 */
import type { Observable } from 'rxjs';
import { createArrowCodec } from '../../connectors/codecs/arrow';
import { createMemorySource } from '../../connectors/memory/memory-source';
import type { MicroBatch } from '../../connectors/types';
import { defineTopology } from '../../src/topology/topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { friedmanArrow } from './data';
import { timeStep, type StepPass } from './in-process-step';

function pass(messages: Buffer[]): Promise<StepPass> {
  const base = regressionSgd({ prefix: 'step-' }).config;
  const codec = createArrowCodec();
  const topology = defineTopology({ ...base, input: { ...base.input, codec } });
  const source = createMemorySource({ records: messages, codec, maxRecords: 8 }) as unknown as Observable<MicroBatch<unknown>>;
  return timeStep(topology, source);
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
