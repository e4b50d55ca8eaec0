import { concatMap, type OperatorFunction } from 'rxjs';
import type { DeadLetter } from '../../../connectors/dead-letter';
import type { Codec, DecodedRecord, MicroBatch } from '../../../connectors/types';
import { DecodeError, NonFiniteError } from '../../errors';
import type { Metric } from '../../evaluation/metric';
import type { Row } from '../../features/stage';
import { isSparse, type Classifier, type FeatureVector } from '../../learners/estimator';
import type { LabelIndexed } from '../../learners/label-indexer';
import type { Pipeline } from '../../features/pipeline';
import type { TopologyModel } from '../topology';
import type { ModelSlot } from '../model-slot';
import { metricValues, partitionKey } from '../model-slot';

export interface LearnBatchConfig {
  slotFor(batch: MicroBatch<unknown>): ModelSlot;
  label: string;
  codec: Codec<unknown>;
  deadLetter: DeadLetter;
  /** Called with each learned event's prediction (made before learning it), e.g. to publish it. */
  onPredictions?(batch: MicroBatch<unknown>, records: DecodedRecord<unknown>[], predictions: Float64Array, slot: ModelSlot): Promise<void>;
  /** Called once the batch is learned and the slot's offsets include it; the next batch waits for it (drift actions). */
  afterBatch?(learned: LearnedBatch): Promise<void>;
}

export interface LearnedBatch {
  batch: MicroBatch<unknown>;
  slot: ModelSlot;
  learned: number;
  deadLettered: number;
  /** The slot's prequential metrics right after this batch (later stages may see the slot move on). */
  metrics: Record<string, number>;
  /** Wall time of this step: vetting, dead-lettering, test-then-train and publishing predictions. */
  learnMs: number;
}

function isClassifier(model: TopologyModel): model is TopologyModel & Classifier<Row> {
  return typeof (model as Partial<Classifier<Row>>).predictProbaOne === 'function';
}

function firstNonFinite(vector: FeatureVector): number {
  const values = isSparse(vector) ? vector.values : vector;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return isSparse(vector) ? vector.indices[i] : i;
  return -1;
}

/** The class index (or regression target) of a vetted label: mapped by the model when it indexes labels (src/learners/label-indexer). */
export function labelIndex(model: TopologyModel, y: unknown): number {
  const indexer = model as Partial<LabelIndexed<Row>>;
  return typeof indexer.indexLabel === 'function' ? indexer.indexLabel(y) : (y as number);
}

/**
 * Why an event cannot be learned, or the features the stages make of it (null when a stage drops it).
 * Runs the stages without updating them.
 */
function vet(record: DecodedRecord<unknown>, label: string, model: TopologyModel): { error: Error } | { vector: FeatureVector | null } {
  const error = (e: Error) => ({ error: e });
  const where = `${record.topic}/${record.partition}@${record.offset}`;
  const value = record.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return error(new DecodeError('SCHEMA', `${where}: the event is not a JSON object`));
  let y = (value as Row)[label];
  const indexer = model as Partial<LabelIndexed<Row>>;
  if (typeof indexer.indexLabel === 'function') {
    try {
      y = indexer.indexLabel(y);
    } catch (err) {
      return error(new DecodeError('SCHEMA', `${where}: label field "${label}": ${(err as Error).message}`));
    }
  }
  if (typeof y !== 'number') return error(new DecodeError('SCHEMA', `${where}: label field "${label}" is ${y === undefined ? 'missing' : `a ${typeof y}, not a number`}`));
  if (!Number.isFinite(y)) return error(new NonFiniteError(`${where}: label field "${label}" is ${y}`));
  if (isClassifier(model) && !(Number.isInteger(y) && y >= 0 && y < model.numClasses)) {
    return error(new DecodeError('SCHEMA', `${where}: label field "${label}" is ${y}, not a class index in 0..${model.numClasses - 1}`));
  }
  try {
    const vector = model.transformOne(value as Row);
    const bad = vector === null ? -1 : firstNonFinite(vector);
    if (bad >= 0) return error(new NonFiniteError(`${where}: feature ${bad} is not finite after the feature stages`));
    return { vector };
  } catch (err) {
    return error(err instanceof Error ? err : new DecodeError('SCHEMA', `${where}: ${String(err)}`));
  }
}

/**
 * Predictions for vetted events. A pipeline's final estimator is asked directly with the features vetting
 * already computed (the same statistics, since nothing has learned since), which spares the stages a pass
 * per prediction kind; other models predict from the events.
 */
