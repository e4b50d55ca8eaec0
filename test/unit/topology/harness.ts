import type { KafkaMessage } from 'kafkajs';
import { from, lastValueFrom, tap, toArray, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { letterMessage, type DeadLetter, type DeadLetterInput } from '../../../connectors/dead-letter';
import { createMemorySource } from '../../../connectors/memory/memory-source';
import { isColumnRecord } from '../../../connectors/kafka/column-record';
import { decodeMessages, type UndecodableRecord } from '../../../connectors/kafka/decode-messages';
import { nextOffset, type Codec, type DecodedRecord, type MicroBatch } from '../../../connectors/types';
import { createMae, createRmse } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLinearRegression, createLogisticRegression } from '../../../src/learners';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { labelIndex, learnBatch, type LearnedBatch } from '../../../src/topology/operators/learn-batch';
import { predictionMessages } from '../../../src/topology/operators/predictions';
import { newSlot, restoreSnapshot } from '../../../src/topology/restore';
import { defineTopology, type Topology, type TopologyConfig } from '../../../src/topology/topology';

export const FIELDS = ['x0', 'x1'];

/** A fake dead-letter topic: what would be sent, in order. */
export function fakeDeadLetter(): DeadLetter & { letters: DeadLetterInput[] } {
  const letters: DeadLetterInput[] = [];
  return {
    letters,
    async write(letter) {
      letters.push(letter);
    },
  };
}

/** The headers a letter would carry on the dead-letter topic, as strings. */
export function sentHeaders(letter: DeadLetterInput): Record<string, string> {
  const headers = letterMessage(letter, 1 << 20).headers ?? {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value.toString()]));
}

export function regressionTopology(config: Partial<TopologyConfig> = {}, stepSize = 0.05): Topology {
  return defineTopology({
    name: 'unit-regression',
    input: { topic: 'events', codec: createJsonCodec() },
    label: 'y',
    model: () => pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }), createLinearRegression({ numFeatures: 2, stepSize })),
    metrics: () => ({ mae: createMae(), rmse: createRmse(), rollingRmse: createRmse({ window: 20 }) }),
    outputs: { modelTopic: 'models', deadLetterTopic: 'dlq' },
    ...config,
  });
}

export function classifierTopology(config: Partial<TopologyConfig>): Topology {
  return regressionTopology({
    model: () => pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }), createLogisticRegression({ numFeatures: 2, stepSize: 0.1 })),
    ...config,
  });
}

/** `n` events of y = 3·x0 − 2·x1 + 1 (+ 1 for classes: y > 1), from a fixed sequence. */
export function linearEvents(n: number, classes = false): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const x0 = Math.sin(i * 1.7);
    const x1 = Math.cos(i * 0.9);
    const y = 3 * x0 - 2 * x1 + 1;
    return { x0, x1, y: classes ? Number(y > 1) : y };
  });
}

export const bytesOf = (events: unknown[]): Buffer[] => events.map((event) => (Buffer.isBuffer(event) ? event : Buffer.from(JSON.stringify(event))));

export interface Run {
  steps: LearnedBatch[];
  letters: DeadLetterInput[];
  /** What the predictions topic would receive, parsed. */
  predictions: Array<{ offset: string; row?: number; prediction: number; modelVersion: number }>;
  /** Per learned event, the label vetting handed to the drift watch and the one its record's value holds (indexed as the model does). */
  labels: Array<{ offset: string; vetted: number | undefined; read: number }>;
  slots: Map<string, ModelSlot>;
}

/** Runs `learnBatch` over in-memory messages, acknowledging each batch, with fakes for the dead-letter and predictions topics. */
export async function learnAll(
  topology: Topology,
  messages: Buffer[],
  {
    maxRecords = 10,
    transform,
    codec = topology.config.input.codec,
    afterBatch,
    source: given,
    releaseDecoded,
  }: {
    maxRecords?: number;
    transform?: MonoTypeOperatorFunction<MicroBatch<Row>>;
    codec?: Codec<unknown>;
    /** `learnBatch`'s hook, e.g. a checkpointer's `afterStep`. */
    afterBatch?: (step: LearnedBatch) => Promise<void>;
    /** Batches to learn instead of the memory source's of `messages`. */
    source?: import('rxjs').Observable<MicroBatch<unknown>>;
    /** `learnBatch`'s option: each learned batch's records go to `codec.release`. */
    releaseDecoded?: boolean;
  } = {},
): Promise<Run> {
  const deadLetter = fakeDeadLetter();
  const slots = new Map<string, ModelSlot>();
  const predictions: Run['predictions'] = [];
  const labels: Run['labels'] = [];
  const slotFor = (batch: MicroBatch<unknown>) => {
    const slot = slots.get(String(batch.partition)) ?? newSlot(topology, topology.modelId);
    slots.set(String(batch.partition), slot);
    return slot;
  };
  const onPredictions = async (batch: MicroBatch<unknown>, records: DecodedRecord<unknown>[], values: Float64Array, slot: ModelSlot, ys?: Float64Array) => {
    for (const message of predictionMessages(batch, records, values, slot.version)) predictions.push(JSON.parse(String(message.value)));
    const read = (record: DecodedRecord<unknown>) => labelIndex(slot.model, (record.value as Row)[topology.config.label]);
    records.forEach((record, k) => labels.push({ offset: record.offset, vetted: ys?.[k], read: read(record) }));
  };
  const source = (given ?? createMemorySource({ records: messages, codec, maxRecords })) as unknown as import('rxjs').Observable<MicroBatch<Row>>;
  const steps = await lastValueFrom(
    (transform ? source.pipe(transform) : source).pipe(
      learnBatch({
        slotFor,
        label: topology.config.label,
        codec,
        deadLetter: deadLetter,
        onPredictions,
        maxAbsWeight: topology.config.guards?.maxAbsWeight,
        restore: (slot, snapshot) => restoreSnapshot(topology, slot, snapshot),
        afterBatch,
        releaseDecoded,
      }),
      tap((step) => void step.batch.ack()),
      toArray(),
    ),
  );
  return { steps, letters: deadLetter.letters, predictions, labels, slots };
}

/** Micro-batches as the Kafka source makes them (`decodeMessages`), what the codec refused set aside as its batch handler does. */
export function kafkaBatches(
  values: Buffer[],
  maxRecords: number,
  refused: UndecodableRecord[],
  columnRecords: { count: number },
): Observable<MicroBatch<unknown>> {
  const codec = createJsonCodec();
  const batches: MicroBatch<unknown>[] = [];
  for (let start = 0; start < values.length; start += maxRecords) {
    const chunk = values
      .slice(start, start + maxRecords)
      .map((value, k) => ({ offset: String(start + k), value, key: null, timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage);
    const { records, undecodable } = decodeMessages(chunk, 'events', 0, codec, true);
    refused.push(...undecodable);
    columnRecords.count += records.filter(isColumnRecord).length;
    const lastOffset = chunk[chunk.length - 1].offset;
    batches.push({
      topic: 'events',
      partition: 0,
      records,
      deadLettered: chunk.length - records.length,
      firstOffset: chunk[0].offset,
      lastOffset,
      lag: 0,
      nextOffset: nextOffset(lastOffset),
      ack: async () => undefined,
    });
  }
  return from(batches);
}
