import { isRetriable } from './errors';

export interface RetryOptions {
  /** Attempts after the first. */
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Decides whether an error is worth another attempt; defaults to the error's `retriable` flag. */
  shouldRetry?: (err: unknown) => boolean;
}

/** The one retry helper: exponential backoff with full jitter, retrying only retriable errors. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { retries = 5, initialDelayMs = 100, maxDelayMs = 5000, factor = 2, shouldRetry = isRetriable } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || !shouldRetry(err)) throw err;
      const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
