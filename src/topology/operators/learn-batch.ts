import { concatMap, type OperatorFunction } from 'rxjs';
import type { DeadLetter } from '../../../connectors/dead-letter';
import type { Codec, DecodedRecord, MicroBatch } from '../../../connectors/types';
import type { ModelSlot } from '../model-slot';
import { metricValues } from '../model-slot';
import { admit, recordConsumed } from '../slot-ledger';
import { deadLetterRecords, type Failure } from './dead-letters';
import { eventCount, eventRecords } from '../batch-events';
import { journalEntry } from '../journal-entry';
import { learnRecords, replayJournal, type LearnDeps } from './divergence';
export { labelIndex } from './vet';

export interface LearnBatchConfig extends LearnDeps {
  slotFor(batch: MicroBatch<unknown>): ModelSlot;
  codec: Codec<unknown>;
  deadLetter: DeadLetter;
  /**
   * Called with each learned event's prediction (made before learning it), e.g. to publish it, and with the labels
   * vetting read (`ys`, as the model learns them) when the batch was learned in one step; after a rollback's replay, without.
   */
  onPredictions?(batch: MicroBatch<unknown>, records: DecodedRecord<unknown>[], predictions: Float64Array, slot: ModelSlot, ys?: Float64Array): Promise<void>;
  /** Called once the batch is learned and the slot's offsets include it; the next batch waits for it (drift actions). */
  afterBatch?(learned: LearnedBatch): Promise<void>;
  /**
   * True when nothing but this step holds the batch's values (runTopology without a user's `transformBatches`):
   * once the batch is learned (and `afterBatch` returned), each record goes to `codec.release`. The journal and
   * whoever reads the emitted batch then read values decoded again from their bytes.
   */
  releaseDecoded?: boolean;
}

export interface LearnedBatch {
  batch: MicroBatch<unknown>;
  slot: ModelSlot;
  learned: number;
  /** Records of earlier batches, counted as learned then, that a rollback dead-lettered with this one. */
  undone: number;
  deadLettered: number;
  /** Records of the batch the model already held (a rewound source): neither learned nor counted again. */
  replayed: number;
  /** The slot's prequential metrics right after this batch (later stages may see the slot move on). */
  metrics: Record<string, number>;
  /** Wall time of this step: vetting, dead-lettering, test-then-train and publishing predictions. */
  learnMs: number;
}

/**
 * Test-then-train on each micro-batch (`testThenTrain`): events that cannot be learned (see `vet`) are
 * dead-lettered; the rest are predicted with the model as it stood before the batch, scored, then learned.
 * When learning the batch fails (a non-finite step, or predictions the model cannot make), the slot is
 * rolled back to its last good state and the batches since, this one included, are learned again one by
 * one with checks (`replayJournal`): those that diverge are dead-lettered (DIVERGED) instead. Dead letters are
 * handed to `deadLetter` before the batch is emitted: durable then, or, with runTopology's writer (`trackDeadLetters`),
 * stored in the background while the next batches are learned, every commit path waiting for them first.
 */
export function learnBatch(config: LearnBatchConfig): OperatorFunction<MicroBatch<unknown>, LearnedBatch> {
  const { label, codec, deadLetter } = config;
  return concatMap(async (batch) => {
    const started = performance.now();
    const slot = config.slotFor(batch);
    // A rewound source re-delivers what the model holds: only the rest is learned (exactly once).
    const admitted = admit(slot, batch);
    const where = `${batch.topic}/${batch.partition}@${batch.firstOffset}..${batch.lastOffset}`;
    const before = slot.examplesSeen;
    const { rejected, good, outcome, ys } = learnRecords(slot, { records: admitted.records }, label, where);
    const failures: Failure[] = [...rejected];
    let learned = 0;
    let predictions: Float64Array | undefined;
    let labels: Float64Array | undefined;
    if (outcome !== undefined) {
      const entry = journalEntry(good, where);
      slot.journal.push(entry);
      if ('predictions' in outcome) {
        learned = eventCount(good);
        predictions = outcome.predictions;
        labels = ys;
        slot.examplesSeen += learned;
      } else {
        // Learning may have gone wrong earlier (an exploded model cannot predict): replay checks every batch.
        const replay = replayJournal(slot, config);
        failures.push(...replay.failures);
        predictions = replay.predictions.get(entry);
        learned = predictions === undefined ? 0 : eventCount(entry);
      }
    }
    await deadLetterRecords(deadLetter, codec, failures);
    // One record per event, rows of Arrow tables made on demand: only for a consumer that wants them.
    if (predictions !== undefined && config.onPredictions) await config.onPredictions(batch, eventRecords(good), predictions, slot, labels);
    // examplesSeen is kept by learnRecords and replayJournal; the ledger moves the offsets on and counts what was consumed.
    const consumed = eventCount({ records: admitted.records }) + admitted.deadLettered;
    recordConsumed(slot, batch, admitted.offsets + admitted.deadLettered, 0, consumed);
    // Earlier batches dropped by a replay were counted as learned when they were: they count as dead letters now.
    const undone = before + learned - slot.examplesSeen;
    const result = {
      batch,
      slot,
      learned,
      undone,
      deadLettered: consumed - learned,
      replayed: admitted.replayed,
      metrics: metricValues(slot.metrics),
      learnMs: performance.now() - started,
    };
    await config.afterBatch?.(result);
    if (config.releaseDecoded && codec.release) for (const record of batch.records) codec.release(record);
    return result;
  });
}
