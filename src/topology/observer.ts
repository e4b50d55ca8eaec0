import { errorCode, type DeadLetter } from '../../connectors/dead-letter';
import type { RecordPosition } from '../../connectors/types';
import type { CheckpointManifest } from '../checkpoints/manifest';
import type { TopologyStep } from './operators/checkpoint-when-due';

/**
 * What the runtime tells an onlooker as it runs (a metrics exporter, a test). Callbacks are synchronous
 * and must not throw: they run on the learning path, after the fact they report.
 */
export interface TopologyObserver {
  /** After each micro-batch is learned (and, when due, checkpointed). */
  batchLearned?(step: TopologyStep): void;
  /** After a record is durably on the dead-letter topic, with the `x-error-code` it was written with. */
  deadLettered?(code: string, position: RecordPosition): void;
  /** After a checkpoint is acknowledged, with how long its records took to publish (before the commit). */
  checkpointPublished?(manifest: CheckpointManifest, publishMs: number): void;
}

/** A dead-letter writer that reports each record it stored. */
export function observeDeadLetters(writer: DeadLetter, observer: Pick<TopologyObserver, 'deadLettered'> | undefined): DeadLetter {
  const report = observer?.deadLettered?.bind(observer);
  if (!report) return writer;
  return {
    async write(bytes, error, position, key, headers) {
      await writer.write(bytes, error, position, key, headers);
      report(errorCode(error), position);
    },
  };
}
