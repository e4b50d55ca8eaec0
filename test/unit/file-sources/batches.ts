import { lastValueFrom, tap, toArray, type Observable } from 'rxjs';
import type { MicroBatch } from '../../../connectors/types';

/** Every batch of a source, each acknowledged as soon as it arrives. */
export function drain<T>(source: Observable<MicroBatch<T>>): Promise<MicroBatch<T>[]> {
  return lastValueFrom(
    source.pipe(
      tap((batch) => void batch.ack()),
      toArray(),
    ),
    { defaultValue: [] },
  );
}

/** Lets pending I/O callbacks and promise jobs run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Subscribes without acknowledging, recording what arrives. */
export function watch<T>(source: Observable<MicroBatch<T>>) {
  const seen: MicroBatch<T>[] = [];
  const outcome: { completed: boolean; error?: unknown } = { completed: false };
  const subscription = source.subscribe({
    next: (batch) => seen.push(batch),
    error: (error: unknown) => (outcome.error = error),
    complete: () => (outcome.completed = true),
  });
  return { seen, outcome, subscription };
}
