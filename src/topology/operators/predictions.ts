import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import type { DecodedRecord, MicroBatch } from '../../../connectors/types';
import type { Label } from '../../learners/label-indexer';

/**
 * The predictions-topic records of a learned batch: one per learned event, on the event's partition, keyed
 * like it, with its offset (and row, for rows of one message), the prediction made before learning it, and
 * the version of the last checkpoint before it, and the original label for models that index labels.
 */
export function predictionMessages(
  batch: MicroBatch<unknown>,
  records: DecodedRecord<unknown>[],
  predictions: Float64Array,
  modelVersion: number,
  labelOf: (prediction: number) => { label?: Label } = () => ({}),
): OutgoingMessage[] {
  // Built field by field, not with spreads of optional parts: V8 (Node 20) builds a spread object on its slow path.
  return records.map((record, i) => {
    const body: Record<string, unknown> = { offset: record.offset };
    if (record.row !== undefined) body.row = record.row;
    body.prediction = predictions[i];
    const labelled = labelOf(predictions[i]);
    if ('label' in labelled) body.label = labelled.label;
    body.modelVersion = modelVersion;
    return { key: record.raw ? record.raw.key : record.key, partition: batch.partition, value: JSON.stringify(body) };
  });
}
