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

/** The base of an error class with one fixed code: `class ConfigError extends withCode('CONFIG') {}`. */
function withCode(code: string) {
  return class extends StreamlearnError {
    constructor(message: string, options?: ErrorOptions) {
      super(code, message, options);
    }
  };
}

/** A constructor argument or config value is invalid. Raised at construction, never mid-stream. */
export class ConfigError extends withCode('CONFIG') {}

/** Codes a decoder may raise; each becomes the `x-error-code` header of a dead-lettered record. */
export type DecodeErrorCode = 'MALFORMED' | 'OVERSIZE' | 'SCHEMA' | 'NONFINITE' | 'FORBIDDEN_KEY';

/** A record's bytes could not be turned into a value. Never retriable: the same bytes fail again. */
export class DecodeError extends StreamlearnError {
  constructor(code: DecodeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A feature value or a weight is NaN or ±Infinity. */
export class NonFiniteError extends withCode('NONFINITE') {}

/** The broker cannot be reached or started. Retriable unless the cause is a missing tool. */
export class BrokerError extends withCode('BROKER') {}

/** A checkpoint is missing, corrupt (hash mismatch) or too large for its topic. */
export class CheckpointError extends withCode('CHECKPOINT') {}

/**
 * A record could not be written to the dead-letter topic, even after bounded retries. Its offset is not
 * committed, so nothing is lost; the consumer stops instead of skipping it.
 */
export class DeadLetterError extends withCode('DEAD_LETTER') {}

/** A label or target outside the configured range, or beyond the outlier bound learned online. */
export class LabelOutOfRangeError extends withCode('LABEL_OUT_OF_RANGE') {}

/** Learning a batch made the model non-finite or exploded it; the batch is dead-lettered, the model rolled back. */
export class DivergedError extends withCode('DIVERGED') {}

/** Model states that cannot be merged across workers (docs/scale-out.md): other kinds or configs, a kind with no merge. */
export class MergeError extends withCode('MERGE') {}

/** A writer was replaced by a newer holder of its transactional id (a fenced mixer, docs/scale-out.md): it must write nothing more. */
export class FencedError extends withCode('FENCED') {}

/** Normalises anything thrown into a message, for logs and dead-letter headers. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isRetriable(err: unknown): boolean {
  if (err instanceof StreamlearnError) return err.retriable;
  // kafkajs marks its own transient failures the same way.
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}
