import type { DecodedRecord } from '../../../connectors/types';
import { DecodeError, LabelOutOfRangeError, NonFiniteError, StreamlearnError, errorMessage } from '../../errors';
import type { Row } from '../../features/stage';
import { isSparse, type FeatureVector } from '../../learners/estimator';
import type { LabelIndexed } from '../../learners/label-indexer';
import type { ModelSlot } from '../model-slot';
import { isClassifier } from '../restore';

export type Verdict = { error: Error } | { vector: FeatureVector | null; y: number };

export function where(record: { topic: string; partition: number; offset: string; row?: number }): string {
  return `${record.topic}/${record.partition}@${record.offset}${record.row === undefined ? '' : ` row ${record.row}`}`;
}

function firstNonFinite(vector: FeatureVector): number {
  const values = isSparse(vector) ? vector.values : vector;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return isSparse(vector) ? vector.indices[i] : i;
  return -1;
}

/** Why the label cannot be learned, or null: a number, finite, a class index for classifiers, within the guard's bounds. */
function labelProblem(y: unknown, label: string, slot: ModelSlot, at: string): Error | null {
  if (typeof y !== 'number')
    return new DecodeError('SCHEMA', `${at}: label field "${label}" is ${y === undefined ? 'missing' : `a ${typeof y}, not a number`}`);
  if (!Number.isFinite(y)) return new NonFiniteError(`${at}: label field "${label}" is ${y}`);
  const { model } = slot;
  if (isClassifier(model) && !(Number.isInteger(y) && y >= 0 && y < model.numClasses)) {
    return new LabelOutOfRangeError(`${at}: label field "${label}" is ${y}, not a class index in 0..${model.numClasses - 1}`);
  }
  return slot.labelGuard.check(y, `${at}: label field "${label}"`);
}

/**
 * Why an event cannot be learned, or its label and the features the stages make of it (null when a stage
 * drops it). Runs the stages without updating them; the label guard learns the labels it accepts.
 */
export function vet(record: DecodedRecord<unknown>, label: string, slot: ModelSlot): Verdict {
  const at = where(record);
  const value = record.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: new DecodeError('SCHEMA', `${at}: the event is not a JSON object`) };
  let y = (value as Row)[label];
  const indexer = slot.model as Partial<LabelIndexed<Row>>;
  if (typeof indexer.indexLabel === 'function') {
    // A model that indexes labels (strings, booleans) maps them to class indexes first (src/learners/label-indexer).
    try {
      y = indexer.indexLabel(y);
    } catch (err) {
      return { error: new DecodeError('SCHEMA', `${at}: label field "${label}": ${errorMessage(err)}`) };
    }
  }
  const problem = labelProblem(y, label, slot, at);
  if (problem) return { error: problem };
  try {
    const vector = slot.model.transformOne(value as Row);
    const bad = vector === null ? -1 : firstNonFinite(vector);
    if (bad >= 0) return { error: new NonFiniteError(`${at}: feature ${bad} is not finite after the feature stages`) };
    slot.labelGuard.accept(y as number);
    return { vector, y: y as number };
  } catch (err) {
    // A stage names the column and the problem; the record's position is added here.
    if (err instanceof StreamlearnError) return { error: new StreamlearnError(err.code, `${at}: ${err.message}`, { cause: err }) };
    return { error: new DecodeError('SCHEMA', `${at}: ${errorMessage(err)}`, { cause: err }) };
  }
}

/** The class index (or regression target) of a label: mapped by the model when it indexes labels (src/learners/label-indexer). */
export function labelIndex(model: ModelSlot['model'], y: unknown): number {
  const indexer = model as Partial<LabelIndexed<Row>>;
  return typeof indexer.indexLabel === 'function' ? indexer.indexLabel(y) : (y as number);
}
