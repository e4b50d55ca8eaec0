import { createHash } from 'node:crypto';
import { count, lastValueFrom, tap, type Observable } from 'rxjs';
import type { MicroBatch } from '../../connectors/types';
import { learnBatch } from '../../src/topology/operators/learn-batch';
import { metricValues } from '../../src/topology/model-slot';
import { newSlot, restoreSnapshot } from '../../src/topology/restore';
import type { Topology } from '../../src/topology/topology';
import { startSpan } from '../io/measure';

export interface StepPass {
  perCpu: number;
  perWall: number;
  /** Examples learned and a hash of the model's arrays, metrics and importances: equal builds print the same. */
  fingerprint: string;
}

/**
 * One timed pass of runTopology's learning step (`learnBatch`: vetting, stages, test-then-train, metrics,
 * iPFI, label guard) over `batches`, in-process: what the Kafka step does, without a broker. `batches` is
 * subscribed inside the timed span, so decoding done as it emits counts.
 */
export async function timeStep(topology: Topology, batches: Observable<MicroBatch<unknown>>): Promise<StepPass> {
  const { codec } = topology.config.input;
  const slot = newSlot(topology, topology.modelId);
  const stop = startSpan();
  await lastValueFrom(
    batches.pipe(
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
  const learned = slot.examplesSeen;
  const hash = createHash('sha256');
  for (const [name, values] of Object.entries(slot.model.state().arrays))
    hash.update(name).update(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  hash.update(JSON.stringify(metricValues(slot.metrics))).update(JSON.stringify(slot.importance?.snapshot() ?? null));
  return { perCpu: learned / span.cpuSeconds, perWall: learned / span.seconds, fingerprint: `${learned} ${hash.digest('hex').slice(0, 16)}` };
}
