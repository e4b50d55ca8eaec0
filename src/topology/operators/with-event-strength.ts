import { map, type MonoTypeOperatorFunction } from 'rxjs';
import type { MicroBatch } from '../../../connectors/types';
import type { Row } from '../../features/stage';
import { EVENT_STRENGTH, type RecoEventKind } from '../../reco/event';

export interface WithEventStrengthConfig {
  /** The field written. Default `'strength'`. */
  field?: string;
}

const isKind = (value: unknown): value is RecoEventKind => typeof value === 'string' && Object.hasOwn(EVENT_STRENGTH, value);

/**
 * Writes each implicit event's weight (`EVENT_STRENGTH` of its `event` kind) into `field`, so that a
 * topology can use it as its numeric label. Events of no known kind pass unchanged, and the runtime
 * dead-letters them for their missing label.
 */
export function withEventStrength({ field = 'strength' }: WithEventStrengthConfig = {}): MonoTypeOperatorFunction<MicroBatch<Row>> {
  return map((batch) => ({
    ...batch,
    records: batch.records.map((record) => {
      const value = record.value as Row | null;
      const kind = typeof value === 'object' && value !== null ? value.event : undefined;
      return isKind(kind) ? { ...record, value: { ...value, [field]: EVENT_STRENGTH[kind] } } : record;
    }),
  }));
}
