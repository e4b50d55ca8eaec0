import type { Observable } from 'rxjs';

/**
 * Feeds `source` to `next` until it completes, fails, or the user stops it (SIGINT/SIGTERM), which
 * unsubscribes cleanly; the signal handlers are removed again either way.
 */
export function follow<T>(source: Observable<T>, next: (value: T) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const subscription = source.subscribe({ next, error: reject, complete: resolve });
    const stop = () => {
      subscription.unsubscribe();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    subscription.add(() => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });
  });
}

/** Resolves at the user's stop (SIGINT/SIGTERM), leaving no signal handler behind. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