function predictions(model: TopologyModel, rows: Row[], vectors: (FeatureVector | null)[], kind: 'labels' | 'probabilities'): Float64Array {
  const inner = (model as Partial<Pipeline>).model;
  const probabilities = kind === 'probabilities';
  if (inner === undefined || !Array.isArray((model as Partial<Pipeline>).stages)) {
    return probabilities ? (model as TopologyModel & Classifier<Row>).predictProbaMany(rows) : model.predictMany(rows);
  }
  const width = probabilities ? (inner as Classifier).numClasses : 1;
  const kept = vectors.flatMap((vector) => (vector === null ? [] : [vector]));
  const computed = probabilities ? (inner as Classifier).predictProbaMany(kept) : inner.predictMany(kept);
  const out = new Float64Array(rows.length * width).fill(NaN);
  let k = 0;
  vectors.forEach((vector, i) => {
    if (vector !== null) out.set(computed.subarray(k * width, ++k * width), i * width);
  });
  return out;
}

/** Scores each metric with the prediction kind it needs; every prediction precedes the learning of its event. */
function score(model: TopologyModel, metrics: Record<string, Metric>, rows: Row[], vectors: (FeatureVector | null)[], ys: Float64Array): Float64Array {
  const labels = predictions(model, rows, vectors, 'labels');
  let probabilities: Float64Array | undefined;
  for (const metric of Object.values(metrics)) {
    if ((metric.needs === 'probability' || metric.needs === 'trueClassProbability') && isClassifier(model)) {
      probabilities ??= predictions(model, rows, vectors, 'probabilities');
      const k = model.numClasses;
      for (let i = 0; i < rows.length; i++) {
        // P(class 1) for binary metrics; the true class's probability for cross-entropy (NaN when y is no class).
        const column = metric.needs === 'probability' ? 1 : Number.isInteger(ys[i]) && ys[i] >= 0 && ys[i] < k ? ys[i] : -1;
        const p = column < 0 ? NaN : probabilities[i * k + column];
        if (!Number.isNaN(p)) metric.update(ys[i], p);
      }
    } else {
      for (let i = 0; i < rows.length; i++) if (!Number.isNaN(labels[i])) metric.update(ys[i], labels[i]);
    }
  }
  return labels;
}

/**
 * Test-then-train on each micro-batch: events that cannot be learned are dead-lettered (and acknowledged
 * by the broker) first; the rest are predicted with the model as it stood before the batch, scored, then
 * learned in one `learnMany`. Predicting the whole batch before learning it is Spark streaming's
 * `predictOn`/`trainOn` order; with micro-batches of one it is River's per-event order.
 */
export function learnBatch(config: LearnBatchConfig): OperatorFunction<MicroBatch<unknown>, LearnedBatch> {
  const { label, codec, deadLetter } = config;
  return concatMap(async (batch) => {
    const started = performance.now();
    const slot = config.slotFor(batch);
    const good: DecodedRecord<unknown>[] = [];
    const vectors: (FeatureVector | null)[] = [];
    const rejected: Array<{ record: DecodedRecord<unknown>; error: Error }> = [];
    for (const record of batch.records) {
      const verdict = vet(record, label, slot.model);
      if ('error' in verdict) rejected.push({ record, error: verdict.error });
      else {
        good.push(record);
        vectors.push(verdict.vector);
      }
    }
    const deadLetterAll = (failures: Array<{ record: DecodedRecord<unknown>; error: Error }>) =>
      Promise.all(failures.map(({ record, error }) => deadLetter.write(codec.encode(record.value), error, record, record.key, record.headers)));
    await deadLetterAll(rejected);

    let learned = good.length;
    if (good.length > 0) {
      const rows = good.map((record) => record.value as Row);
      const ys = Float64Array.from(rows, (row) => labelIndex(slot.model, row[label]));
      const predicted = score(slot.model, slot.metrics, rows, vectors, ys);
      slot.importance?.beforeLearn(rows, ys);
      const report = slot.model.learnMany(rows, ys, `${batch.topic}/${batch.partition}@${batch.firstOffset}..${batch.lastOffset}`);
      if (report?.error) {
        // The learner undid the step that went non-finite and skipped the rest: the batch is kept aside, not lost.
        const error = report.error;
        await deadLetterAll(good.map((record) => ({ record, error })));
        learned = 0;
      } else {
        await config.onPredictions?.(batch, good, predicted, slot);
      }
    }
    slot.offsets.set(partitionKey(batch), { topic: batch.topic, partition: batch.partition, offset: batch.nextOffset });
    slot.examplesSeen += learned;
    slot.sinceCheckpoint += batch.records.length + batch.deadLettered;
    const result = { batch, slot, learned, deadLettered: batch.deadLettered + batch.records.length - learned, metrics: metricValues(slot.metrics), learnMs: performance.now() - started };
    await config.afterBatch?.(result);
    return result;
  });
}
