import type { DecodedRecord } from '../../../connectors/types';
import { DivergedError, type StreamlearnError } from '../../errors';
import { FeatureBatch } from '../../features/feature-batch';
import type { Pipeline } from '../../features/pipeline';
import type { PartitionOffset } from '../../checkpoints/manifest';
import { metricValues, type JournalEntry, type ModelSlot, type SlotSnapshot } from '../model-slot';
import { healthProblem, snapshotSlot } from '../slot-health';
import { captureLedger } from '../slot-ledger';
import { eventCount, eventRecords, eventRows, hasColumns, type BatchEvents } from '../batch-events';
import type { Failure } from './dead-letters';
import { testThenTrain, type StepOutcome } from './train-step';
import { fusedPipeline, vet, vetInto } from './vet';
import { vetColumns } from './vet-columns';

export interface LearnDeps {
  label: string;
  /** Puts a slot back to a snapshot: `restoreSnapshot` for the topology. */
  restore(slot: ModelSlot, snapshot: SlotSnapshot): void;
  /** Default `DEFAULT_MAX_ABS_WEIGHT`. */
  maxAbsWeight?: number;
}

export interface Learned {
  rejected: Failure[];
  /** The events that passed vetting, in order: records, or rows of Arrow tables by flat index. */
  good: BatchEvents;
  /** Absent when no record passed vetting. */
  outcome?: StepOutcome;
  /** The labels of `good`, in order, as the model learns them (class indexes for models that index labels). */
  ys?: Float64Array;
}

/** Each pipeline's feature batch, reused from one micro-batch to the next. */
const featureBatches = new WeakMap<Pipeline, FeatureBatch>();

function featureBatchOf(pipeline: Pipeline): FeatureBatch {
  let batch = featureBatches.get(pipeline);
  if (batch === undefined) featureBatches.set(pipeline, (batch = new FeatureBatch()));
  batch.clear();
  return batch;
}

/**
 * Vets events and takes the test-then-train step on the ones that pass: a pipeline's in one fused pass, on
 * the columns of Arrow tables and of JSON read into columns where its stages have column forms
 * (`vetColumns`), else row by row.
 */
export function learnRecords(slot: ModelSlot, events: BatchEvents, label: string, where: string): Learned {
  const pipeline = fusedPipeline(slot.model);
  if (pipeline !== undefined && hasColumns(events.records)) {
    const batch = featureBatchOf(pipeline);
    const { rejected, good, ys } = vetColumns(events, label, slot, pipeline, batch);
    if (ys.length === 0) return { rejected, good };
    return { rejected, good, ys, outcome: testThenTrain(slot, { rows: eventRows(good), ys, features: { pipeline, batch }, where }) };
  }
  const rejected: Failure[] = [];
  const good: DecodedRecord<unknown>[] = [];
  const ys: number[] = [];
  const batch = pipeline === undefined ? undefined : featureBatchOf(pipeline);
  // Rows of tables reach a model without stages (a recommender) as row objects.
  for (const record of eventRecords(events)) {
    const verdict = pipeline === undefined ? vet(record, label, slot) : vetInto(record, label, slot, pipeline, batch as FeatureBatch);
    if ('error' in verdict) rejected.push({ record, error: verdict.error });
    else {
      good.push(record);
      ys.push(verdict.y);
    }
  }
  if (good.length === 0) return { rejected, good: { records: good } };
  const rows = eventRows({ records: good });
  const features = pipeline === undefined ? undefined : { pipeline, batch: batch as FeatureBatch };
  const labels = Float64Array.from(ys);
  return { rejected, good: { records: good }, ys: labels, outcome: testThenTrain(slot, { rows, ys: labels, features, where }) };
}

function diverged(records: DecodedRecord<unknown>[], where: string, why: string, cause?: StreamlearnError): Failure[] {
  const error = new DivergedError(`${where}: learning this batch diverged (${why}); the model was rolled back to its last good state`, { cause });
  return records.map((record) => ({ record, error }));
}

export interface Replay {
  /** Records of the journal that could not be learned again, for the dead-letter topic. */
  failures: Failure[];
  /** The predictions made for each batch learned again. */
  predictions: Map<JournalEntry, Float64Array>;
}

/**
 * Rolls the slot back to its last good state and learns its journal again, batch by batch, checking the
 * model and metrics after each (`healthProblem`). A batch whose learning fails, or after which the model is
 * not healthy, is undone and returned for the dead-letter topic (DIVERGED); the others stay in the journal,
 * as the same entries. The state after the replay is the one an uninterrupted run without those batches has.
 */
export function replayJournal(slot: ModelSlot, deps: LearnDeps): Replay {
  const entries = slot.journal;
  slot.journal = [];
  deps.restore(slot, slot.lastGood);
  const replay: Replay = { failures: [], predictions: new Map() };
  for (const entry of entries) {
    const before = snapshotSlot(slot);
    const { rejected, good, outcome } = learnRecords(slot, entry, deps.label, entry.where);
    replay.failures.push(...rejected);
    if (outcome === undefined) continue;
    const undo = (why: string, cause?: StreamlearnError) => {
      deps.restore(slot, before);
      replay.failures.push(...diverged(eventRecords(good), entry.where, why, cause));
    };
    if ('error' in outcome) {
      undo(outcome.error.message, outcome.error);
      continue;
    }
    const problem = healthProblem(slot.model.state(), slot.metrics, deps.maxAbsWeight);
    if (problem !== null) {
      undo(problem);
      continue;
    }
    // The same entry object: a checkpoint in flight recognises the entries it covers by identity.
    entry.records = good.records;
    entry.rows = good.rows;
    slot.journal.push(entry);
    slot.examplesSeen += eventCount(good);
    replay.predictions.set(entry, outcome.predictions);
  }
  return replay;
}

/** What a checkpoint records of a slot, captured at one moment. */
export interface Capture {
  snapshot: SlotSnapshot;
  metrics: Record<string, number>;
  offsets: PartitionOffset[];
  /** `sinceCheckpoint` at the capture. */
  covered: number;
  /** The journal entries the snapshot includes. */
  journaled: Set<JournalEntry>;
  /** The slot ledger's counts at the capture (slot-ledger.ts), taken with the offsets. */
  ledger: ReturnType<typeof captureLedger>;
}

/**
 * The slot's state for a checkpoint, healthy: while its weights or metrics are not finite (or exploded), the
 * journal is replayed (`replayJournal`) and the batches that diverge are dead-lettered by `deadLetterAll`
 * before anything is published or committed. Snapshot and offsets are captured together, with no await
 * between them: learning goes on while a checkpoint is sent. See docs/dead-letters.md.
 */
export async function captureHealthy(slot: ModelSlot, deps: LearnDeps, deadLetterAll: (failures: Failure[]) => Promise<void>): Promise<Capture> {
  for (let attempt = 0; ; attempt++) {
    const snapshot = snapshotSlot(slot);
    const problem = healthProblem(snapshot.state, slot.metrics, deps.maxAbsWeight);
    if (problem === null) {
      return {
        snapshot,
        metrics: metricValues(slot.metrics),
        offsets: [...slot.offsets.values()],
        covered: slot.sinceCheckpoint,
        journaled: new Set(slot.journal),
        ledger: captureLedger(slot),
      };
    }
    // The last good state was checked when it was published; unhealthy after replays means it was restored so.
    if (attempt === 2) throw new DivergedError(`${slot.modelId}: the model is still not healthy after rolling back to its last good state (${problem})`);
    await deadLetterAll(replayJournal(slot, deps).failures);
  }
}
