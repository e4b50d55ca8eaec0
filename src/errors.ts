/**
 * The one errors module. Every error streamlearn throws is a `StreamlearnError`: it carries a stable
 * `code` (also written to dead-letter headers) and a `retriable` flag that `retry()` honours.
 */

export interface ErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class StreamlearnError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A constructor argument or config value is invalid. Raised at construction, never mid-stream. */
export class ConfigError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG', message, options);
  }
}

/** Codes a decoder may raise; each becomes the `x-error-code` header of a dead-lettered record. */
export type DecodeErrorCode = 'MALFORMED' | 'OVERSIZE' | 'SCHEMA' | 'NONFINITE' | 'FORBIDDEN_KEY';

/** A record's bytes could not be turned into a value. Never retriable: the same bytes fail again. */
export class DecodeError extends StreamlearnError {
  constructor(code: DecodeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A feature value or a weight is NaN or ±Infinity. */
export class NonFiniteError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('NONFINITE', message, options);
  }
}

/** The broker cannot be reached or started. Retriable unless the cause is a missing tool. */
export class BrokerError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('BROKER', message, options);
  }
}

/** A checkpoint is missing, corrupt (hash mismatch) or too large for its topic. */
export class CheckpointError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('CHECKPOINT', message, options);
  }
}

/**
 * A record could not be written to the dead-letter topic, even after bounded retries. Its offset is not
 * committed, so nothing is lost; the consumer stops instead of skipping it.
 */
export class DeadLetterError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('DEAD_LETTER', message, options);
  }
}

/** A label or target outside the configured range, or beyond the outlier bound learned online. */
export class LabelOutOfRangeError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('LABEL_OUT_OF_RANGE', message, options);
  }
}

/** Learning a batch made the model non-finite or exploded it; the batch is dead-lettered, the model rolled back. */
export class DivergedError extends StreamlearnError {
  constructor(message: string, options?: ErrorOptions) {
    super('DIVERGED', message, options);
  }
}

/** Normalises anything thrown into a message, for logs and dead-letter headers. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isRetriable(err: unknown): boolean {
  if (err instanceof StreamlearnError) return err.retriable;
  // kafkajs marks its own transient failures the same way.
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
