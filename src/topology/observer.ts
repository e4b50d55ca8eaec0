import { errorCode, type DeadLetter } from '../../connectors/dead-letter';
import { errorMessage } from '../errors';
import type { RecordPosition } from '../../connectors/types';
import type { CheckpointManifest } from '../checkpoints/manifest';
import type { TopologyStep } from './operators/checkpoint-when-due';

/**
 * What the runtime tells an onlooker as it runs (a metrics exporter, a test). Callbacks are synchronous
 * and run on the learning path, after the fact they report; the runtime calls them through
 * {@link guardObserver}, so one that throws is reported, not fatal.
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
    async write(letter) {
      await writer.write(letter);
      report(errorCode(letter.error), letter.position);
    },
  };
}

/**
 * The observer as the runtime calls it: a callback that throws is reported on stderr (once per callback)
 * and otherwise ignored. Watching must never stop learning, nor make it learn anything twice.
 */
export function guardObserver<T extends object>(
  observer: T | undefined,
  report: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): T | undefined {
  if (!observer) return undefined;
  const reported = new Set<string>();
  return new Proxy(observer, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          if (!reported.has(String(name))) report(`observer ${String(name)} threw (ignored from now on): ${errorMessage(err)}`);
          reported.add(String(name));
          return undefined;
        }
      };
    },
  });
}
