import { BrokerError, errorMessage } from '../../src/errors';

/** What kafkajs puts on its errors; it wraps protocol errors, so the interesting one may be a `cause`. */
export interface KafkaJsErrorShape {
  name?: string;
  type?: string;
  /** The socket's error code on connection errors, e.g. ECONNREFUSED or SELF_SIGNED_CERT_IN_CHAIN. */
  code?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
}

export function* causeChain(err: unknown): Generator<KafkaJsErrorShape> {
  for (let current = err, depth = 0; typeof current === 'object' && current !== null && depth < 10; depth++) {
    yield current as KafkaJsErrorShape;
    current = (current as KafkaJsErrorShape).cause;
  }
}

const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * The protocol error that means this member lost (or is about to lose) its partitions, if `err` is or wraps
 * one. kafkajs only re-joins the group when such an error reaches it unwrapped, so callers rethrow this one.
 */
export function rebalanceCause(err: unknown): Error | undefined {
  for (const link of causeChain(err)) {
    if (link.type !== undefined && REBALANCE_TYPES.has(link.type)) return link as Error;
  }
  return undefined;
}

const FENCED_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

/**
 * A commit refused because the member is no longer (or may soon not be) in the group's current generation:
 * its partitions are being, or have been, handed to another member. Unlike `rebalanceCause`, a coordinator
 * moving (NOT_COORDINATOR_FOR_GROUP) is not a fence: it is retried.
 */
export function isFencedCommit(err: unknown): boolean {
  for (const link of causeChain(err)) {
    if (link.type !== undefined && FENCED_TYPES.has(link.type)) return true;
  }
  return false;
}

/**
 * Errors after which an idempotent producer never recovers on its own (kafkajs#598): its producer id and
 * sequence numbers no longer match the broker's, so every later send fails too. The cure is a new producer.
 */
const FATAL_PRODUCER_TYPES = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

export function isFatalProducerError(err: unknown): boolean {
  for (const link of causeChain(err)) {
    if (link.type !== undefined && FATAL_PRODUCER_TYPES.has(link.type)) return true;
  }
  return false;
}

const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The broker refused a record (or batch) for exceeding the topic's `max.message.bytes`. */
export function isTooLargeError(err: unknown): boolean {
  for (const link of causeChain(err)) {
    if (link.type !== undefined && TOO_LARGE_TYPES.has(link.type)) return true;
  }
  return false;
}

/** The broker does not host the topic (or partition) any more, e.g. it was deleted under the consumer. */
export function isTopicGone(err: unknown): boolean {
  for (const link of causeChain(err)) {
    if (link.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  }
  return false;
}

const NO_ANSWER_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);
const STORED_UNCONFIRMED_TYPES = new Set(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT']);

/**
 * A send whose records may be stored although it failed: its answer never came (the connection broke or
 * timed out, as when a broker dies between its append and its answer), or the broker appended the records
 * but could not confirm them. A refusal (not enough replicas, a leader moving, too large, a deleted topic)
 * is known: nothing of the request was stored, and its senders may retry it in any grouping.
 */
export function isOutcomeUnknown(err: unknown): boolean {
  for (const link of causeChain(err)) {
    if ((link.name !== undefined && NO_ANSWER_ERRORS.has(link.name)) || (link.type !== undefined && STORED_UNCONFIRMED_TYPES.has(link.type))) return true;
  }
  return false;
}

/** Mirrors kafkajs's own restart rule: retries ran out on a transient error, or the root cause is transient. */
export function isKafkaRetriable(err: unknown): boolean {
  const chain = [...causeChain(err)];
  if (chain.some((link) => link.name === 'KafkaJSNumberOfRetriesExceeded')) return true;
  return chain.at(-1)?.retriable === true;
}

/** Wraps a kafkajs failure in our error type, saying what was being done, keeping kafkajs's verdict on retrying. */
export function brokerFailure(doing: string, err: unknown): BrokerError {
  return new BrokerError(`${doing}: ${errorMessage(err)}`, { retriable: isKafkaRetriable(err), cause: err });
}

/**
 * A kafkajs `restartOnFailure` that restarts the consumer after a retriable failure (a coordinator still
 * loading, a leader moving), at most `maxRestarts` times in a row, or for `patienceMs` since the first of
 * them, whichever lasts longer; `joined()` resets the count. Anything
 * else, or one failure too many, crashes the consumer so that the stream ends with the error.
 */
export function restartPolicy(maxRestarts = 5, patienceMs = 0): { restartOnFailure(err: Error): Promise<boolean>; joined(): void } {
  let restarts = 0;
  let streakStart: number | undefined;
  return {
    // With patience, a streak of retriable failures (a broker down) is waited out for that long, however many restarts it takes.
    // A topic deleted under the consumer is no outage: kafkajs calls it retriable, but waiting does not bring it back.
    restartOnFailure: async (err) => {
      streakStart ??= Date.now();
      const patient = !isTopicGone(err) && Date.now() - streakStart < patienceMs;
      return isKafkaRetriable(err) && (restarts++ < maxRestarts || patient);
    },
    joined: () => {
      restarts = 0;
      streakStart = undefined;
    },
  };
}
